/**
 * Grammar mask benchmark: forces a JSON corpus (bench/corpus/json-documents.json, the project's own)
 * through a grammar with a real tokenizer, one thread: at every token position it computes the mask
 * through the token automaton, checks that the document's actual token is in it, and advances. Reports
 * mask time percentiles, vocabulary + trie build time and memory, and grammar compile time.
 *
 *   npx tsx --expose-gc bench/grammar.ts --grammar schemas/grammars/json.gbnf \
 *       --tokenizer ../shared/data/tokenizers/llama3 --json
 *
 * Options: --corpus FILE (JSON array of documents), --syntax gbnf|lark (default: by extension),
 * --start RULE, --fuel N, --passes N (passes over the corpus; masks of later passes hit the cache),
 * --no-warmup (by default the corpus is first forced through a separate compile, so the measured
 * pass runs JIT-optimized code from an empty mask cache; that first pass of the process is reported
 * as `firstPass`; --warmup is accepted and changes nothing), --clock wall|cpu (time each mask by wall
 * clock or by this process's CPU time, which on Linux also counts V8's GC helper threads), --repeat N
 * (pass 1 N more times on fresh compiles; per mask position the minimum over them: the work of each
 * mask without the load and GC pauses of one run, see RepeatedPass). The CLI also reports the garbage
 * collections that started during each pass (scavenges, mark-compacts, pause times; node:perf_hooks
 * 'gc' entries, see collectGc), and each repetition's own maximum with its collections. Each timed pass
 * starts after a young-generation collection (with --expose-gc), so the setup's garbage is not
 * collected inside it.
 *
 * `npx formwork bench grammar ...` runs this script with --expose-gc and V8's background threads sized
 * to the machine (src/cli/v8-pool-size.ts); the flags are in the output (`nodeFlags`).
 *
 * `forceDocuments` is the reusable harness (any TokenAutomaton, any token sequences), so the peer
 * comparison (XGrammar) and `formwork bench grammar` time exactly the same loop.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { constants as perfConstants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { compileGrammar } from '../src/grammar/cfg/index.js';
import { createTokenAutomaton } from '../src/grammar/automaton/trie-token-automaton.js';
import { MaskCache } from '../src/grammar/automaton/mask-cache.js';
import { maskHas, maskWords, type TokenAutomaton } from '../src/grammar/automaton/token-automaton.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import type { Vocabulary } from '../src/grammar/vocab/vocabulary.js';
import { BYTE_CLASS_IDS } from '../src/grammar/vocab/token-slice.js';
import { corpusPath } from './grammar-corpus.js';
import { InputError } from '../src/errors.js';

export interface TimingSummary {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface ForceResult {
  /** Masks computed (one per token plus one at each document end for EOS). */
  masks: number;
  /** Mask computation time in microseconds. */
  maskUs: TimingSummary;
  /** Tokens of the documents that their mask did not allow (must be 0 for a correct grammar). */
  rejectedTokens: number;
  /** Documents whose end did not allow EOS. */
  rejectedEnds: number;
  /** Masks that ran out of fuel (superset masks). */
  supersetMasks: number;
  /** Masks the automaton computed (the rest came from its mask cache). */
  computedMasks: number;
  /** Process CPU time of the whole pass (masks, advances, bookkeeping), in ms: robust to machine load. */
  cpuMs: number;
  /** The 5 slowest masks (index in the pass, microseconds), slowest first: first visits or pauses. */
  slowest: { index: number; us: number }[];
  /** Where the first rejection happened, for debugging. */
  firstRejection?: { document: number; token: number; id: number };
  /** When the pass ran (performance.now() ms), to attribute garbage collections to it (see collectGc). */
  startedAt: number;
  endedAt: number;
  /** Garbage collections during the pass, when the caller observed them (the CLI does). */
  gc?: GcSummary;
}

/** Garbage collections in a time window (node:perf_hooks 'gc' entries). */
export interface GcSummary {
  /** Young-generation collections (V8 scavenges). */
  scavenges: number;
  /** Full collections (mark-compact), incremental marking steps counted apart. */
  markCompacts: number;
  incremental: number;
  /** Sum and maximum of their pause times, ms. */
  pauseMs: number;
  maxPauseMs: number;
}

/**
 * Forces each token sequence through `automaton`: mask (timed), check the token is allowed, advance;
 * at the end, mask again and check EOS. `eosId` is the id whose bit must be set at document ends.
 * `pooled`, when given, also receives every mask time (us), for percentiles over several runs.
 */
export function forceDocuments<S>(
  automaton: TokenAutomaton<S>,
  documents: readonly (readonly number[])[],
  eosId: number,
  pooled?: number[],
  clock: MaskClock = 'wall',
): ForceResult {
  const out = new Uint32Array(maskWords(automaton.vocabulary.size));
  const times: number[] = [];
  let rejectedTokens = 0;
  let rejectedEnds = 0;
  let supersetMasks = 0;
  let computedMasks = 0;
  let firstRejection: ForceResult['firstRejection'];
  const startedAt = performance.now();
  const cpu0 = process.cpuUsage();
  const visits = automaton as { lastVisits?: number };
  const now = clock === 'cpu' ? cpuMicros : wallMicros;
  for (let d = 0; d < documents.length; d++) {
    const tokens = documents[d];
    let state: S | undefined = automaton.initial;
    for (let i = 0; i <= tokens.length && state !== undefined; i++) {
      const t0 = now();
      const exact = automaton.mask(state, out);
      times.push(now() - t0);
      if (!exact) supersetMasks++;
      if ((visits.lastVisits ?? 1) > 0) computedMasks++;
      const id = i < tokens.length ? tokens[i] : eosId;
      const allowed = maskHas(out, id) && (exact || automaton.allows(state, id));
      if (!allowed) {
        if (i < tokens.length) rejectedTokens++;
        else rejectedEnds++;
        firstRejection ??= { document: d, token: i, id };
        break;
      }
      if (i < tokens.length) state = automaton.advance(state, id);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const endedAt = performance.now();
  if (pooled !== undefined) for (const t of times) pooled.push(t);
  const cpuMs = Math.round((cpu.user + cpu.system) / 10) / 100;
  const slowest = times
    .map((us, index) => ({ index, us: Math.round(us * 100) / 100 }))
    .sort((a, b) => b.us - a.us)
    .slice(0, 5);
  return {
    masks: times.length,
    maskUs: summarize(times),
    rejectedTokens,
    rejectedEnds,
    supersetMasks,
    computedMasks,
    cpuMs,
    slowest,
    firstRejection,
    startedAt,
    endedAt,
  };
}

/**
 * Starts recording garbage collections; `attribute` (after the benchmark, from an async context, since
 * entries arrive on the event loop) fills `gc` of each pass with the collections that started in it.
 */
export function collectGc(): { attribute(passes: { startedAt: number; endedAt: number; gc?: GcSummary }[]): Promise<void> } {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    async attribute(passes) {
      await new Promise((done) => setTimeout(done, 20));
      observer.disconnect();
      for (const pass of passes) pass.gc = gcIn(entries, pass.startedAt, pass.endedAt);
    },
  };
}

function gcIn(entries: readonly PerformanceEntry[], from: number, to: number): GcSummary {
  const summary: GcSummary = { scavenges: 0, markCompacts: 0, incremental: 0, pauseMs: 0, maxPauseMs: 0 };
  for (const e of entries) {
    if (e.startTime < from || e.startTime > to) continue;
    const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) summary.scavenges++;
    else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) summary.markCompacts++;
    else if (kind === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL) summary.incremental++;
    summary.pauseMs = round(summary.pauseMs + e.duration);
    summary.maxPauseMs = round(Math.max(summary.maxPauseMs, e.duration));
  }
  return summary;
}

/**
 * Which clock times each mask: `wall` (monotonic wall clock), or `cpu` (this process's CPU time,
 * process.cpuUsage): on a loaded machine the wall-clock tail is mostly other processes' time slices,
 * while CPU time counts only the work done (and still GC and JIT on this thread).
 */
export type MaskClock = 'wall' | 'cpu';

function wallMicros(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export function summarize(values: readonly number[]): TimingSummary {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  let sum = 0;
  for (const v of sorted) sum += v;
  const round = (v: number) => Math.round(v * 100) / 100;
  return { p50: round(at(0.5)), p99: round(at(0.99)), p999: round(at(0.999)), max: round(sorted[sorted.length - 1] ?? NaN), mean: round(sum / sorted.length) };
}

export interface GrammarBenchOptions {
  grammar: string;
  tokenizer: string;
  corpus?: string;
  syntax?: 'gbnf' | 'lark';
  start?: string;
  fuel?: number;
  passes?: number;
  /**
   * Force the corpus once through a separate compile of the grammar first (default true), so that the
   * measured pass runs on optimized code (JIT) but still starts from an empty mask cache and a fresh
   * lexer DFA. That first pass of the process is reported too (`firstPass`).
   */
  warmup?: boolean;
  /** Clock of the per-mask times (default wall). */
  clock?: MaskClock;
  /**
   * Repeat pass 1 this many more times, each on a fresh compile and an empty mask cache, and report per
   * mask position the minimum over the repetitions (`repeated`): the work of a mask, with the load and
   * GC pauses that land on one run stripped (a first visit is a first visit in every repetition).
   */
  repeat?: number;
}

export interface RepeatedPass {
  repetitions: number;
  /** Over mask positions: the minimum over repetitions of that position's time. */
  minUs: TimingSummary;
  /** Over mask positions: the median over repetitions. */
  medianUs: TimingSummary;
  /** The 5 positions with the largest minimum (first visits), slowest first. */
  slowest: { index: number; us: number }[];
  /** Each repetition as a single run: its slowest mask (us), CPU (ms), and collections when observed. */
  runs: RepetitionRun[];
}

export interface RepetitionRun {
  maxUs: number;
  cpuMs: number;
  startedAt: number;
  endedAt: number;
  gc?: GcSummary;
}

export interface GrammarBenchResult extends ForceResult {
  grammar: string;
  tokenizer: string;
  documents: number;
  tokens: number;
  /** Grammar compile time, median of 20 compiles in a warm process. */
  compileMs: number;
  /** Mean process CPU time of those 20 compiles (robust to machine load). */
  compileCpuMs: number;
  /** The first compile in the process (includes building the front-end's parser). */
  compileColdMs: number;
  /** Vocabulary + token trie + byte-class slices build time. */
  vocabMs: number;
  /**
   * Memory held by the vocabulary + trie (heap + array buffers, after GC). Null without --expose-gc:
   * then no collection can be forced before and after, and the difference can even be negative.
   */
  vocabMB: number | null;
  /** Per pass over the corpus (pass 1 starts from an empty mask cache). */
  passes: ForceResult[];
  warmup: boolean;
  /**
   * With the warm-up: the process's first pass (the warm-up itself, on its own compile), whose first
   * masks run unoptimized code. Without it, pass 1 is that pass.
   */
  firstPass?: ForceResult;
  clock: MaskClock;
  repeated?: RepeatedPass;
  node: string;
  /** The Node flags the bench ran with (`formwork bench` sizes V8's thread pool: src/cli/v8-pool-size.ts). */
  nodeFlags: string[];
}

export function runGrammarBench(options: GrammarBenchOptions): GrammarBenchResult {
  const source = readFileSync(options.grammar, 'utf8');
  const syntax = options.syntax ?? (options.grammar.endsWith('.lark') ? 'lark' : 'gbnf');
  const compile = () => compileGrammar(source, { syntax, start: options.start, sourceName: basename(options.grammar) });

  let t0 = performance.now();
  compile();
  const compileColdMs = performance.now() - t0;
  const compileTimes: number[] = [];
  const compileCpu0 = process.cpuUsage();
  for (let i = 0; i < 20; i++) {
    t0 = performance.now();
    compile();
    compileTimes.push(performance.now() - t0);
  }
  const compileCpu = process.cpuUsage(compileCpu0);
  compileTimes.sort((a, b) => a - b);

  const before = memory();
  t0 = performance.now();
  const vocabulary: Vocabulary = loadVocabulary(options.tokenizer);
  // The vocabulary's precomputed slices (built lazily on first use) count as vocabulary preparation.
  for (const classId of BYTE_CLASS_IDS) vocabulary.trie.slice(classId);
  const vocabMs = performance.now() - t0;
  const vocabMB = canCollect() ? (memory() - before) / (1 << 20) : null;

  const documents: string[] = JSON.parse(readFileSync(options.corpus ?? corpusPath, 'utf8'));
  const tokenized = documents.map((d) => vocabulary.encode(d));
  const eosId = vocabulary.eosIds[0];

  const warmup = options.warmup ?? true;
  let firstPass: ForceResult | undefined;
  if (warmup) {
    const fresh = createTokenAutomaton(compile(), vocabulary, { fuel: options.fuel, cache: new MaskCache() });
    collectSetupGarbage();
    firstPass = forceDocuments(fresh, tokenized, eosId, undefined, options.clock);
  }
  const grammar = compile();
  const automaton = createTokenAutomaton(grammar, vocabulary, { fuel: options.fuel, cache: new MaskCache() });
  const passes: ForceResult[] = [];
  for (let p = 0; p < (options.passes ?? 1); p++) {
    collectSetupGarbage();
    passes.push(forceDocuments(automaton, tokenized, eosId, undefined, options.clock));
  }
  const repeated = options.repeat ? repeatFirstPass(options.repeat, () => createTokenAutomaton(compile(), vocabulary, { fuel: options.fuel, cache: new MaskCache() }), tokenized, eosId, options.clock) : undefined;
  return {
    grammar: options.grammar,
    tokenizer: options.tokenizer,
    documents: documents.length,
    tokens: tokenized.reduce((n, t) => n + t.length, 0),
    ...passes[0],
    compileMs: round(compileTimes[compileTimes.length >> 1]),
    compileCpuMs: round((compileCpu.user + compileCpu.system) / 1000 / 20),
    compileColdMs: round(compileColdMs),
    vocabMs: round(vocabMs),
    vocabMB: vocabMB === null ? null : round(vocabMB),
    passes,
    warmup,
    firstPass,
    clock: options.clock ?? 'wall',
    repeated,
    node: process.version,
    nodeFlags: nodeFlags(),
  };
}

/** Pass 1 `repetitions` times on fresh automata; per mask position, the minimum and median time. */
function repeatFirstPass<S>(
  repetitions: number,
  fresh: () => TokenAutomaton<S>,
  documents: readonly (readonly number[])[],
  eosId: number,
  clock: MaskClock | undefined,
): RepeatedPass {
  const runs: number[][] = [];
  const single: RepetitionRun[] = [];
  for (let r = 0; r < repetitions; r++) {
    const times: number[] = [];
    collectSetupGarbage();
    const pass = forceDocuments(fresh(), documents, eosId, times, clock);
    runs.push(times);
    single.push({ maxUs: pass.maskUs.max, cpuMs: pass.cpuMs, startedAt: pass.startedAt, endedAt: pass.endedAt });
  }
  const positions = Math.min(...runs.map((t) => t.length));
  const mins: number[] = [];
  const medians: number[] = [];
  for (let i = 0; i < positions; i++) {
    const at = runs.map((t) => t[i]).sort((a, b) => a - b);
    mins.push(at[0]);
    medians.push(at[at.length >> 1]);
  }
  const slowest = mins
    .map((us, index) => ({ index, us: round(us) }))
    .sort((a, b) => b.us - a.us)
    .slice(0, 5);
  return { repetitions, minUs: summarize(mins), medianUs: summarize(medians), slowest, runs: single };
}

/**
 * A young-generation collection before a timed pass (with --expose-gc; `formwork bench` gives it): the
 * setup's short-lived garbage (the corpus encoding, the warm-up pass) is then not scavenged inside the
 * pass, whose collections are its own. Not a full collection: after `gc()` the pass ran slower (p99
 * 40-74 -> 95-167 us, CPU of the pass 145-190 -> 205-281 ms, 3 runs each, json.gbnf with --warmup).
 */
function collectSetupGarbage(): void {
  forcedGc?.({ type: 'minor' });
}

/** This process's Node flags (V8's thread pool and heap options), without the loader's `--import X`. */
function nodeFlags(): string[] {
  const flags: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--import' || argv[i] === '--require' || argv[i] === '--loader') i++;
    else if (!/^--(import|require|loader)=/.test(argv[i])) flags.push(argv[i]);
  }
  return flags;
}

/** V8's `gc()` when the process runs with --expose-gc (`formwork bench` gives it), else undefined. */
const forcedGc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;

function canCollect(): boolean {
  return forcedGc !== undefined;
}

function memory(): number {
  if (forcedGc) {
    forcedGc();
    forcedGc();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function parseArgs(argv: string[]): GrammarBenchOptions & { json: boolean } {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const grammar = get('grammar') ?? 'schemas/grammars/json.gbnf';
  const tokenizer = get('tokenizer') ?? resolve('..', 'shared', 'data', 'tokenizers', 'llama3');
  const syntax = get('syntax') as 'gbnf' | 'lark' | undefined;
  const clock = get('clock') ?? 'wall';
  if (clock !== 'wall' && clock !== 'cpu') throw new InputError(`--clock must be wall or cpu, not ${clock}`, { where: 'bench grammar' });
  return {
    grammar,
    tokenizer,
    corpus: get('corpus'),
    syntax,
    start: get('start'),
    fuel: get('fuel') ? Number(get('fuel')) : undefined,
    passes: get('passes') ? Number(get('passes')) : undefined,
    warmup: !argv.includes('--no-warmup'),
    clock,
    repeat: get('repeat') ? Number(get('repeat')) : undefined,
    json: argv.includes('--json'),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const options = parseArgs(process.argv.slice(2));
  const gc = collectGc();
  const result = runGrammarBench(options);
  await gc.attribute([...(result.firstPass ? [result.firstPass] : []), ...result.passes, ...(result.repeated?.runs ?? [])]);
  Object.assign(result, { gc: result.passes[0].gc });
  if (options.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const s = result.maskUs;
    console.log(`grammar ${result.grammar}, tokenizer ${result.tokenizer}, ${result.documents} documents, ${result.tokens} tokens, node ${result.node} ${result.nodeFlags.join(' ')}`);
    console.log(`masks ${result.masks}: p50 ${s.p50} us, p99 ${s.p99} us, p99.9 ${s.p999} us, max ${s.max} us, mean ${s.mean} us`);
    console.log(`computed (not cached) ${result.computedMasks}, CPU of the pass ${result.cpuMs} ms, warm-up ${result.warmup}, clock ${result.clock}`);
    console.log(`rejected tokens ${result.rejectedTokens}, rejected ends ${result.rejectedEnds}, superset masks ${result.supersetMasks}`);
    console.log(
      `compile ${result.compileMs} ms (CPU ${result.compileCpuMs} ms, cold ${result.compileColdMs} ms), vocabulary+trie+slices ${result.vocabMs} ms, ${result.vocabMB === null ? '? MB (memory needs node --expose-gc)' : `${result.vocabMB} MB`}`,
    );
    const gcText = (g: GcSummary | undefined) =>
      g === undefined ? '' : `; GC during the pass: ${g.scavenges} scavenges, ${g.markCompacts} mark-compacts, ${g.pauseMs} ms paused (max ${g.maxPauseMs} ms)`;
    console.log(`pass 1${gcText(result.passes[0].gc)}`);
    if (result.firstPass !== undefined) {
      const f = result.firstPass;
      console.log(
        `first pass of the process (the warm-up, unoptimized code at first): p50 ${f.maskUs.p50} us, p99 ${f.maskUs.p99} us, p99.9 ${f.maskUs.p999} us, max ${f.maskUs.max} us (slowest ${f.slowest.map((x) => `#${x.index} ${x.us} us`).join(', ')})${gcText(f.gc)}`,
      );
    }
    for (let p = 1; p < result.passes.length; p++) {
      const q = result.passes[p].maskUs;
      console.log(`pass ${p + 1}: p50 ${q.p50} us, p99 ${q.p99} us, max ${q.max} us${gcText(result.passes[p].gc)}`);
    }
    if (result.repeated !== undefined) {
      const { repetitions, minUs: m, slowest, runs } = result.repeated;
      console.log(
        `pass 1 x ${repetitions} fresh compiles, per-position minimum: p50 ${m.p50} us, p99 ${m.p99} us, p99.9 ${m.p999} us, max ${m.max} us (slowest positions ${slowest.map((s) => `#${s.index} ${s.us} us`).join(', ')})`,
      );
      console.log(
        `  each as one run, max mask (us) / scavenges / mark-compacts / max GC pause (ms): ${runs.map((r) => `${Math.round(r.maxUs)}/${r.gc?.scavenges}/${r.gc?.markCompacts}/${r.gc?.maxPauseMs}`).join(', ')}`,
      );
    }
  }
}
