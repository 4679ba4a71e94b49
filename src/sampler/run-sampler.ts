import type { Decoder } from '../engine/decoder/decoder.js';
import { InputError } from '../errors.js';
import type { TokenAutomaton } from '../grammar/automaton/token-automaton.js';
import { TrieTokenAutomaton } from '../grammar/automaton/trie-token-automaton.js';
import { automatonPotential } from './potential/automaton-potential.js';
import { checkTokenSpace, type Potential } from './potential/potential.js';
import { product } from './potential/product.js';
import { SeededRandom, WeightsDiscrete, type Random } from './random.js';
import { smc, type FinishReason, type Particle } from './smc/smc.js';
import type { ResamplingScheme } from './smc/resampling.js';
import { AwrsSampler, type AwrsEstimator } from './token/awrs.js';
import { GreedySampler } from './token/greedy.js';
import { MaskedSampler } from './token/masked.js';
import { newUsage, type TokenSampler } from './token/token-sampler.js';

export type SamplerKind = 'greedy' | 'sample' | 'masked' | 'awrs' | 'smc';

export interface RunSamplerOptions {
  readonly decoder: Decoder;
  readonly promptIds: readonly number[];
  /** The compiled constraint (JSON Schema, grammar, regex): enforced exactly by every sampler. */
  readonly constraint?: TokenAutomaton<unknown>;
  /**
   * More potentials over the decoder's token space: boolean ones join the constraint (checked token
   * by token, e.g. a predicate on the completed text), weighted ones are critics (SMC twists; for one
   * particle they only enter the weight).
   */
  readonly potentials?: readonly Potential<unknown>[];
  /**
   * - 'greedy': the most likely allowed token;
   * - 'sample': ancestral sampling with temperature / topK / topP, restricted to the constraint;
   * - 'masked': exact locally constrained sampling with a full mask per token;
   * - 'awrs': the same distribution, checking only proposed tokens (adaptive weighted rejection);
   * - 'smc': sequential Monte Carlo with `particles` particles and `proposal` steps: samples the
   *   model conditioned on the constraint globally, not token by token.
   */
  readonly sampler: SamplerKind;
  /** Generated tokens at most, EOS excluded (clamped to the model's context length). */
  readonly maxTokens: number;
  /** SMC particles (default 4). */
  readonly particles?: number;
  /** The token sampler inside SMC (default 'awrs'). */
  readonly proposal?: 'awrs' | 'masked';
  readonly estimator?: AwrsEstimator;
  readonly maxRejections?: number;
  readonly essThreshold?: number;
  readonly resampling?: ResamplingScheme;
  /** Divides the logits (the decoder applies it): the target is the tempered model. */
  readonly temperature?: number;
  /** 'sample' only: the target is then the truncated model. */
  readonly topK?: number;
  readonly topP?: number;
  /** Seed of the default PRNG (default 0: runs are reproducible unless a seed or `random` is given). */
  readonly seed?: number;
  /** Overrides the PRNG (tests drive every draw through this). */
  readonly random?: Random;
  readonly signal?: AbortSignal;
  /** Streaming: each token as it is generated (SMC: the chosen particle's tokens, at the end). */
  readonly onToken?: (token: number) => void;
  /** Take the constraint's forced tokens without a draw (default false; exact: see SmcOptions.fastForward). */
  readonly fastForward?: boolean;
  /** Text of a token sequence, for the SMC posterior (default: the constraint's vocabulary). */
  readonly decode?: (tokens: readonly number[]) => string;
  /**
   * Work limit of one constraint mask (the token automaton's `fuel`: trie nodes visited, or the
   * machine's own work units for grammars and JSON Schema), overriding the automaton's own (see
   * withMaskFuel). Past it the mask is a superset and every sampler stays exact: 'awrs' and 'greedy'
   * confirm their candidates with `allows`; 'masked' / 'sample' turn that step into AWRS restricted
   * to the superset (same distribution, weight unbiased but no longer zero-variance). Default: the
   * automaton's own limit (unlimited unless it was created with one).
   */
  readonly maskFuel?: number;
}

export interface RunSamplerUsage {
  /** Decoder forward passes (prefill included). */
  readonly decoderSteps: number;
  /** Single-token constraint checks. */
  readonly constraintChecks: number;
  /** Full constraint masks computed. */
  readonly masks: number;
  /** AWRS proposals checked before acceptance, rejections among them, and exact-mask fallbacks. */
  readonly proposals: number;
  readonly rejections: number;
  readonly fallbacks: number;
  /** Tokens taken without a draw because the constraint forced them (fast-forward). */
  readonly forcedTokens?: number;
  /** Generated tokens over all particles (EOS excluded). */
  readonly tokens: number;
}

export interface PosteriorEntry {
  readonly text: string;
  readonly probability: number;
}

export interface RunSamplerResult {
  /** The generated tokens (of the chosen particle for SMC), EOS excluded. */
  readonly tokens: readonly number[];
  readonly finishReason: FinishReason;
  /**
   * Log importance weight of `tokens` for the target (model x constraint x potentials): for 'masked'
   * and 'awrs' the sum of log Z over steps (log of the probability that unconstrained sampling would
   * have stayed inside the constraint, estimated without bias by AWRS); for 'greedy' the model
   * log-probability of the sequence; for SMC the chosen particle's weight.
   */
  readonly logWeight: number;
  /** Model log-probability of the tokens (EOS included when generated). */
  readonly logProb: number;
  /** SMC only. */
  readonly particles?: readonly Particle[];
  /** SMC only: log of the unbiased estimate of Z (its exponential is unbiased; the log is biased low). */
  readonly logZ?: number;
  /** SMC only: normalised weights summed per distinct decoded text, most probable first. */
  readonly posterior?: readonly PosteriorEntry[];
  readonly usage: RunSamplerUsage;
}

/**
 * The one entry for generation: runs the chosen sampler over `decoder` under the constraint and
 * potentials, releases every decoder row it made, and reports the work done.
 */
export async function runSampler(options: RunSamplerOptions): Promise<RunSamplerResult> {
  const { decoder } = options;
  const where = `runSampler(${options.sampler})`;
  const kinds: readonly SamplerKind[] = ['greedy', 'sample', 'masked', 'awrs', 'smc'];
  if (!kinds.includes(options.sampler)) throw new InputError(`unknown sampler "${options.sampler}" (use ${kinds.join(', ')})`, { where: 'runSampler' });
  if ((options.topK !== undefined || options.topP !== undefined) && options.sampler !== 'sample') {
    throw new InputError('topK and topP apply to the "sample" sampler only (the others sample the exact constrained model)', { where });
  }
  if (options.temperature !== undefined && !(options.temperature > 0)) throw new InputError(`temperature must be > 0, got ${options.temperature}`, { where });
  if (options.particles !== undefined && options.sampler !== 'smc' && options.particles !== 1) {
    throw new InputError(`particles = ${options.particles} needs sampler "smc"`, { where });
  }

  const conditions: Potential[] = [];
  const critics: Potential[] = [];
  const constraint = options.constraint !== undefined && options.maskFuel !== undefined ? withMaskFuel(options.constraint, options.maskFuel) : options.constraint;
  if (constraint !== undefined) {
    if (constraint.vocabulary.size !== decoder.vocabSize) {
      throw new InputError(`the constraint's vocabulary has ${constraint.vocabulary.size} ids but the decoder's logits are ${decoder.vocabSize} wide`, {
        where,
      });
    }
    conditions.push(automatonPotential(constraint, { eosId: decoder.eosId }));
  }
  for (const p of options.potentials ?? []) (p.kind === 'boolean' ? conditions : critics).push(p);
  checkTokenSpace([...conditions, ...critics], decoder.vocabSize, decoder.eosId, where);
  const condition = conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : (product(...conditions) as Potential);

  const usage = newUsage();
  const vocabSize = decoder.vocabSize;
  const smcRun = options.sampler === 'smc';
  let tokenSampler: TokenSampler;
  const kind = smcRun ? (options.proposal ?? 'awrs') : options.sampler;
  switch (kind) {
    case 'greedy':
      tokenSampler = new GreedySampler(vocabSize, usage);
      break;
    case 'sample':
    case 'masked':
      tokenSampler = new MaskedSampler(vocabSize, usage, { topK: options.topK, topP: options.topP, maxRejections: options.maxRejections });
      break;
    case 'awrs':
      tokenSampler = new AwrsSampler(vocabSize, usage, { estimator: options.estimator, maxRejections: options.maxRejections });
      break;
    default:
      throw new InputError(`unknown SMC proposal "${kind}" (use awrs, masked)`, { where });
  }
  const random = options.random ?? new SeededRandom(options.seed ?? 0);
  const particles = smcRun ? (options.particles ?? 4) : 1;
  const result = await smc({
    decoder,
    promptIds: options.promptIds,
    tokenSampler,
    condition,
    critics,
    particles,
    maxTokens: options.maxTokens,
    essThreshold: options.essThreshold,
    resampling: options.resampling,
    atMaxTokens: smcRun ? 'force-eos' : 'stop',
    fastForward: options.fastForward,
    random,
    temperature: options.temperature,
    signal: options.signal,
    onToken: smcRun ? undefined : options.onToken,
    usage,
  });

  const chosen = result.particles[smcRun ? chooseParticle(result.particles, random) : 0];
  if (smcRun && options.onToken !== undefined) for (const token of chosen.tokens) options.onToken(token);
  const finishReason =
    chosen.logWeight > -Infinity || !result.particles.some((p) => p.finishReason === 'length') ? chosen.finishReason : 'length';
  const runUsage: RunSamplerUsage = {
    decoderSteps: result.decoderSteps,
    constraintChecks: usage.constraintChecks,
    masks: usage.masks,
    proposals: usage.proposals,
    rejections: usage.rejections,
    fallbacks: usage.fallbacks,
    forcedTokens: usage.forcedTokens,
    tokens: result.particles.reduce((sum, p) => sum + p.tokens.length, 0),
  };
  if (!smcRun) {
    return { tokens: chosen.tokens, finishReason, logWeight: chosen.logWeight, logProb: chosen.logProb, usage: runUsage };
  }
  const decode = options.decode ?? options.constraint?.vocabulary.decode.bind(options.constraint.vocabulary) ?? ((ids) => ids.join(' '));
  return {
    tokens: chosen.tokens,
    finishReason,
    logWeight: chosen.logWeight,
    logProb: chosen.logProb,
    particles: result.particles,
    logZ: result.logZ,
    posterior: posterior(result.particles, decode),
    usage: runUsage,
  };
}

/** Automata with another fuel, per automaton and fuel: a sibling keeps its `forced` memo across runs. */
const fuelled = new WeakMap<TokenAutomaton<unknown>, Map<number, TokenAutomaton<unknown>>>();
/** Distinct fuels kept per automaton before its siblings start over (callers use one or two). */
const FUELS_KEPT = 8;

/**
 * `automaton` with a per-mask work limit of `fuel` (>= 0; Infinity: none): for a TrieTokenAutomaton
 * (what createTokenAutomaton, and so every compiled schema, grammar, regex and SQL constraint, gives),
 * a sibling over the same machine, vocabulary and mask cache (only exact masks are cached, so they
 * share it safely); the automaton itself when its fuel is already `fuel`. Other automata compute
 * their masks their own way and cannot take a fuel: InputError.
 */
export function withMaskFuel<S>(automaton: TokenAutomaton<S>, fuel: number): TokenAutomaton<S> {
  if (typeof fuel !== 'number' || !(fuel >= 0)) throw new InputError(`maskFuel must be a number >= 0, got ${fuel}`, { where: 'maskFuel' });
  if (!(automaton instanceof TrieTokenAutomaton)) {
    throw new InputError('maskFuel applies to token automata from createTokenAutomaton; this constraint computes its masks its own way', { where: 'maskFuel' });
  }
  const trie = automaton as TrieTokenAutomaton<unknown>;
  if (trie.fuel === fuel) return automaton;
  let byFuel = fuelled.get(trie);
  if (byFuel === undefined) fuelled.set(trie, (byFuel = new Map()));
  let sibling = byFuel.get(fuel);
  if (sibling === undefined) {
    if (byFuel.size >= FUELS_KEPT) byFuel.clear();
    sibling = new TrieTokenAutomaton(trie.machine, trie.vocabulary, { fuel, cache: trie.cache ?? false });
    byFuel.set(fuel, sibling);
  }
  return sibling as TokenAutomaton<S>;
}

/** A particle drawn by normalised weight (the SMC sample); the first one when every weight is zero. */
function chooseParticle(particles: readonly Particle[], random: Random): number {
  const max = Math.max(...particles.map((p) => p.logWeight));
  if (max === -Infinity) return 0;
  return random.choose(new WeightsDiscrete(particles.map((p) => Math.exp(p.logWeight - max))));
}

/** Normalised particle weights summed per distinct decoded text, most probable first. */
export function posterior(particles: readonly Particle[], decode: (tokens: readonly number[]) => string): PosteriorEntry[] {
  const max = Math.max(...particles.map((p) => p.logWeight));
  if (max === -Infinity) return [];
  const byText = new Map<string, number>();
  let total = 0;
  for (const p of particles) {
    if (!(p.logWeight > -Infinity)) continue;
    const w = Math.exp(p.logWeight - max);
    const text = decode(p.tokens);
    byText.set(text, (byText.get(text) ?? 0) + w);
    total += w;
  }
  return [...byText]
    .map(([text, w]) => ({ text, probability: w / total }))
    .sort((a, b) => b.probability - a.probability || (a.text < b.text ? -1 : 1));
}
