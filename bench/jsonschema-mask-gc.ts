/**
 * MaskBench masks in process, timed on the wall clock, with and without the garbage collections that
 * happened inside them: how much of the mask tail is the collector's. The same masks as the bench (one
 * automaton per schema with the process-wide mask cache, a mask before every token and after the last
 * token of every instance), without the worker harness. A collection's time (PerformanceObserver 'gc'
 * entries) is subtracted from every mask whose interval it overlaps.
 *
 *   npx tsx bench/jsonschema-mask-gc.ts [--limit 300] [--grep REGEX] [--dir DIR] [--tokenizer DIR] [--json]
 *
 * `--grep` keeps the schema files whose text matches REGEX (e.g. one pattern's files). Copy it into
 * another source tree (with `git archive REV src bench`) to compare two versions on the same files.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { maskWords } from '../src/grammar/automaton/token-automaton.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import { MASKBENCH_DEFAULTS, forEachMaskState, maskbenchAutomata } from './maskbench-automata.js';
import { listMaskbenchFiles } from './peers/maskbench-files.js';

/** Upper bounds (us) of the histogram's buckets of masks over 1 ms. */
const BUCKETS = [1300, 1600, 2000, 3000, 5000, 10000, Infinity];

interface Tail {
  p50Us: number;
  p99Us: number;
  p999Us: number;
  over1ms: number;
  over5ms: number;
  /** Masks over 1 ms by bucket (BUCKETS). */
  histogram: number[];
}

function tail(us: Float64Array): Tail {
  const sorted = Float64Array.from(us).sort();
  const at = (q: number) => (sorted.length === 0 ? 0 : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]));
  const histogram = BUCKETS.map(() => 0);
  let over1ms = 0;
  let over5ms = 0;
  for (const u of us) {
    if (u > 5000) over5ms++;
    if (u <= 1000) continue;
    over1ms++;
    let k = 0;
    while (u > BUCKETS[k]) k++;
    histogram[k]++;
  }
  return { p50Us: at(0.5), p99Us: at(0.99), p999Us: at(0.999), over1ms, over5ms, histogram };
}

export interface MaskGcResult {
  schemas: number;
  masks: number;
  /** Masks not answered by the cache. */
  computed: number;
  maskMs: number;
  collections: number;
  collectionMs: number;
  withCollections: Tail;
  withoutCollections: Tail;
}

export async function runMaskGc(options: { dir: string; tokenizer: string; limit: number; grep?: RegExp }): Promise<MaskGcResult> {
  const vocabulary = loadVocabulary(options.tokenizer);
  const mask = new Uint32Array(maskWords(vocabulary.size));
  const collections: number[] = []; // start, duration pairs (ms)
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) collections.push(entry.startTime, entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  const starts: number[] = [];
  const durations: number[] = [];
  let schemas = 0;
  let computed = 0;
  const grep = options.grep;
  const files = listMaskbenchFiles(options.dir, { limit: options.limit }).filter((file) => grep === undefined || grep.test(readFileSync(join(options.dir, file), 'utf8')));
  for (const { entry, automaton } of maskbenchAutomata(options.dir, files, vocabulary)) {
    schemas++;
    forEachMaskState(entry, automaton, vocabulary, (state) => {
      const before = performance.now();
      automaton.mask(state, mask);
      durations.push(performance.now() - before);
      starts.push(before);
      if (automaton.lastVisits !== 0) computed++;
    });
  }
  // The observer reports asynchronously.
  await new Promise((r) => setTimeout(r, 100));
  observer.disconnect();
  const order = Array.from({ length: collections.length / 2 }, (_, k) => k).sort((a, b) => collections[2 * a] - collections[2 * b]);
  const gcStart = Float64Array.from(order, (k) => collections[2 * k]);
  const gcEnd = Float64Array.from(order, (k) => collections[2 * k] + collections[2 * k + 1]);
  const withGc = new Float64Array(durations.length);
  const withoutGc = new Float64Array(durations.length);
  let g = 0;
  // Masks are in time order: one pass over both lists.
  for (let m = 0; m < durations.length; m++) {
    const from = starts[m];
    const to = from + durations[m];
    while (g < gcEnd.length && gcEnd[g] < from) g++;
    let inside = 0;
    for (let k = g; k < gcStart.length && gcStart[k] <= to; k++) inside += Math.max(0, Math.min(gcEnd[k], to) - Math.max(gcStart[k], from));
    withGc[m] = durations[m] * 1000;
    withoutGc[m] = Math.max(0, durations[m] - inside) * 1000;
  }
  return {
    schemas,
    masks: durations.length,
    computed,
    maskMs: Math.round(durations.reduce((s, d) => s + d, 0)),
    collections: gcStart.length,
    collectionMs: Math.round(collections.reduce((s, v, k) => (k % 2 === 1 ? s + v : s), 0)),
    withCollections: tail(withGc),
    withoutCollections: tail(withoutGc),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: MASKBENCH_DEFAULTS.dir },
      tokenizer: { type: 'string', default: MASKBENCH_DEFAULTS.tokenizer },
      limit: { type: 'string', default: '300' },
      grep: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const result = await runMaskGc({
    dir: values.dir!,
    tokenizer: values.tokenizer!,
    limit: Number(values.limit),
    ...(values.grep !== undefined ? { grep: new RegExp(values.grep) } : {}),
  });
  if (values.json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`${result.schemas} schemas, ${result.masks} masks (${result.computed} computed), ${result.maskMs} ms; ${result.collections} collections, ${result.collectionMs} ms`);
  for (const [name, t] of [
    ['with collections', result.withCollections],
    ['without', result.withoutCollections],
  ] as const) {
    const buckets = BUCKETS.map((b, k) => `<=${b === Infinity ? 'max' : b / 1000 + 'ms'}: ${t.histogram[k]}`).join(', ');
    console.log(`${name.padEnd(17)} p50 ${t.p50Us} us, p99 ${t.p99Us} us, p99.9 ${t.p999Us} us; over 1 ms ${t.over1ms} (${buckets}), over 5 ms ${t.over5ms}`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
