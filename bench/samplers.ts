/**
 * Sampler benchmark: constraint checks and time per token for masked sampling vs AWRS (each also with
 * fast-forward of forced tokens, `ff`), SMC time per token position for N = 1, 4, 8 particles, and
 * AWRS acceptance rates.
 *
 *   npx tsx bench/samplers.ts [--json] [--draws] [--setup default-json|llama3-json|stories-json|toy]
 *                             [--schema FILE] [--model DIR] [--tokens N] [--runs R] [--valid-mass Q] [--seed S]
 *
 * `--draws` times the token samplers alone (measureDraws: R repeats of the positions of one run).
 *
 * Setups (a `SamplerBenchCase` factory; point `measureSamplers` at a real decoder and automaton):
 * - llama3-json (default when ../shared/data/tokenizers/llama3 exists): the Llama-3 vocabulary
 *   (128,256 ids) and the JSON Schema token automaton, driven by a synthetic model "that knows JSON":
 *   at each step it puts `validMass` of its probability on a few tokens the schema allows (found by
 *   checking ~70 plausible JSON tokens and the next token of a reference document) and the rest on
 *   softmax(Gaussian logits, sd 2.5) over the whole vocabulary.
 * - default-json: the shipped default model (models/default, or --model DIR) on the ONNX decoder with
 *   its own 4,096-token vocabulary, the JSON Schema constraint exactly as generate() compiles it
 *   (flexible whitespace) for schemas/examples/person.schema.json (or --schema FILE), and the prompt
 *   generate() sends (json-schema-prompt.ts through the model's chat template): a real model trained
 *   on this prompt format, so AWRS meets the model it is designed for.
 * - stories-json: the ONNX decoder on stories260K (converted into bench/out) and the JSON Schema
 *   automaton over its 512 tokens: a real batched decoder, and a model that knows no JSON at all.
 * - toy: a synthetic 128,256-token vocabulary and a small byte DFA (arrays of integers), masks by a
 *   full scan of the vocabulary (no cache), no shared data needed.
 *
 * Time is split into decoder (the model function, log-softmax included), constraint (every call into
 * the automaton: masks, checks, advances) and the rest (the sampler itself). The synthetic decoder
 * runs the model once per sequence, so SMC decoder time grows linearly with N here; a real batched
 * ONNX decoder does not. That is why the sampler-side step time is reported separately.
 */
import { cpus, loadavg } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FunctionDecoder } from '../src/engine/decoder/function-decoder.js';
import type { DecodeOptions, Decoder, Prefilled, SequenceHandle } from '../src/engine/decoder/decoder.js';
import { maskSet, type TokenAutomaton } from '../src/grammar/automaton/token-automaton.js';
import type { Vocabulary } from '../src/grammar/vocab/vocabulary.js';
import { SeededRandom } from '../src/sampler/random.js';
import { runSampler, type RunSamplerOptions, type RunSamplerResult } from '../src/sampler/run-sampler.js';
import type { TokenSampler } from '../src/sampler/token/token-sampler.js';

/** What the benchmark runs on: a fresh decoder per run, a prompt and a constraint. */
export interface SamplerBenchCase {
  readonly name: string;
  readonly vocabSize: number;
  makeDecoder(): Decoder;
  readonly promptIds: readonly number[];
  readonly automaton: TokenAutomaton<unknown>;
  readonly maxTokens: number;
  /** Extra facts printed with the results. */
  readonly details?: Record<string, unknown>;
}

export interface SamplerMeasure {
  readonly runs: number;
  readonly tokens: number;
  readonly usPerToken: number;
  readonly decoderUsPerToken: number;
  readonly constraintUsPerToken: number;
  readonly samplerUsPerToken: number;
  /**
   * The same split in CPU time of this process (process.cpuUsage around every call): on a loaded
   * machine wall time also counts the time the process waited for a core, CPU time does not.
   */
  readonly cpuUsPerToken: number;
  readonly decoderCpuUsPerToken: number;
  readonly constraintCpuUsPerToken: number;
  readonly samplerCpuUsPerToken: number;
  readonly checksPerToken: number;
  readonly masksPerToken: number;
  /** AWRS: share of proposals accepted (first phase: before the first acceptance). */
  readonly acceptanceRate: number | null;
  readonly fallbacksPerToken: number;
  /** Tokens taken without a draw because the constraint forced them (fast-forward). */
  readonly forcedPerToken: number;
  /** Constraint time per token by automaton method (mask, allows, advance, accepts, forced). */
  readonly constraintUsPerTokenByCall: Record<string, number>;
  readonly finished: Record<string, number>;
}

export interface SamplerBenchReport {
  readonly setup: Record<string, unknown>;
  readonly masked: SamplerMeasure;
  readonly awrs: SamplerMeasure & { readonly estimator: string };
  readonly awrsRecursive: SamplerMeasure;
  /** The same samplers with fast-forward of forced tokens on (off by default). */
  readonly maskedFastForward: SamplerMeasure;
  readonly awrsFastForward: SamplerMeasure;
  readonly smc: {
    readonly particles: number[];
    readonly usPerToken: number[];
    readonly usPerStep: number[];
    readonly decoderUsPerStep: number[];
    readonly samplerUsPerStep: number[];
    /** CPU time per step: total, decoder, sampler + constraint. */
    readonly cpuUsPerStep: number[];
    readonly decoderCpuUsPerStep: number[];
    readonly samplerCpuUsPerStep: number[];
    readonly checksPerToken: number[];
  };
  readonly ratios: {
    readonly awrsConstraintOverMasked: number;
    /** The same ratios in CPU time. */
    readonly awrsConstraintCpuOverMasked: number;
    readonly awrsTotalCpuOverMasked: number;
    readonly smcStep8OverStep1: number;
    readonly smcSamplerStep8OverStep1: number;
    readonly smcStep8OverStep1Cpu: number;
    readonly smcSamplerStep8OverStep1Cpu: number;
  };
}

/** Runs every sampler configuration `runs` times (after one warm-up run) and reports per-token costs. */
export async function measureSamplers(bench: SamplerBenchCase, options: { runs: number; seed?: number }): Promise<SamplerBenchReport> {
  const seed = options.seed ?? 1;
  const measure = async (config: Partial<RunSamplerOptions>): Promise<SamplerMeasure & { decoderSteps: number; stepUs: number[]; stepCpuUs: number[] }> => {
    const automaton = new TimedAutomaton(bench.automaton);
    await once(bench, automaton, config, seed + 1000); // warm-up: JIT, mask caches
    automaton.reset();
    let tokens = 0;
    let wall = 0;
    let cpu = 0;
    let decoderUs = 0;
    let decoderCpu = 0;
    let checks = 0;
    let masks = 0;
    let proposals = 0;
    let rejections = 0;
    let fallbacks = 0;
    let forced = 0;
    let decoderSteps = 0;
    const finished: Record<string, number> = {};
    for (let run = 0; run < options.runs; run++) {
      const timed = new TimedDecoder(bench.makeDecoder());
      const start = performance.now();
      const startCpu = cpuMicros();
      const result = await runSampler({ ...config, decoder: timed, promptIds: bench.promptIds, constraint: automaton, maxTokens: bench.maxTokens, seed: seed + run } as RunSamplerOptions);
      cpu += cpuMicros() - startCpu;
      wall += performance.now() - start;
      decoderUs += timed.us;
      decoderCpu += timed.cpuUs;
      tokens += result.usage.tokens + countEos(result);
      checks += result.usage.constraintChecks;
      masks += result.usage.masks;
      proposals += result.usage.proposals;
      rejections += result.usage.rejections;
      fallbacks += result.usage.fallbacks;
      forced += result.usage.forcedTokens ?? 0;
      decoderSteps += result.usage.decoderSteps;
      finished[result.finishReason] = (finished[result.finishReason] ?? 0) + 1;
    }
    const us = wall * 1000;
    return {
      runs: options.runs,
      tokens,
      usPerToken: us / tokens,
      decoderUsPerToken: (decoderUs * 1000) / tokens,
      constraintUsPerToken: (automaton.us * 1000) / tokens,
      samplerUsPerToken: (us - decoderUs * 1000 - automaton.us * 1000) / tokens,
      cpuUsPerToken: cpu / tokens,
      decoderCpuUsPerToken: decoderCpu / tokens,
      constraintCpuUsPerToken: automaton.cpuUs / tokens,
      samplerCpuUsPerToken: (cpu - decoderCpu - automaton.cpuUs) / tokens,
      checksPerToken: checks / tokens,
      masksPerToken: masks / tokens,
      acceptanceRate: proposals > 0 ? (proposals - rejections) / proposals : null,
      fallbacksPerToken: fallbacks / tokens,
      forcedPerToken: forced / tokens,
      constraintUsPerTokenByCall: Object.fromEntries(Object.entries(automaton.byCall).map(([k, ms]) => [k, (ms * 1000) / tokens])),
      finished,
      decoderSteps,
      stepUs: [us / decoderSteps, (decoderUs * 1000) / decoderSteps, (us - decoderUs * 1000) / decoderSteps],
      stepCpuUs: [cpu / decoderSteps, decoderCpu / decoderSteps, (cpu - decoderCpu) / decoderSteps],
    };
  };
  const strip = ({ decoderSteps: _d, stepUs: _s, stepCpuUs: _c, ...rest }: SamplerMeasure & { decoderSteps: number; stepUs: number[]; stepCpuUs: number[] }): SamplerMeasure => rest;
  const masked = await measure({ sampler: 'masked' });
  const awrs = await measure({ sampler: 'awrs', estimator: 'auto' });
  const awrsRecursive = await measure({ sampler: 'awrs', estimator: 'recursive' });
  const maskedFastForward = await measure({ sampler: 'masked', fastForward: true });
  const awrsFastForward = await measure({ sampler: 'awrs', estimator: 'auto', fastForward: true });
  const particles = [1, 4, 8];
  const smcRuns = [];
  for (const n of particles) smcRuns.push(await measure({ sampler: 'smc', particles: n, proposal: 'awrs' }));
  return {
    setup: {
      name: bench.name,
      vocabSize: bench.vocabSize,
      maxTokens: bench.maxTokens,
      runs: options.runs,
      seed,
      node: process.version,
      cpu: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
      loadAverage: loadavg()[0],
      ...bench.details,
    },
    masked: strip(masked),
    awrs: { ...strip(awrs), estimator: 'auto' },
    awrsRecursive: strip(awrsRecursive),
    maskedFastForward: strip(maskedFastForward),
    awrsFastForward: strip(awrsFastForward),
    smc: {
      particles,
      usPerToken: smcRuns.map((m) => m.usPerToken),
      usPerStep: smcRuns.map((m) => m.stepUs[0]),
      decoderUsPerStep: smcRuns.map((m) => m.stepUs[1]),
      samplerUsPerStep: smcRuns.map((m) => m.stepUs[2]),
      cpuUsPerStep: smcRuns.map((m) => m.stepCpuUs[0]),
      decoderCpuUsPerStep: smcRuns.map((m) => m.stepCpuUs[1]),
      samplerCpuUsPerStep: smcRuns.map((m) => m.stepCpuUs[2]),
      checksPerToken: smcRuns.map((m) => m.checksPerToken),
    },
    ratios: {
      awrsConstraintOverMasked: awrs.constraintUsPerToken / masked.constraintUsPerToken,
      awrsConstraintCpuOverMasked: awrs.constraintCpuUsPerToken / masked.constraintCpuUsPerToken,
      awrsTotalCpuOverMasked: awrs.cpuUsPerToken / masked.cpuUsPerToken,
      smcStep8OverStep1: smcRuns[2].stepUs[0] / smcRuns[0].stepUs[0],
      smcSamplerStep8OverStep1: smcRuns[2].stepUs[2] / smcRuns[0].stepUs[2],
      smcStep8OverStep1Cpu: smcRuns[2].stepCpuUs[0] / smcRuns[0].stepCpuUs[0],
      smcSamplerStep8OverStep1Cpu: smcRuns[2].stepCpuUs[2] / smcRuns[0].stepCpuUs[2],
    },
  };
}

export interface DrawReport {
  readonly positions: number;
  readonly repeats: number;
  /** Per draw of each token sampler alone (AWRS auto estimator; masked with its mask, cached after the first repeat). */
  readonly awrsUs: { readonly min: number; readonly median: number; readonly mean: number };
  readonly maskedUs: { readonly min: number; readonly median: number; readonly mean: number };
}

/**
 * The token samplers alone, without decoder or SMC loop: the states and log-probability rows along
 * one masked run are replayed `repeats` times through AWRS and through the masked sampler, each draw
 * timed on its own. Minimum and median per draw are robust on a loaded machine where per-token wall
 * times are not.
 */
export async function measureDraws(bench: SamplerBenchCase, options: { seed: number; repeats: number }): Promise<DrawReport> {
  const { AwrsSampler } = await import('../src/sampler/token/awrs.js');
  const { MaskedSampler } = await import('../src/sampler/token/masked.js');
  const { newUsage } = await import('../src/sampler/token/token-sampler.js');
  const { automatonPotential } = await import('../src/sampler/potential/automaton-potential.js');
  const decoder = bench.makeDecoder();
  const run = await runSampler({ sampler: 'masked', decoder, promptIds: bench.promptIds, constraint: bench.automaton, maxTokens: bench.maxTokens, seed: options.seed });
  const condition = automatonPotential(bench.automaton, { eosId: decoder.eosId });
  const positions: { row: Float64Array; state: unknown }[] = [];
  const replay = bench.makeDecoder();
  const prefilled = await replay.prefill(bench.promptIds);
  let row = prefilled.logProbs;
  let state: unknown = condition.initial;
  for (const token of run.tokens) {
    positions.push({ row, state });
    state = condition.extend(state, token);
    [row] = await replay.step([prefilled.sequence], [token]);
  }
  positions.push({ row, state });
  replay.release(prefilled.sequence);
  const time = (sampler: TokenSampler): { min: number; median: number; mean: number } => {
    const random = new SeededRandom(options.seed);
    const out = { token: -1, logWeight: 0 };
    const times: number[] = [];
    for (let repeat = 0; repeat <= options.repeats; repeat++) {
      for (const p of positions) {
        const start = performance.now();
        sampler.draw(p.row, condition, p.state, random, out);
        if (repeat > 0) times.push((performance.now() - start) * 1000);
      }
    }
    times.sort((a, b) => a - b);
    return { min: times[0], median: times[times.length >> 1], mean: times.reduce((a, b) => a + b, 0) / times.length };
  };
  const awrsUs = time(new AwrsSampler(bench.vocabSize, newUsage()));
  const maskedUs = time(new MaskedSampler(bench.vocabSize, newUsage()));
  return { positions: positions.length, repeats: options.repeats, awrsUs, maskedUs };
}

async function once(bench: SamplerBenchCase, automaton: TokenAutomaton<unknown>, config: Partial<RunSamplerOptions>, seed: number): Promise<void> {
  await runSampler({ ...config, decoder: bench.makeDecoder(), promptIds: bench.promptIds, constraint: automaton, maxTokens: bench.maxTokens, seed } as RunSamplerOptions);
}

/** EOS is a generated token too when a particle stopped on it (it cost a draw). */
function countEos(result: RunSamplerResult): number {
  if (result.particles !== undefined) return result.particles.filter((p) => p.finishReason === 'stop').length;
  return result.finishReason === 'stop' ? 1 : 0;
}

/** CPU time of this process so far, in microseconds. */
function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** Times every call into an automaton (the constraint's share of a token). */
class TimedAutomaton<S> implements TokenAutomaton<S> {
  /** Milliseconds in the automaton, in total and by method (wall time), and its CPU microseconds. */
  us = 0;
  cpuUs = 0;
  byCall: Record<string, number> = {};
  constructor(private readonly inner: TokenAutomaton<S>) {}
  get vocabulary(): Vocabulary {
    return this.inner.vocabulary;
  }
  get initial(): S {
    return this.inner.initial;
  }
  reset(): void {
    this.us = 0;
    this.cpuUs = 0;
    this.byCall = {};
  }
  private timed<T>(call: string, f: () => T): T {
    const startCpu = cpuMicros();
    const start = performance.now();
    const value = f();
    const ms = performance.now() - start;
    this.cpuUs += cpuMicros() - startCpu;
    this.us += ms;
    this.byCall[call] = (this.byCall[call] ?? 0) + ms;
    return value;
  }
  advance(state: S, token: number): S | undefined {
    return this.timed('advance', () => this.inner.advance(state, token));
  }
  allows(state: S, token: number): boolean {
    return this.timed('allows', () => this.inner.allows(state, token));
  }
  accepts(state: S): boolean {
    return this.timed('accepts', () => this.inner.accepts(state));
  }
  isFinal(state: S): boolean {
    return this.inner.isFinal(state);
  }
  mask(state: S, out: Uint32Array): boolean {
    return this.timed('mask', () => this.inner.mask(state, out));
  }
  forced(state: S): readonly number[] {
    return this.timed('forced', () => this.inner.forced(state));
  }
}

/** Times the model (prefill and steps). */
class TimedDecoder implements Decoder {
  us = 0;
  cpuUs = 0;
  constructor(private readonly inner: Decoder) {}
  get vocabSize(): number {
    return this.inner.vocabSize;
  }
  get eosId(): number {
    return this.inner.eosId;
  }
  get maxLength(): number {
    return this.inner.maxLength;
  }
  async prefill(promptIds: readonly number[], options?: DecodeOptions): Promise<Prefilled> {
    const start = performance.now();
    const startCpu = cpuMicros();
    const result = await this.inner.prefill(promptIds, options);
    this.cpuUs += cpuMicros() - startCpu;
    this.us += performance.now() - start;
    return result;
  }
  async step(sequences: readonly SequenceHandle[], tokens: readonly number[], options?: DecodeOptions): Promise<Float64Array[]> {
    const start = performance.now();
    const startCpu = cpuMicros();
    const result = await this.inner.step(sequences, tokens, options);
    this.cpuUs += cpuMicros() - startCpu;
    this.us += performance.now() - start;
    return result;
  }
  fork(sequence: SequenceHandle): SequenceHandle {
    return this.inner.fork(sequence);
  }
  release(sequence: SequenceHandle): void {
    this.inner.release(sequence);
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/**
 * A synthetic model that "knows" a constraint: after each prefix it puts `validMass` of its
 * probability on up to 8 candidate tokens the automaton allows (candidates: `plausible` tokens plus
 * `hint(prefix)`), in proportion to fixed random weights, and the rest on fixed random logits over the
 * whole vocabulary. States are cached per prefix, so the model costs one `advance` per new token.
 */
export function knowingModel(
  automaton: TokenAutomaton<unknown>,
  vocabSize: number,
  eosId: number,
  options: {
    validMass: number;
    seed: number;
    promptLength: number;
    plausible: readonly number[];
    /** The token the model "means" to write next (e.g. the next token of a reference document). */
    hint?: (generated: readonly number[]) => number | undefined;
    /** Multiplies a valid candidate's preference (e.g. to make whitespace unlikely). */
    preference?: (token: number) => number;
  },
): (prefix: readonly number[]) => Float64Array {
  const random = new SeededRandom(options.seed);
  // Gaussian logits (sd 2.5), roughly the spread of a real model's logits over its vocabulary.
  const base = new Float64Array(vocabSize);
  for (let i = 0; i < vocabSize; i++) base[i] = 2.5 * Math.sqrt(-2 * Math.log(1 - random.uniform())) * Math.cos(2 * Math.PI * random.uniform());
  let baseLogZ = 0;
  {
    let max = -Infinity;
    for (const x of base) max = Math.max(max, x);
    let s = 0;
    for (const x of base) s += Math.exp(x - max);
    baseLogZ = max + Math.log(s);
  }
  const preference = new Float64Array(vocabSize);
  for (let i = 0; i < vocabSize; i++) preference[i] = random.uniform() + 0.05;
  const states = new Map<string, unknown>();
  return (prefix) => {
    const generated = prefix.slice(options.promptLength);
    const key = generated.join(',');
    let state = states.get(key);
    if (state === undefined && !states.has(key)) {
      const parentKey = generated.slice(0, -1).join(',');
      const parent = generated.length === 0 ? automaton.initial : states.get(parentKey);
      state = generated.length === 0 ? automaton.initial : parent === undefined ? undefined : automaton.advance(parent, generated[generated.length - 1]);
      states.set(key, state);
    }
    const q = state === undefined ? 0 : options.validMass;
    const logits = new Float64Array(vocabSize);
    const logRest = q < 1 ? Math.log1p(-q) - baseLogZ : -Infinity;
    for (let i = 0; i < vocabSize; i++) logits[i] = base[i] + logRest;
    if (q <= 0) return logits;
    const candidates = new Set(options.plausible);
    const hinted = options.hint?.(generated);
    if (hinted !== undefined) candidates.add(hinted);
    const valid: number[] = [];
    for (const t of candidates) {
      const ok = t === eosId ? automaton.accepts(state) : automaton.allows(state, t);
      if (ok) valid.push(t);
    }
    // P = (1 - q) softmax(base) + q * preference restricted to the 8 preferred valid tokens; the
    // hinted token, when valid, is preferred 20:1 (the model mostly writes what it means to write).
    const weight = (t: number): number => (t === hinted ? 20 : preference[t] * (options.preference?.(t) ?? 1));
    valid.sort((a, b) => weight(b) - weight(a));
    const chosen = valid.slice(0, 8);
    if (chosen.length === 0) return logits;
    let prefSum = 0;
    for (const t of chosen) prefSum += weight(t);
    for (const t of chosen) logits[t] = Math.log((1 - q) * Math.exp(base[t] - baseLogZ) + (q * weight(t)) / prefSum);
    return logits;
  };
}

/** Llama-3 vocabulary + JSON Schema automaton (other engineers' components) + a model that knows JSON. */
export async function llama3JsonCase(args: Args): Promise<SamplerBenchCase> {
  const { loadVocabulary } = await import('../src/grammar/vocab/load-vocabulary.js');
  const { jsonSchemaAutomaton } = await import('../src/grammar/jsonschema/index.js');
  const vocabulary = loadVocabulary(sharedPath('tokenizers/llama3'));
  const schema = args.schema
    ? JSON.parse(readFileSync(args.schema, 'utf8'))
    : {
        type: 'object',
        properties: {
          name: { type: 'string', maxLength: 40 },
          age: { type: 'integer', minimum: 0, maximum: 150 },
          email: { type: 'string' },
          tags: { type: 'array', items: { type: 'string' }, maxItems: 4 },
          active: { type: 'boolean' },
        },
        required: ['name', 'age', 'email', 'tags', 'active'],
        additionalProperties: false,
      };
  const compileStart = performance.now();
  const automaton = jsonSchemaAutomaton(schema, vocabulary) as TokenAutomaton<unknown>;
  const compileMs = performance.now() - compileStart;
  const eosId = vocabulary.eosIds[0];
  const reference = args.schema
    ? undefined
    : '{"name": "Ada Lovelace", "age": 36, "email": "ada@example.org", "tags": ["math", "poetry"], "active": true}';
  const snippets = [
    '{"', '{ "', '"', '",', '", "', '":', '": ', '": "', ': ', ', ', ',', '}', ' }', '[', '["', '"]', ']', '],', 'true', 'false', 'null',
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '42', '100', '.', '-', ' ', '\n', '  ', 'a', 'the', 'name', 'age', 'email',
    'tags', 'active', 'John', 'Smith', 'example', '.com', '@', 'com', 'org', 'user', 'data', 'value', 'id', 'type', 'text',
  ];
  // Every tail of every property name too, so that a key the model started can be finished.
  const keys = args.schema ? [] : ['name', 'age', 'email', 'tags', 'active'];
  const keyTails = keys.flatMap((k) => [...k].map((_, i) => `${k.slice(i)}":`));
  const plausible = [...new Set([...snippets, ...keyTails].flatMap((s) => vocabulary.encode(s)).concat(eosId))];
  const hint =
    reference === undefined
      ? undefined
      : (generated: readonly number[]): number | undefined => {
          const text = vocabulary.decode(generated);
          if (!reference.startsWith(text)) return undefined;
          if (text.length === reference.length) return eosId;
          return vocabulary.encode(reference.slice(text.length))[0];
        };
  const validMass = args.validMass;
  const whitespace = (t: number): boolean => {
    const bytes = vocabulary.tokenBytes(t);
    return bytes.length > 0 && bytes.every((b) => b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d);
  };
  // Off the reference document the model still closes strings and moves on: tokens with a quote are
  // preferred 10:1, other structural tokens (, } ]) 3:1, whitespace is unlikely.
  const quoted = (t: number): boolean => vocabulary.tokenBytes(t).includes(0x22);
  const structural = (t: number): boolean => vocabulary.tokenBytes(t).some((b) => b === 0x2c || b === 0x7d || b === 0x5d);
  const model = knowingModel(automaton, vocabulary.size, eosId, {
    validMass,
    seed: args.seed,
    promptLength: 0,
    plausible,
    hint,
    preference: (t) => (whitespace(t) ? 0.02 : quoted(t) ? 10 : structural(t) ? 3 : 1),
  });
  return {
    name: 'llama3-json',
    vocabSize: vocabulary.size,
    makeDecoder: () => new FunctionDecoder(model, { vocabSize: vocabulary.size, eosIds: [eosId] }),
    promptIds: [],
    automaton,
    maxTokens: args.tokens,
    details: { schema: args.schema ?? 'built-in person schema', schemaCompileMs: compileMs, validMass, plausibleTokens: plausible.length },
  };
}

/**
 * The real ONNX decoder on stories260K (converted from ../shared safetensors into bench/out) with the
 * JSON Schema automaton over its 512-token vocabulary. The model never saw JSON: this measures AWRS
 * against a model that puts almost no mass on valid tokens (its rejection budget, then exact masks).
 */
async function storiesJsonCase(args: Args): Promise<SamplerBenchCase & { dispose(): Promise<void> }> {
  const { convertCheckpoint } = await import('../src/engine/convert/convert-checkpoint.js');
  const { loadOnnxDecoder } = await import('../src/engine/decoder/onnx-decoder.js');
  const { loadVocabulary } = await import('../src/grammar/vocab/load-vocabulary.js');
  const { jsonSchemaAutomaton } = await import('../src/grammar/jsonschema/index.js');
  const dir = resolve(import.meta.dirname ?? '.', 'out', 'samplers', 'stories260K');
  if (!existsSync(resolve(dir, 'model.onnx'))) await convertCheckpoint(sharedPath('models/stories260K'), dir);
  const decoder = await loadOnnxDecoder(dir);
  const vocabulary = loadVocabulary(dir);
  const schema = args.schema
    ? JSON.parse(readFileSync(args.schema, 'utf8'))
    : { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] };
  const automaton = jsonSchemaAutomaton(schema, vocabulary) as TokenAutomaton<unknown>;
  return {
    name: 'stories260K-json (ONNX)',
    vocabSize: decoder.vocabSize,
    makeDecoder: () => decoder,
    promptIds: [1, ...vocabulary.encode('Once upon a time, a JSON object:')],
    automaton,
    maxTokens: args.tokens,
    details: { schema: args.schema ?? '{name: string, age: integer}', model: dir },
    dispose: () => decoder.dispose(),
  };
}

/**
 * The shipped default model with its own tokenizer, the constraint and the prompt generate() would
 * use (resolveConstraint, promptMessages, the chat template): what a user of `generate()` runs.
 */
async function defaultJsonCase(args: Args): Promise<SamplerBenchCase & { dispose(): Promise<void> }> {
  const { trainedModelDir, packageRoot } = await import('../src/engine/default-model.js');
  const { Model } = await import('../src/engine/generate/model.js');
  const { resolveConstraint } = await import('../src/engine/generate/constraint.js');
  const { promptMessages } = await import('../src/engine/generate/generate.js');
  const dir = args.model ?? trainedModelDir;
  // One intra-op thread: the machine is shared, and a batched step of this 4.6 M-parameter model is
  // a few milliseconds either way.
  const model = await Model.load(dir, { threads: 1 });
  const schemaFile = args.schema ?? resolve(packageRoot, 'schemas', 'examples', 'person.schema.json');
  const schema: unknown = JSON.parse(readFileSync(schemaFile, 'utf8'));
  const prompt = args.schema
    ? 'Generate a realistic example.'
    : 'Ada Lovelace, 36, writes to ada.lovelace@example.org and lives in London, GB. Tags: math, poetry.';
  const compileStart = performance.now();
  const constraint = resolveConstraint({ schema }, model.vocabulary, model.constraints);
  const compileMs = performance.now() - compileStart;
  const promptIds = model.encodePrompt(promptMessages({ schema, prompt }, constraint)).ids;
  return {
    name: 'default-json (ONNX)',
    vocabSize: model.decoder.vocabSize,
    makeDecoder: () => model.decoder,
    promptIds,
    automaton: constraint.automaton as TokenAutomaton<unknown>,
    maxTokens: args.tokens,
    details: { model: dir, schema: schemaFile, prompt, promptTokens: promptIds.length, schemaCompileMs: compileMs, threads: 1 },
    dispose: () => model.dispose(),
  };
}

/** Self-contained: synthetic 128k vocabulary, arrays of integers, masks by full scan. */
function toyCase(args: Args): SamplerBenchCase {
  const V = 128_256;
  const eosId = V - 1;
  const random = new SeededRandom(args.seed);
  const alphabet = '0123456789,[] abcdefghijklmnopqrstuvwxyz"{}:.';
  const encoder = new TextEncoder();
  const strings: string[] = [];
  for (let i = 0; i < V - 1; i++) {
    if (i < alphabet.length) strings.push(alphabet[i]);
    else {
      const n = 2 + (random.nextUint32() % 5);
      let s = '';
      for (let k = 0; k < n; k++) s += alphabet[random.nextUint32() % alphabet.length];
      strings.push(s);
    }
  }
  const bytes = strings.map((s) => encoder.encode(s));
  const empty = new Uint8Array(0);
  const vocabulary: Vocabulary = {
    size: V,
    tokenCount: V,
    eosIds: [eosId],
    trie: undefined as unknown as Vocabulary['trie'],
    tokenBytes: (id) => (id < V - 1 ? bytes[id] : empty),
    isSpecial: (id) => id === eosId,
    encode: () => [],
    decode: (ids) => ids.map((id) => strings[id] ?? '').join(''),
  };
  // Arrays of integers: 0 expect "[", 1 after "[" or "," (spaces ok), 2 in a number, 3 after "]", 4 after "[" (may close).
  const step = (s: number, b: number): number | undefined => {
    const digit = b >= 0x30 && b <= 0x39;
    switch (s) {
      case 0:
        return b === 0x5b ? 4 : b === 0x20 ? 0 : undefined;
      case 4:
        return digit ? 2 : b === 0x5d ? 3 : b === 0x20 ? 4 : undefined;
      case 1:
        return digit ? 2 : b === 0x20 ? 1 : undefined;
      case 2:
        return digit ? 2 : b === 0x2c ? 1 : b === 0x5d ? 3 : undefined;
      default:
        return undefined;
    }
  };
  const advance = (s: number, t: number): number | undefined => {
    if (t >= V - 1) return undefined;
    let state: number | undefined = s;
    for (const b of bytes[t]) if ((state = step(state, b)) === undefined) return undefined;
    return state;
  };
  const automaton: TokenAutomaton<number> = {
    vocabulary,
    initial: 0,
    advance,
    allows: (s, t) => advance(s, t) !== undefined,
    accepts: (s) => s === 3,
    isFinal: () => false,
    mask: (s, out) => {
      out.fill(0);
      for (let t = 0; t < V - 1; t++) if (advance(s, t) !== undefined) maskSet(out, t);
      if (s === 3) maskSet(out, eosId);
      return true;
    },
    forced: () => [],
  };
  const plausible = [...Array(14).keys(), eosId];
  const model = knowingModel(automaton as TokenAutomaton<unknown>, V, eosId, { validMass: args.validMass, seed: args.seed, promptLength: 0, plausible });
  return {
    name: 'toy-int-arrays',
    vocabSize: V,
    makeDecoder: () => new FunctionDecoder(model, { vocabSize: V, eosIds: [eosId] }),
    promptIds: [],
    automaton: automaton as TokenAutomaton<unknown>,
    maxTokens: args.tokens,
    details: { validMass: args.validMass, masks: 'full vocabulary scan, no cache' },
  };
}

export interface Args {
  json: boolean;
  /** Time the token samplers alone (measureDraws) instead of whole runs. */
  draws: boolean;
  setup: string;
  schema: string | undefined;
  /** default-json: the model directory (default models/default). */
  model: string | undefined;
  tokens: number;
  runs: number;
  validMass: number;
  seed: number;
}

function sharedPath(relative: string): string {
  return resolve(process.env.FORMWORK_SHARED_DATA ?? resolve(import.meta.dirname ?? '.', '..', '..', 'shared', 'data'), relative);
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    json: argv.includes('--json'),
    draws: argv.includes('--draws'),
    setup: value('--setup') ?? (existsSync(sharedPath('tokenizers/llama3/tokenizer.json')) ? 'llama3-json' : 'toy'),
    schema: value('--schema'),
    model: value('--model'),
    tokens: Number(value('--tokens') ?? 48),
    runs: Number(value('--runs') ?? 5),
    validMass: Number(value('--valid-mass') ?? 0.95),
    seed: Number(value('--seed') ?? 1),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const bench =
    args.setup === 'toy'
      ? toyCase(args)
      : args.setup === 'stories-json'
        ? await storiesJsonCase(args)
        : args.setup === 'default-json'
          ? await defaultJsonCase(args)
          : await llama3JsonCase(args);
  if (args.draws) {
    const draws = await measureDraws(bench, { seed: args.seed, repeats: args.runs });
    if ('dispose' in bench && typeof bench.dispose === 'function') await bench.dispose();
    console.log(`token samplers alone: ${bench.name}, V=${bench.vocabSize}, ${draws.positions} positions of one masked run x ${draws.repeats} repeats`);
    console.log(`reproduce: npx tsx bench/samplers.ts --draws --setup ${args.setup}${args.model ? ` --model ${args.model}` : ''}${args.schema ? ` --schema ${args.schema}` : ''} --tokens ${args.tokens} --runs ${args.runs} --valid-mass ${args.validMass} --seed ${args.seed}`);
    for (const [name, t] of [['awrs (auto)', draws.awrsUs], ['masked (mask incl.)', draws.maskedUs]] as const) {
      console.log(`${name.padEnd(20)} us/draw min ${t.min.toFixed(0)}  median ${t.median.toFixed(0)}  mean ${t.mean.toFixed(0)}`);
    }
    if (args.json) console.log(JSON.stringify(draws));
    return;
  }
  const report = await measureSamplers(bench, { runs: args.runs, seed: args.seed });
  if ('dispose' in bench && typeof bench.dispose === 'function') await bench.dispose();
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const f = (x: number | null): string => (x === null ? '-' : x.toFixed(x < 10 ? 2 : 0));
  console.log(`sampler benchmark: ${bench.name}, V=${bench.vocabSize}, ${args.tokens} tokens max, ${args.runs} runs`);
  console.log(`reproduce: npx tsx bench/samplers.ts --setup ${args.setup}${args.model ? ` --model ${args.model}` : ''}${args.schema ? ` --schema ${args.schema}` : ''} --tokens ${args.tokens} --runs ${args.runs} --valid-mass ${args.validMass} --seed ${args.seed}`);
  const rows = [
    ['masked', report.masked],
    ['awrs (auto)', report.awrs],
    ['awrs (recursive)', report.awrsRecursive],
    ['masked, ff', report.maskedFastForward],
    ['awrs (auto), ff', report.awrsFastForward],
  ] as const;
  for (const [name, m] of rows) {
    console.log(
      `${name.padEnd(19)} us/token ${f(m.usPerToken)} (decoder ${f(m.decoderUsPerToken)}, constraint ${f(m.constraintUsPerToken)}, sampler ${f(m.samplerUsPerToken)})` +
        `  checks/token ${f(m.checksPerToken)}  masks/token ${f(m.masksPerToken)}  forced/token ${f(m.forcedPerToken)}  acceptance ${f(m.acceptanceRate)}  finished ${JSON.stringify(m.finished)}`,
    );
    console.log(
      `${''.padEnd(19)} cpu us/token ${f(m.cpuUsPerToken)} (decoder ${f(m.decoderCpuUsPerToken)}, constraint ${f(m.constraintCpuUsPerToken)}, sampler ${f(m.samplerCpuUsPerToken)})`,
    );
    console.log(`${''.padEnd(19)} constraint us/token by call ${JSON.stringify(Object.fromEntries(Object.entries(m.constraintUsPerTokenByCall).map(([k, v]) => [k, Math.round(v)])))}`);
  }
  report.smc.particles.forEach((n, i) => {
    console.log(
      `smc N=${n}`.padEnd(17) +
        ` us/step ${f(report.smc.usPerStep[i])} (decoder ${f(report.smc.decoderUsPerStep[i])}, sampler+constraint ${f(report.smc.samplerUsPerStep[i])})  us/token ${f(report.smc.usPerToken[i])}` +
        `  cpu us/step ${f(report.smc.cpuUsPerStep[i])} (decoder ${f(report.smc.decoderCpuUsPerStep[i])}, sampler+constraint ${f(report.smc.samplerCpuUsPerStep[i])})`,
    );
  });
  console.log(`ratios: ${JSON.stringify(report.ratios)}`);
  console.log(JSON.stringify(report.setup));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
