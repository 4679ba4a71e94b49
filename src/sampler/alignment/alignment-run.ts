import type { Decoder } from '../../engine/decoder/decoder.js';
import { InputError } from '../../errors.js';
import type { TokenAutomaton } from '../../grammar/automaton/token-automaton.js';
import type { Vocabulary } from '../../grammar/vocab/vocabulary.js';
import { automatonPotential } from '../potential/automaton-potential.js';
import { checkTokenSpace, type Potential } from '../potential/potential.js';
import { product } from '../potential/product.js';
import { completeUtf8Length } from '../potential/text-potential.js';
import type { Reward } from '../rewards/reward.js';
import type { RunSamplerUsage } from '../run-sampler.js';
import type { FinishReason } from '../smc/smc.js';
import type { SamplerUsage } from '../token/token-sampler.js';
import type { RewardScorer } from './reward-scorer.js';
import type { TrackedDecoder } from './tracked-decoder.js';

/** What DeAL and Transfer Q* share: the model, the prompt, the constraint, the reward. */
export interface AlignmentOptions {
  /** The policy: the model whose log-probabilities the search trades against the reward. */
  readonly decoder: Decoder;
  readonly promptIds: readonly number[];
  /** What to maximise, over the decoded generated text (the prompt excluded). */
  readonly reward: Reward;
  /** Generated tokens at most, EOS excluded (clamped to the model's context length). */
  readonly maxTokens: number;
  /**
   * The compiled constraint (JSON Schema, grammar, regex). Enforced on every token the search
   * proposes, looks ahead with or rolls out: no text the reward sees, and no output, violates it.
   */
  readonly constraint?: TokenAutomaton<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** More boolean potentials over the decoder's tokens (e.g. textPredicate), joined to the constraint. */
  readonly potentials?: readonly Potential<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Token bytes for the texts the reward scores (default: the constraint's vocabulary). */
  readonly vocabulary?: Vocabulary;
  /** Or: the text of generated tokens, when there is no vocabulary. */
  readonly decode?: (tokens: readonly number[]) => string;
  /** The prompt as text, handed to the reward (reward models judge prompt and answer together). */
  readonly rewardPrompt?: string;
  /** Per-call weights of a weighted-sum reward, by term name (see weightedSum). */
  readonly rewardWeights?: Readonly<Record<string, number>>;
  /** Divides the logits of every decoder the search runs (default 1). */
  readonly temperature?: number;
  readonly signal?: AbortSignal;
  /** Record every step's candidates and scores in the result (for debugging and tests). */
  readonly trace?: boolean;
}

/** The usage of runSampler plus what search adds. */
export interface AlignmentUsage extends RunSamplerUsage {
  /** Texts scored by the reward (each distinct text once per run and variant). */
  readonly rewardCalls: number;
  /** Batched calls of the reward. */
  readonly rewardBatches: number;
  /** Sequence-tokens through all decoders: prompt lengths of prefills plus the width of every step. */
  readonly decoderTokens: number;
  /** Wall time of the whole run, and the part of it inside the reward. */
  readonly seconds: number;
  readonly rewardSeconds: number;
}

/** The result shape of runSampler, plus the text and its reward. */
export interface AlignmentResult {
  /** The chosen sequence, EOS excluded. */
  readonly tokens: readonly number[];
  readonly text: string;
  readonly finishReason: FinishReason;
  /**
   * The search objective of the chosen sequence: logProb + lambda * reward (DeAL) or
   * logProb + alpha * reward (Transfer Q*). -Infinity when the search found no valid sequence.
   */
  readonly logWeight: number;
  /** Policy log-probability of the tokens (EOS included when generated), at the run's temperature. */
  readonly logProb: number;
  /** Final reward of `text` (a dead end is a finished, if invalid, text too). */
  readonly reward: number;
  readonly usage: AlignmentUsage;
}

export interface PreparedRun<S> {
  readonly condition: Potential<S> | undefined;
  /** Text of generated tokens; `partial` drops a trailing incomplete UTF-8 character. */
  textOf(tokens: readonly number[], partial: boolean): string;
}

/** Checks the shared options and builds the condition and the text function. */
export function prepareRun(options: AlignmentOptions, where: string, otherDecoders: readonly (Decoder | undefined)[]): PreparedRun<unknown> {
  const { decoder } = options;
  if (!(Number.isInteger(options.maxTokens) && options.maxTokens >= 0)) throw new InputError(`maxTokens must be an integer >= 0, got ${options.maxTokens}`, { where });
  if (options.temperature !== undefined && !(options.temperature > 0)) throw new InputError(`temperature must be > 0, got ${options.temperature}`, { where });
  if (options.reward === undefined || typeof options.reward.score !== 'function') throw new InputError('a reward is required (see src/sampler/rewards)', { where });
  for (const other of otherDecoders) {
    if (other !== undefined && (other.vocabSize !== decoder.vocabSize || other.eosId !== decoder.eosId)) {
      throw new InputError(
        `a second decoder must share the policy's tokens: it has ${other.vocabSize} ids and EOS ${other.eosId}, the policy ${decoder.vocabSize} and EOS ${decoder.eosId}`,
        { where },
      );
    }
  }
  const conditions: Potential[] = [];
  if (options.constraint !== undefined) {
    if (options.constraint.vocabulary.size !== decoder.vocabSize) {
      throw new InputError(`the constraint's vocabulary has ${options.constraint.vocabulary.size} ids but the decoder's logits are ${decoder.vocabSize} wide`, { where });
    }
    conditions.push(automatonPotential(options.constraint, { eosId: decoder.eosId }) as Potential);
  }
  for (const p of options.potentials ?? []) {
    if (p.kind !== 'boolean') throw new InputError('only boolean potentials constrain a search; express scores as a reward', { where });
    conditions.push(p);
  }
  checkTokenSpace(conditions, decoder.vocabSize, decoder.eosId, where);
  const condition = conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : (product(...conditions) as Potential);
  return { condition, textOf: textFunction(options, where) };
}

function textFunction(options: AlignmentOptions, where: string): (tokens: readonly number[], partial: boolean) => string {
  if (options.decode !== undefined) {
    const decode = options.decode;
    return (tokens) => decode(tokens);
  }
  const vocabulary = options.vocabulary ?? options.constraint?.vocabulary;
  if (vocabulary === undefined) throw new InputError('rewards score text: give `vocabulary` (or `decode`) when there is no constraint', { where });
  const decoder = new TextDecoder('utf-8', { fatal: false });
  return (tokens, partial) => {
    let length = 0;
    for (const t of tokens) length += vocabulary.tokenBytes(t).length;
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const t of tokens) {
      const b = vocabulary.tokenBytes(t);
      bytes.set(b, at);
      at += b.length;
    }
    // A prefix may end inside a character: score the complete characters only.
    return decoder.decode(partial ? bytes.subarray(0, completeUtf8Length(bytes)) : bytes);
  };
}

/** A count option: an integer >= min, or Infinity (unbounded). */
export function checkCount(value: number, name: string, min: number, where: string): void {
  if (!((Number.isInteger(value) || value === Infinity) && value >= min)) {
    throw new InputError(`${name} must be an integer >= ${min} (or Infinity), got ${value}`, { where });
  }
}

/** Generated tokens a run may produce: maxTokens, within every decoder's context after the prompt. */
export function tokenBudget(maxTokens: number, contexts: readonly { readonly decoder: Decoder; readonly promptLength: number }[], where: string): number {
  let budget = maxTokens;
  for (const { decoder, promptLength } of contexts) {
    if (promptLength > decoder.maxLength) throw new InputError(`the prompt has ${promptLength} tokens; the model takes at most ${decoder.maxLength}`, { where });
    budget = Math.min(budget, decoder.maxLength - promptLength);
  }
  return budget;
}

export function usageOf(
  decoders: readonly TrackedDecoder[],
  sampler: SamplerUsage,
  scorers: readonly RewardScorer[],
  tokens: number,
  started: number,
): AlignmentUsage {
  const unique = [...new Set(decoders)];
  return {
    decoderSteps: unique.reduce((n, d) => n + d.steps, 0),
    decoderTokens: unique.reduce((n, d) => n + d.tokens, 0),
    constraintChecks: sampler.constraintChecks,
    masks: sampler.masks,
    proposals: sampler.proposals,
    rejections: sampler.rejections,
    fallbacks: sampler.fallbacks,
    tokens,
    rewardCalls: scorers.reduce((n, s) => n + s.calls, 0),
    rewardBatches: scorers.reduce((n, s) => n + s.batches, 0),
    seconds: (performance.now() - started) / 1000,
    rewardSeconds: scorers.reduce((n, s) => n + s.seconds, 0),
  };
}
