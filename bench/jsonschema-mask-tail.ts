/**
 * Where the slow JSON Schema masks are: MaskBench masks grouped by the kind of state they were computed
 * for, with how many took over 1 ms (issue 4's p99 target) and over 5 ms (its p99.9 target).
 *
 *   npx tsx bench/jsonschema-mask-tail.ts [--limit 300] [--name REGEX] [--dir DIR] [--tokenizer DIR] [--json]
 *
 * `--name` keeps the schema files whose names match REGEX (one file's tail, or one source's).
 *
 * Same masks as `npx formwork bench maskbench --limit N --clock cpu` (bench/peers/formwork-engine.ts):
 * one automaton per schema with the process-wide mask cache, a mask before every token of every
 * instance and one after its last token, the schema's first mask left out (it is "time to first
 * mask" there), timed with the CPU clock. It runs in-process without the worker harness, so its totals
 * differ a little from the bench's; the breakdown is what it is for.
 *
 * Groups: `key`/`val` strings (`-rec`: inside a recorded value such as a `uniqueItems` array, whose
 * masks are never cached; `-text`: the text is kept, for duplicate keys or text checks; `-len`: a
 * length limit; `-esc`: inside an escape; `-moves`: the string's automata move on some character,
 * i.e. patterns, formats or known property names), `obj-<phase>`, `arr-<phase>`, `num` (`-text`:
 * numeric keywords keep the text), `root-<phase>`, `lit`. `computed` counts the masks not answered by
 * the cache; `visits` is the mean number of trie nodes those walked.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { maskWords } from '../src/grammar/automaton/token-automaton.js';
import { K_ARR, K_NUM, K_OBJ, K_ROOT, K_STR, S_NORMAL, type Frame } from '../src/grammar/jsonschema/frame.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import { MASKBENCH_DEFAULTS, forEachMaskState, maskbenchAutomata } from './maskbench-automata.js';
import { listMaskbenchFiles } from './peers/maskbench-files.js';

const OBJECT_PHASES = ['open', 'afterKey', 'beforeValue', 'afterValue', 'afterComma'];
const ARRAY_PHASES = ['open', 'afterValue', 'afterComma'];

/** The group of a state's mask (see the header). */
export function maskGroup(f: Frame): string {
  const rec = f.rec !== null ? '-rec' : '';
  switch (f.kind) {
    case K_STR:
      return `${f.keyOf !== null ? 'key' : 'val'}${rec}${f.text !== null ? '-text' : ''}${f.plan.cpCap > 0 ? '-len' : ''}${f.esc !== S_NORMAL ? '-esc' : ''}${f.plan.loops(f.ps) ? '' : '-moves'}`;
    case K_OBJ:
      return `obj-${OBJECT_PHASES[f.phase]}${rec}`;
    case K_ARR:
      return `arr-${ARRAY_PHASES[f.phase]}${rec}`;
    case K_NUM:
      return `num${f.text !== null ? '-text' : ''}${rec}`;
    case K_ROOT:
      return `root-${f.phase === 0 ? 'before' : 'after'}`;
    default:
      return `lit${rec}`;
  }
}

export interface MaskGroupStats {
  group: string;
  masks: number;
  totalMs: number;
  over1ms: number;
  over5ms: number;
  /** Milliseconds spent in the masks over 1 ms. */
  over1msTotalMs: number;
  computed: number;
  meanVisits: number;
}

export interface MaskTailResult {
  schemas: number;
  masks: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  over1ms: number;
  over5ms: number;
  groups: MaskGroupStats[];
}

export function runMaskTail(options: { dir: string; tokenizer: string; limit?: number; name?: RegExp }): MaskTailResult {
  const vocabulary = loadVocabulary(options.tokenizer);
  const mask = new Uint32Array(maskWords(vocabulary.size));
  const cpuMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const groups = new Map<string, MaskGroupStats & { visits: number }>();
  const times: number[] = [];
  let schemas = 0;
  const name = options.name;
  const files = listMaskbenchFiles(options.dir, options.limit !== undefined ? { limit: options.limit } : {}).filter((file) => name === undefined || name.test(file));
  for (const { entry, automaton } of maskbenchAutomata(options.dir, files, vocabulary)) {
    schemas++;
    // The schema's first mask is left out, as the bench leaves it out (its "time to first mask").
    automaton.mask(automaton.initial, mask);
    let first = true;
    forEachMaskState(entry, automaton, vocabulary, (state) => {
      if (first) {
        first = false;
        return;
      }
      const before = cpuMs();
      automaton.mask(state, mask);
      const ms = cpuMs() - before;
      times.push(ms);
      const group = maskGroup(state.frame);
      let g = groups.get(group);
      if (g === undefined) {
        g = { group, masks: 0, totalMs: 0, over1ms: 0, over5ms: 0, over1msTotalMs: 0, computed: 0, meanVisits: 0, visits: 0 };
        groups.set(group, g);
      }
      g.masks++;
      g.totalMs += ms;
      if (ms > 1) {
        g.over1ms++;
        g.over1msTotalMs += ms;
      }
      if (ms > 5) g.over5ms++;
      // lastVisits is 0 when the cache answered.
      if (automaton.lastVisits !== 0) {
        g.computed++;
        g.visits += Math.max(0, automaton.lastVisits);
      }
    });
  }
  const sorted = Float64Array.from(times).sort();
  const at = (p: number) => (sorted.length === 0 ? 0 : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] * 1000));
  return {
    schemas,
    masks: times.length,
    p50Us: at(0.5),
    p99Us: at(0.99),
    p999Us: at(0.999),
    over1ms: times.filter((t) => t > 1).length,
    over5ms: times.filter((t) => t > 5).length,
    groups: [...groups.values()]
      .map(({ visits, ...g }) => ({ ...g, totalMs: Math.round(g.totalMs), over1msTotalMs: Math.round(g.over1msTotalMs), meanVisits: g.computed > 0 ? Math.round(visits / g.computed) : 0 }))
      .sort((a, b) => b.over1msTotalMs - a.over1msTotalMs),
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: MASKBENCH_DEFAULTS.dir },
      tokenizer: { type: 'string', default: MASKBENCH_DEFAULTS.tokenizer },
      limit: { type: 'string', default: '300' },
      name: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const result = runMaskTail({
    dir: values.dir!,
    tokenizer: values.tokenizer!,
    limit: Number(values.limit),
    ...(values.name !== undefined ? { name: new RegExp(values.name) } : {}),
  });
  if (values.json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`npx tsx bench/jsonschema-mask-tail.ts --limit ${values.limit}${values.name !== undefined ? ` --name ${values.name}` : ''}: ${result.schemas} schemas, ${result.masks} masks (CPU clock)`);
  console.log(`p50 ${result.p50Us} us, p99 ${result.p99Us} us, p99.9 ${result.p999Us} us; over 1 ms: ${result.over1ms}, over 5 ms: ${result.over5ms}`);
  console.log(['group'.padEnd(24), 'masks', 'total ms', '>1 ms', '>5 ms', 'ms in >1ms', 'computed', 'visits'].map((h, i) => (i === 0 ? h : h.padStart(11))).join(''));
  for (const g of result.groups) {
    console.log([g.group.padEnd(24), g.masks, g.totalMs, g.over1ms, g.over5ms, g.over1msTotalMs, g.computed, g.meanVisits].map((v, i) => (i === 0 ? v : String(v).padStart(11))).join(''));
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
