/**
 * Same-process A/B of JSON Schema mask time: the masks of this tree and of another source tree (an
 * earlier commit extracted with `git archive`) are computed alternately in one process, mask cache off,
 * over the distinct states MaskBench instances reach. On this shared 2-core VM whole-sample runs differ
 * by 10-20%; alternating mask by mask keeps the load and the process's state the same for both sides.
 *
 *   git archive HEAD~1 src | tar -x -C tmp/base
 *   npx tsx bench/jsonschema-mask-ab.ts --base tmp/base [--limit 300 | --name REGEX] [--groups key-text-moves,val-moves]
 *       [--reps 1] [--dir DIR] [--tokenizer DIR] [--json]
 *
 * `--name` takes every file whose name matches REGEX instead of `--limit` files spread over the sample.
 * `--groups` keeps the states of those mask groups (see jsonschema-mask-tail.ts); `--reps` computes each
 * mask that many times per side (memos that outlive one mask favour the second repetition). Both trees
 * must compute the same masks: bench/jsonschema-mask-digest.ts checks that.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { listMaskbenchFiles, readMaskbenchEntry } from './peers/maskbench-files.js';
import { maskGroup } from './jsonschema-mask-tail.js';
import type { Frame } from '../src/grammar/jsonschema/frame.js';
import { MASKBENCH_DEFAULTS } from './maskbench-automata.js';

interface Side {
  readonly label: string;
  readonly jobs: { mask(): void }[];
  ms: number;
  over1ms: number;
  over5ms: number;
}

interface TreeModules {
  jsonSchemaAutomaton: (schema: unknown, vocabulary: unknown, options: { cache: false }) => Automaton;
  compileJsonSchema: (schema: unknown) => unknown;
  loadVocabulary: (dir: string) => { encode(text: string): number[]; size: number };
  maskWords: (size: number) => number;
  FINAL: unknown;
}

interface Automaton {
  readonly initial: { frame: Frame };
  mask(state: unknown, out: Uint32Array): void;
  advance(state: unknown, token: number): { frame: Frame } | undefined | unknown;
  readonly machine: { keyOf(frame: Frame): string };
}

async function loadTree(root: string): Promise<TreeModules> {
  const at = (path: string) => import(pathToFileURL(resolve(root, 'src/grammar', path)).href);
  const [index, automaton, trie, vocab] = await Promise.all([
    at('jsonschema/index.ts'),
    at('automaton/token-automaton.ts'),
    at('automaton/trie-token-automaton.ts'),
    at('vocab/load-vocabulary.ts'),
  ]);
  return {
    jsonSchemaAutomaton: index.jsonSchemaAutomaton,
    compileJsonSchema: index.compileJsonSchema,
    loadVocabulary: vocab.loadVocabulary,
    maskWords: automaton.maskWords,
    FINAL: trie.FINAL,
  };
}

/** One job per distinct state (by mask key) of the chosen groups that the instances reach. */
function collectJobs(tree: TreeModules, label: string, files: { schemaText: string; texts: string[] }[], tokenizer: string, groups: Set<string> | null): Side {
  const vocabulary = tree.loadVocabulary(tokenizer);
  const out = new Uint32Array(tree.maskWords(vocabulary.size));
  const jobs: { mask(): void }[] = [];
  for (const file of files) {
    let automaton: Automaton;
    try {
      automaton = tree.jsonSchemaAutomaton(tree.compileJsonSchema(JSON.parse(file.schemaText)), vocabulary, { cache: false });
    } catch {
      continue;
    }
    const seen = new Set<string>();
    for (const text of file.texts) {
      const tokens = vocabulary.encode(text);
      let state = automaton.initial;
      for (let position = 0; position <= tokens.length; position++) {
        if (groups === null || groups.has(maskGroup(state.frame))) {
          const key = automaton.machine.keyOf(state.frame);
          if (!seen.has(key)) {
            seen.add(key);
            const at = state;
            jobs.push({ mask: () => automaton.mask(at, out) });
          }
        }
        if (position === tokens.length) break;
        const next = automaton.advance(state, tokens[position]);
        if (next === undefined || next === tree.FINAL) break;
        state = next as { frame: Frame };
      }
    }
  }
  return { label, jobs, ms: 0, over1ms: 0, over5ms: 0 };
}

function timeOne(side: Side, i: number): void {
  const t0 = performance.now();
  side.jobs[i].mask();
  const ms = performance.now() - t0;
  side.ms += ms;
  if (ms > 1) side.over1ms++;
  if (ms > 5) side.over5ms++;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      dir: { type: 'string', default: MASKBENCH_DEFAULTS.dir },
      tokenizer: { type: 'string', default: MASKBENCH_DEFAULTS.tokenizer },
      limit: { type: 'string', default: '300' },
      groups: { type: 'string' },
      name: { type: 'string' },
      reps: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.base === undefined) throw new Error('--base DIR is required (a source tree, e.g. from `git archive HEAD~1 src | tar -x -C DIR`)');
  const names = values.name === undefined ? listMaskbenchFiles(values.dir!, { limit: Number(values.limit) }) : listMaskbenchFiles(values.dir!).filter((name) => new RegExp(values.name!).test(name));
  const files = names.map((name) => {
    const entry = readMaskbenchEntry(values.dir!, name);
    return { schemaText: entry.schemaText, texts: entry.instances.map((i) => i.text) };
  });
  const groups = values.groups === undefined ? null : new Set(values.groups.split(','));
  const base = collectJobs(await loadTree(values.base), 'base', files, values.tokenizer!, groups);
  const current = collectJobs(await loadTree('.'), 'this tree', files, values.tokenizer!, groups);
  if (base.jobs.length !== current.jobs.length) throw new Error(`the trees reach different states (${base.jobs.length} and ${current.jobs.length} masks)`);
  for (let r = 0; r < Number(values.reps); r++) {
    for (let i = 0; i < base.jobs.length; i++) {
      // Alternate which side goes first, so neither always runs on the other's warm caches.
      if (i % 2 === 0) {
        timeOne(base, i);
        timeOne(current, i);
      } else {
        timeOne(current, i);
        timeOne(base, i);
      }
    }
  }
  const result = {
    masks: base.jobs.length,
    reps: Number(values.reps),
    baseMs: Math.round(base.ms),
    thisMs: Math.round(current.ms),
    ratio: Math.round((current.ms / base.ms) * 1000) / 1000,
    baseOver1ms: base.over1ms,
    thisOver1ms: current.over1ms,
    baseOver5ms: base.over5ms,
    thisOver5ms: current.over5ms,
  };
  if (values.json) console.log(JSON.stringify(result));
  else
    console.log(
      `${result.masks} masks x${result.reps}: base ${result.baseMs} ms, this tree ${result.thisMs} ms (x${result.ratio}); over 1 ms ${result.baseOver1ms} -> ${result.thisOver1ms}, over 5 ms ${result.baseOver5ms} -> ${result.thisOver5ms}`,
    );
}

await main();
