import type { Decoder, SequenceHandle } from '../../engine/decoder/decoder.js';
import { InputError, throwIfAborted } from '../../errors.js';
import { checkTokenSpace, type Potential } from '../potential/potential.js';
import type { Random } from '../random.js';
import { newUsage, type SamplerUsage, type TokenDraw, type TokenSampler } from '../token/token-sampler.js';
import { effectiveSampleSize, logMeanExp, resample, RESAMPLING_SCHEMES, type ResamplingScheme } from './resampling.js';

/** Why a particle stopped: EOS drawn, the token budget reached, or weight zero (a dead end). */
export type FinishReason = 'stop' | 'length' | 'dead';

/** A finished SMC particle. */
export interface Particle {
  /** Generated tokens, EOS excluded. */
  readonly tokens: readonly number[];
  /** Log importance weight (after the last resampling's reset); -Infinity for a dead particle. */
  readonly logWeight: number;
  /** Log-probability of the tokens (and of the EOS, if one was drawn or forced) under the decoder. */
  readonly logProb: number;
  readonly finishReason: FinishReason;
}

export interface SmcOptions<S> {
  readonly decoder: Decoder;
  readonly promptIds: readonly number[];
  /** Draws each particle's next token (masked, AWRS, greedy...). */
  readonly tokenSampler: TokenSampler;
  /** Boolean potential the token sampler enforces (a token automaton, predicates, their product). */
  readonly condition?: Potential<S>;
  /** Weighted potentials: their prefix weights twist the particles, their complete weights end them. */
  readonly critics?: readonly Potential[];
  readonly particles: number;
  /** Tokens per particle, EOS excluded. */
  readonly maxTokens: number;
  /** Resample when the effective sample size falls below essThreshold * particles (default 0.5). */
  readonly essThreshold?: number;
  readonly resampling?: ResamplingScheme;
  /**
   * At maxTokens without EOS: 'force-eos' (default) appends EOS with weight p(EOS) * condition(EOS),
   * so particles are properly weighted for the target restricted to sequences of at most maxTokens
   * tokens (every particle is a complete sequence, or dead); 'stop' ends the particle unfinished,
   * weighted as a prefix.
   */
  readonly atMaxTokens?: 'force-eos' | 'stop';
  /**
   * Append the condition's `forced` token without a draw (default false). Exact: `forced` returns a
   * token only when it is the one token the condition allows, whose locally constrained probability
   * is 1, so its weight is p(token), the masked sampler's log Z for a one-token allowed set (AWRS's
   * estimate of Z, and greedy's and truncated sampling's weights, are that value too). It saves the
   * draw (AWRS: its pass over the vocabulary) and its checks, not the decoder step. Off by default:
   * proving a token forced costs a walk of the trie's first bytes, one machine step each, and on the
   * JSON Schema machine over Llama-3 that measured 0.15 ms per token on average (up to 10 ms for a
   * new key state) for ~1% of tokens forced (every byte being a token, forced bytes that one token
   * spells can almost always be spelled in pieces too). Worth it for constraints with cheap steps
   * and many single forced bytes (regex or literal DFAs); bench/RESULTS.md has the numbers.
   */
  readonly fastForward?: boolean;
  readonly random: Random;
  readonly temperature?: number;
  readonly signal?: AbortSignal;
  /** Called with each token as it is appended; only with a single particle (resampling rewrites prefixes). */
  readonly onToken?: (token: number) => void;
  readonly usage?: SamplerUsage;
}

export interface SmcResult {
  readonly particles: readonly Particle[];
  /** log of the mean final weight: unbiased estimate of Z on the natural scale (E[exp(logZ)] = Z). */
  readonly logZ: number;
  /** Decoder forward passes: the prefill and one batched step per token position. */
  readonly decoderSteps: number;
  readonly resamples: number;
}

interface Walker<S> {
  tokens: number[];
  state: S;
  critics: unknown[];
  sequence: SequenceHandle | undefined;
  row: Float64Array | undefined;
  logWeight: number;
  /** The critic twist included in logWeight (removed before the next draw). */
  twist: number;
  logProb: number;
  finish: FinishReason | undefined;
}

/**
 * Sequential Monte Carlo over a decoder: N particles advance in lockstep, so each token position is
 * one batched decoder step for all live particles. Each step adds the token sampler's log weight;
 * critic potentials act as twists (their prefix weight is added after the token and removed before
 * the next draw, so they steer resampling without changing the target; at the end their complete
 * weight stays). When the effective sample size drops below the threshold the particles are
 * resampled, each new particle taking the log-mean weight (which keeps the estimate of Z unbiased),
 * and decoder rows follow their ancestors (fork for copies, release for the dropped).
 *
 * With `fastForward`, forced tokens (the condition's `forced`: the only allowed continuation) are
 * appended without a draw, a mask or a check, still with a decoder step; their weight is p(token),
 * exactly the masked sampler's log Z for a one-token allowed set, so fast-forwarding changes neither
 * the distribution nor the weights (checked by enumeration in test/sampler/smc/smc.test.ts).
 *
 * The final weighted particles are properly weighted for the target
 * decoder(x) * condition(x) * product of critics' complete(x) over complete sequences of at most
 * maxTokens tokens; exp(logZ) is an unbiased estimate of its total mass. Both facts are checked
 * exactly, by enumerating every random path of whole runs, in test/sampler/smc/smc.test.ts.
 */
export async function smc<S>(options: SmcOptions<S>): Promise<SmcResult> {
  const { decoder, tokenSampler, random, signal } = options;
  const condition = options.condition;
  const critics = options.critics ?? [];
  const n = options.particles;
  const essThreshold = options.essThreshold ?? 0.5;
  const scheme = options.resampling ?? 'stratified';
  const atMax = options.atMaxTokens ?? 'force-eos';
  const fastForward = (options.fastForward ?? false) && condition?.forced !== undefined;
  const usage = options.usage ?? newUsage();
  const eos = decoder.eosId;
  const maxTokens = checkOptions(options, essThreshold, scheme);
  if (condition !== undefined) checkTokenSpace([condition], decoder.vocabSize, eos, 'smc condition');
  checkTokenSpace(critics, decoder.vocabSize, eos, 'smc critics');
  const decodeOptions = { temperature: options.temperature, signal };

  throwIfAborted(signal);
  const prefilled = await decoder.prefill(options.promptIds, decodeOptions);
  let decoderSteps = 1;
  let resamples = 0;
  let walkers: Walker<S>[] = [];
  const startWeight = condition === undefined ? 0 : condition.prefix(condition.initial);
  try {
    for (let i = 0; i < n; i++) {
      walkers.push({
        tokens: [],
        state: condition === undefined ? (undefined as S) : condition.initial,
        critics: critics.map((c) => c.initial),
        sequence: i === 0 ? prefilled.sequence : decoder.fork(prefilled.sequence),
        row: prefilled.logProbs,
        logWeight: startWeight,
        twist: 0,
        logProb: 0,
        finish: undefined,
      });
    }
    const draw: TokenDraw = { token: -1, logWeight: 0 };
    const logWeights = new Float64Array(n);
    const ancestors = new Int32Array(n);
    for (let position = 0; ; position++) {
      throwIfAborted(signal);
      for (const w of walkers) {
        if (w.finish !== undefined) continue;
        if (position >= maxTokens && atMax === 'stop') {
          // The twist (critics' prefix weight) stays: the particle is weighted as a prefix.
          end(decoder, w, 'length');
          continue;
        }
        w.logWeight -= w.twist;
        w.twist = 0;
        const row = w.row!;
        let token: number;
        let logWeight: number;
        let reason: FinishReason = 'stop';
        if (position >= maxTokens) {
          token = eos;
          logWeight = row[eos] + (condition === undefined ? 0 : condition.complete(w.state));
          reason = 'length';
        } else {
          const forced = fastForward ? condition!.forced!(w.state) : NOTHING_FORCED;
          if (forced.length > 0) {
            // The only allowed token: Z = p(token) exactly, with no draw.
            token = forced[0];
            logWeight = row[token];
            usage.forcedTokens++;
          } else {
            tokenSampler.draw(row, condition, w.state, random, draw);
            token = draw.token;
            logWeight = draw.logWeight;
          }
        }
        w.logWeight += logWeight;
        if (token < 0 || !(w.logWeight > -Infinity)) {
          w.logWeight = -Infinity;
          end(decoder, w, reason === 'length' ? 'length' : 'dead');
          continue;
        }
        w.logProb += row[token];
        if (token === eos) {
          for (let c = 0; c < critics.length; c++) w.logWeight += critics[c].complete(w.critics[c]);
          if (!(w.logWeight > -Infinity)) w.logWeight = -Infinity;
          end(decoder, w, reason);
          continue;
        }
        w.tokens.push(token);
        if (condition !== undefined) w.state = condition.extend(w.state, token);
        if (critics.length > 0) {
          const next = new Array<unknown>(critics.length);
          let twist = 0;
          for (let c = 0; c < critics.length; c++) {
            next[c] = critics[c].extend(w.critics[c], token);
            twist += critics[c].prefix(next[c]);
          }
          w.critics = next;
          if (!(twist > -Infinity)) {
            w.logWeight = -Infinity;
            end(decoder, w, 'dead');
            continue;
          }
          w.twist = twist;
          w.logWeight += twist;
        }
        if (n === 1) options.onToken?.(token);
      }

      if (walkers.every((w) => w.finish !== undefined)) break;

      if (n > 1 && essThreshold > 0) {
        for (let i = 0; i < n; i++) logWeights[i] = walkers[i].logWeight;
        if (effectiveSampleSize(logWeights) < essThreshold * n) {
          walkers = resampled(decoder, walkers, logWeights, scheme, random, ancestors);
          resamples++;
        }
      }

      if (position + 1 >= maxTokens && atMax === 'stop') continue;
      const live = walkers.filter((w) => w.finish === undefined);
      // Resampling can draw only finished ancestors: then nothing is left to decode.
      if (live.length === 0) break;
      const rows = await decoder.step(
        live.map((w) => w.sequence!),
        live.map((w) => w.tokens[w.tokens.length - 1]),
        decodeOptions,
      );
      decoderSteps++;
      for (let k = 0; k < live.length; k++) live[k].row = rows[k];
    }
  } finally {
    for (const w of walkers) if (w.sequence !== undefined) end(decoder, w, w.finish ?? 'dead');
  }
  const particles = walkers.map(
    (w): Particle => ({ tokens: w.tokens, logWeight: w.logWeight, logProb: w.logProb, finishReason: w.finish ?? 'dead' }),
  );
  return { particles, logZ: logMeanExp(particles.map((p) => p.logWeight)), decoderSteps, resamples };
}

const NOTHING_FORCED: readonly number[] = [];

function end<S>(decoder: Decoder, walker: Walker<S>, reason: FinishReason): void {
  walker.finish = reason;
  walker.row = undefined;
  if (walker.sequence !== undefined) {
    decoder.release(walker.sequence);
    walker.sequence = undefined;
  }
}

/**
 * The next generation: ancestors drawn by weight, every one with the log-mean weight. A live
 * ancestor's decoder row goes to its first copy and is forked for the others; rows of ancestors
 * with no copy are released.
 */
function resampled<S>(
  decoder: Decoder,
  walkers: readonly Walker<S>[],
  logWeights: Float64Array,
  scheme: ResamplingScheme,
  random: Random,
  ancestors: Int32Array,
): Walker<S>[] {
  const n = walkers.length;
  const mean = logMeanExp(logWeights);
  const max = Math.max(...logWeights);
  const normalised = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += normalised[i] = Math.exp(logWeights[i] - max);
  for (let i = 0; i < n; i++) normalised[i] /= sum;
  resample(normalised, scheme, random, ancestors);
  const taken = new Uint8Array(n);
  const next: Walker<S>[] = [];
  for (let i = 0; i < n; i++) {
    const a = ancestors[i];
    const source = walkers[a];
    let sequence: SequenceHandle | undefined;
    if (source.sequence !== undefined) {
      sequence = taken[a] === 0 ? source.sequence : decoder.fork(source.sequence);
      taken[a] = 1;
    }
    next.push({ ...source, tokens: source.tokens.slice(), sequence, logWeight: mean });
  }
  for (let a = 0; a < n; a++) {
    const source = walkers[a];
    if (source.sequence !== undefined && taken[a] === 0) decoder.release(source.sequence);
  }
  return next;
}

function checkOptions<S>(options: SmcOptions<S>, essThreshold: number, scheme: ResamplingScheme): number {
  const { decoder, particles, promptIds } = options;
  if (!(Number.isInteger(particles) && particles >= 1)) throw new InputError(`particles must be an integer >= 1, got ${particles}`, { where: 'smc' });
  if (!(essThreshold >= 0 && essThreshold <= 1)) throw new InputError(`essThreshold must be in [0, 1], got ${essThreshold}`, { where: 'smc' });
  if (!RESAMPLING_SCHEMES.includes(scheme)) {
    throw new InputError(`unknown resampling scheme "${scheme}" (use ${RESAMPLING_SCHEMES.join(', ')})`, { where: 'smc' });
  }
  if (!(Number.isInteger(options.maxTokens) && options.maxTokens >= 0)) {
    throw new InputError(`maxTokens must be an integer >= 0, got ${options.maxTokens}`, { where: 'smc' });
  }
  if (options.condition !== undefined && options.condition.kind !== 'boolean') {
    throw new InputError('the condition must be a boolean potential (pass weighted potentials as critics)', { where: 'smc' });
  }
  if (promptIds.length >= decoder.maxLength) {
    throw new InputError(`the prompt has ${promptIds.length} tokens but the model takes at most ${decoder.maxLength}`, { where: 'smc' });
  }
  // Every generated token but the last one is fed back to the decoder (and, with force-eos, the last too).
  return Math.min(options.maxTokens, decoder.maxLength - promptIds.length);
}
