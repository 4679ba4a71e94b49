/**
 * Where MaskBench's bytes are allocated: the same masks as jsonschema-mask-gc.ts (one automaton per
 * schema with the process-wide mask cache, a mask before every token and after the last token of every
 * instance), under V8's sampling heap profiler with collected objects counted, so short-lived garbage
 * shows as well as what is kept. Every byte allocated brings the next scavenge nearer, and a scavenge
 * lands inside whatever runs then, mostly a mask (bench/RESULTS.md, JSONSchemaBench "session 14").
 *
 *   node --import tsx bench/jsonschema-mask-alloc.ts [--from 0] [--to 300] [--top 25] [--dir DIR] [--tokenizer DIR] [--json]
 *   node --no-turbo-inlining --import tsx bench/jsonschema-mask-alloc.ts ...
 *
 * Optimized code charges what an inlined function allocates to the function it was inlined into;
 * `--no-turbo-inlining` charges each function its own bytes (and allocates a little differently).
 * Files are the sorted dev sample's [from, to). Sampled bytes are an estimate (one sample per ~16 KB).
 */
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { maskWords } from '../src/grammar/automaton/token-automaton.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import { MASKBENCH_DEFAULTS, forEachMaskState, maskbenchAutomata } from './maskbench-automata.js';
import { listMaskbenchFiles } from './peers/maskbench-files.js';

/** One node of V8's sampling heap profile. */
interface ProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: ProfileNode[];
}

/** The work a sampled allocation belongs to: the outermost of these functions on its stack. */
const PHASES: readonly { phase: string; fn: string; file: string }[] = [
  { phase: 'compile', fn: 'compileJsonSchema', file: 'jsonschema/index.ts' },
  { phase: 'compile', fn: 'jsonSchemaAutomaton', file: 'jsonschema/index.ts' },
  { phase: 'mask', fn: 'mask', file: 'automaton/trie-token-automaton.ts' },
  { phase: 'advance', fn: 'advance', file: 'automaton/trie-token-automaton.ts' },
  { phase: 'tokenize', fn: 'encode', file: 'vocab/token-vocabulary.ts' },
];

export interface MaskAllocResult {
  schemas: number;
  masks: number;
  /** Sampled bytes allocated while the masks ran, in MB. */
  sampledMB: number;
  byPhase: Record<string, number>;
  /** Functions by the bytes they allocated themselves, in MB. */
  top: { fn: string; mb: number }[];
  /** Minor collections during the run. */
  scavenges: number;
}

export async function runMaskAlloc(options: { dir: string; tokenizer: string; from: number; to: number; top: number }): Promise<MaskAllocResult> {
  const vocabulary = loadVocabulary(options.tokenizer);
  const mask = new Uint32Array(maskWords(vocabulary.size));
  const files = listMaskbenchFiles(options.dir).slice(options.from, options.to);
  let scavenges = 0;
  const observer = new PerformanceObserver((list) => {
    // gc entries carry their kind in `detail` (Node >= 16), which the PerformanceEntry type omits.
    for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  });
  observer.observe({ entryTypes: ['gc'] });
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  // The two include flags make the profile count garbage too (V8 11.x; older versions ignore them).
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as { samplingInterval: number });
  let schemas = 0;
  let masks = 0;
  for (const { entry, automaton } of maskbenchAutomata(options.dir, files, vocabulary)) {
    schemas++;
    forEachMaskState(entry, automaton, vocabulary, (state) => {
      automaton.mask(state, mask);
      masks++;
    });
  }
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  session.disconnect();
  // The observer reports asynchronously.
  await new Promise((r) => setTimeout(r, 100));
  observer.disconnect();

  const byPhase: Record<string, number> = { other: 0 };
  for (const { phase } of PHASES) byPhase[phase] = 0;
  const self = new Map<string, number>();
  let total = 0;
  const visit = (node: ProfileNode, phase: string): void => {
    const { functionName, url } = node.callFrame;
    const here = phase !== 'other' ? phase : (PHASES.find((p) => p.fn === functionName && url.endsWith(p.file))?.phase ?? 'other');
    total += node.selfSize;
    byPhase[here] += node.selfSize;
    const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}`;
    self.set(name, (self.get(name) ?? 0) + node.selfSize);
    for (const child of node.children) visit(child, here);
  };
  visit(profile.head, 'other');
  const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
  return {
    schemas,
    masks,
    sampledMB: mb(total),
    byPhase: Object.fromEntries(Object.entries(byPhase).map(([k, v]) => [k, mb(v)])),
    top: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, options.top)
      .map(([fn, bytes]) => ({ fn, mb: mb(bytes) })),
    scavenges,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: MASKBENCH_DEFAULTS.dir },
      tokenizer: { type: 'string', default: MASKBENCH_DEFAULTS.tokenizer },
      from: { type: 'string', default: '0' },
      to: { type: 'string', default: '300' },
      top: { type: 'string', default: '25' },
      json: { type: 'boolean', default: false },
    },
  });
  const result = await runMaskAlloc({ dir: values.dir!, tokenizer: values.tokenizer!, from: Number(values.from), to: Number(values.to), top: Number(values.top) });
  if (values.json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`files ${values.from}-${values.to}: ${result.schemas} schemas, ${result.masks} masks, ${result.sampledMB} MB allocated (sampled), ${result.scavenges} scavenges`);
  console.log(`by phase (MB): ${Object.entries(result.byPhase).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const { fn, mb } of result.top) console.log(`${String(mb).padStart(9)}  ${fn}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
