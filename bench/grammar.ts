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
 * --warmup (first force the corpus through a separate compile, so the measured pass runs JIT-optimized
 * code from an empty mask cache).
 *
 * `forceDocuments` is the reusable harness (any TokenAutomaton, any token sequences), so the peer
 * comparison (XGrammar) and `formwork bench grammar` time exactly the same loop.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { compileGrammar } from '../src/grammar/cfg/index.js';
import { createTokenAutomaton } from '../src/grammar/automaton/trie-token-automaton.js';
import { MaskCache } from '../src/grammar/automaton/mask-cache.js';
import { maskHas, maskWords, type TokenAutomaton } from '../src/grammar/automaton/token-automaton.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import type { Vocabulary } from '../src/grammar/vocab/vocabulary.js';
import { BYTE_CLASS_IDS } from '../src/grammar/vocab/token-slice.js';
import { corpusPath } from './grammar-corpus.js';

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
  /** Where the first rejection happened, for debugging. */
  firstRejection?: { document: number; token: number; id: number };
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
): ForceResult {
  const out = new Uint32Array(maskWords(automaton.vocabulary.size));
  const times: number[] = [];
  let rejectedTokens = 0;
  let rejectedEnds = 0;
  let supersetMasks = 0;
  let computedMasks = 0;
  let firstRejection: ForceResult['firstRejection'];
  const cpu0 = process.cpuUsage();
  const visits = automaton as { lastVisits?: number };
  for (let d = 0; d < documents.length; d++) {
    const tokens = documents[d];
    let state: S | undefined = automaton.initial;
    for (let i = 0; i <= tokens.length && state !== undefined; i++) {
      const t0 = process.hrtime.bigint();
      const exact = automaton.mask(state, out);
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
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
  if (pooled !== undefined) for (const t of times) pooled.push(t);
  const cpuMs = Math.round((cpu.user + cpu.system) / 10) / 100;
  return { masks: times.length, maskUs: summarize(times), rejectedTokens, rejectedEnds, supersetMasks, computedMasks, cpuMs, firstRejection };
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
   * Force the corpus once through a separate compile of the grammar first, so that the measured pass
   * runs on optimized code (JIT) but still starts from an empty mask cache and a fresh lexer DFA.
   */
  warmup?: boolean;
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
  /** Memory held by the vocabulary + trie (heap + array buffers, after GC when --expose-gc). */
  vocabMB: number;
  /** Per pass over the corpus (pass 1 starts from an empty mask cache). */
  passes: ForceResult[];
  warmup: boolean;
  node: string;
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
  const vocabMB = (memory() - before) / (1 << 20);

  const documents: string[] = JSON.parse(readFileSync(options.corpus ?? corpusPath, 'utf8'));
  const tokenized = documents.map((d) => vocabulary.encode(d));
  const eosId = vocabulary.eosIds[0];

  if (options.warmup) forceDocuments(createTokenAutomaton(compile(), vocabulary, { fuel: options.fuel, cache: new MaskCache() }), tokenized, eosId);
  const grammar = compile();
  const automaton = createTokenAutomaton(grammar, vocabulary, { fuel: options.fuel, cache: new MaskCache() });
  const passes: ForceResult[] = [];
  for (let p = 0; p < (options.passes ?? 1); p++) passes.push(forceDocuments(automaton, tokenized, eosId));
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
    vocabMB: round(vocabMB),
    passes,
    warmup: options.warmup ?? false,
    node: process.version,
  };
}

function memory(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
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
  return {
    grammar,
    tokenizer,
    corpus: get('corpus'),
    syntax,
    start: get('start'),
    fuel: get('fuel') ? Number(get('fuel')) : undefined,
    passes: get('passes') ? Number(get('passes')) : undefined,
    warmup: argv.includes('--warmup'),
    json: argv.includes('--json'),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const options = parseArgs(process.argv.slice(2));
  const result = runGrammarBench(options);
  if (options.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const s = result.maskUs;
    console.log(`grammar ${result.grammar}, tokenizer ${result.tokenizer}, ${result.documents} documents, ${result.tokens} tokens, node ${result.node}`);
    console.log(`masks ${result.masks}: p50 ${s.p50} us, p99 ${s.p99} us, p99.9 ${s.p999} us, max ${s.max} us, mean ${s.mean} us`);
    console.log(`computed (not cached) ${result.computedMasks}, CPU of the pass ${result.cpuMs} ms, warm-up ${result.warmup}`);
    console.log(`rejected tokens ${result.rejectedTokens}, rejected ends ${result.rejectedEnds}, superset masks ${result.supersetMasks}`);
    console.log(
      `compile ${result.compileMs} ms (CPU ${result.compileCpuMs} ms, cold ${result.compileColdMs} ms), vocabulary+trie+slices ${result.vocabMs} ms, ${result.vocabMB} MB`,
    );
    for (let p = 1; p < result.passes.length; p++) {
      const q = result.passes[p].maskUs;
      console.log(`pass ${p + 1}: p50 ${q.p50} us, p99 ${q.p99} us, max ${q.max} us`);
    }
  }
}
