import type { Decoder, SequenceHandle } from '../../engine/decoder/decoder.js';
import { InputError, throwIfAborted } from '../../errors.js';
import { SeededRandom, WeightsDiscrete, type Random } from '../random.js';
import type { Reward } from '../rewards/reward.js';
import type { FinishReason } from '../smc/smc.js';
import { MaskedSampler } from '../token/masked.js';
import { newUsage, type TokenDraw } from '../token/token-sampler.js';
import { checkCount, prepareRun, tokenBudget, usageOf, type AlignmentOptions, type AlignmentResult } from './alignment-run.js';
import { RewardScorer } from './reward-scorer.js';
import { rollOut, type RolloutStart } from './rollouts.js';
import { TopAllowed } from './top-allowed.js';
import { TrackedDecoder } from './tracked-decoder.js';

/**
 * How rollouts of the baseline model turn into Q estimates:
 * - 'direct': the baseline is aligned to the target reward itself; Q(s, z) = E[r(s, z, tau)];
 * - indirect: the baseline was aligned to another reward r_BL; its rollouts are reweighted towards the
 *   target's optimal policy by w = exp((r - r_BL) / beta).
 */
export type Transfer = 'direct' | { readonly kind: 'indirect'; readonly baselineReward: Reward; readonly beta: number };

export interface TransferQStarOptions extends AlignmentOptions {
  /**
   * The baseline model rho_BL, already aligned to some reward, that rolls out every candidate. Default:
   * the policy decoder itself (then Q is the policy's own value, and each candidate's first rollout row
   * doubles as the policy's next row).
   */
  readonly baselineDecoder?: Decoder;
  /** The baseline's prompt (e.g. its own chat template); default `promptIds`. */
  readonly baselinePromptIds?: readonly number[];
  /** Candidates per step: the most likely allowed tokens of the policy (default 5; Infinity: all). */
  readonly topK?: number;
  /** Rollouts per candidate (default 1). */
  readonly rollouts?: number;
  /** alpha: weight of Q against log pi(z | s) (default 10, for rewards in [0, 1]). */
  readonly alpha?: number;
  /** 'argmax' (default): the best-scoring candidate; 'sample': a draw from softmax(log pi + alpha Q). */
  readonly choose?: 'argmax' | 'sample';
  /** Rollout tokens: 'sample' (default; the constrained baseline distribution) or 'greedy'. */
  readonly rollout?: 'sample' | 'greedy';
  /** Tokens per rollout at most (default: to EOS or maxTokens); a cut rollout gets the partial reward. */
  readonly rolloutTokens?: number;
  /** Default 'direct'. */
  readonly transfer?: Transfer;
  /** Seed of the default PRNG (default 0). */
  readonly seed?: number;
  /** Overrides the PRNG (tests enumerate every draw through it). */
  readonly random?: Random;
  /** Each token as it is chosen (the choice is final, so tokens can stream). */
  readonly onToken?: (token: number) => void;
}

export interface TransferQStarResult extends AlignmentResult {
  readonly trace?: readonly TqStep[];
}

export interface TqStep {
  readonly position: number;
  readonly candidates: readonly TqCandidate[];
  /** Index into `candidates` of the chosen one. */
  readonly chosen: number;
}

export interface TqCandidate {
  readonly token: number;
  /** log pi(z | s) under the policy. */
  readonly logProb: number;
  /** The Q estimate (exact when the candidate ends the text: EOS or the budget). */
  readonly q: number;
  readonly score: number;
  /** Rollouts behind q (0 when exact). */
  readonly rollouts: number;
}

interface Candidate {
  readonly token: number;
  readonly tokens: number[];
  readonly state: unknown;
  /** Baseline row holding prompt + tokens (rolled-out candidates only), and its next-token row. */
  handle: SequenceHandle | undefined;
  row: Float64Array | undefined;
}

/**
 * Transfer Q* (Chakraborty et al., 2024, "Transfer Q*: Principled Decoding for LLM Alignment"). At each
 * position the candidates are the policy's top-k allowed tokens z; for each, `rollouts` continuations
 * are drawn from the baseline model rho_BL (constrained, to EOS or the budget), scored with the
 * reward, and averaged into Q(s, z); the token is then chosen (argmax) or sampled by
 *
 *   log pi(z | s) + alpha * Q(s, z).
 *
 * Indirect transfer estimates the target's Q from a baseline aligned to another reward r_BL. The
 * baseline is the optimal policy for r_BL (rho_BL ∝ pi exp(r_BL / beta)) and the target's is
 * pi exp(r / beta), so target continuations are baseline ones reweighted by w = exp((r - r_BL) / beta),
 * normalised over the continuations of the same (s, z): Q = sum_i w_i r_i / sum_i w_i. That is the
 * conditional expectation under the target's continuation law (self-normalised importance sampling:
 * consistent as rollouts grow; with one rollout it reduces to direct transfer).
 *
 * Cost per position: all rollouts of all candidates advance in lockstep, one batched baseline step
 * per rollout depth (the first appends the candidates' tokens), plus one policy step when the
 * baseline is a different model.
 *
 * Known answers (test/sampler/alignment/transfer-q-star.test.ts): alpha = 0 reproduces the policy
 * (greedy, or exactly its constrained sampling distribution); a very large alpha picks the max-Q
 * token; E[Q estimate] equals Q computed by enumeration.
 */
export async function runTransferQStar(options: TransferQStarOptions): Promise<TransferQStarResult> {
  const started = performance.now();
  const where = 'runTransferQStar';
  const run = prepareRun(options, where, [options.baselineDecoder]);
  const condition = run.condition;
  const topK = options.topK ?? 5;
  const rolloutCount = options.rollouts ?? 1;
  const alpha = options.alpha ?? 10;
  const choose = options.choose ?? 'argmax';
  const rolloutKind = options.rollout ?? 'sample';
  const rolloutTokens = options.rolloutTokens ?? Infinity;
  const transfer = options.transfer ?? 'direct';
  checkCount(topK, 'topK', 1, where);
  checkCount(rolloutCount, 'rollouts', 1, where);
  if (rolloutCount === Infinity) throw new InputError('rollouts must be finite', { where });
  checkCount(rolloutTokens, 'rolloutTokens', 0, where);
  if (!Number.isFinite(alpha)) throw new InputError(`alpha must be a finite number, got ${alpha}`, { where });
  if (choose !== 'argmax' && choose !== 'sample') throw new InputError(`choose must be 'argmax' or 'sample', got ${JSON.stringify(choose)}`, { where });
  if (rolloutKind !== 'sample' && rolloutKind !== 'greedy') throw new InputError(`rollout must be 'sample' or 'greedy', got ${JSON.stringify(rolloutKind)}`, { where });
  if (transfer !== 'direct') {
    if (transfer === null || typeof transfer !== 'object' || transfer.kind !== 'indirect') {
      throw new InputError("transfer must be 'direct' or { kind: 'indirect', baselineReward, beta }", { where });
    }
    if (!(transfer.beta > 0 && Number.isFinite(transfer.beta))) throw new InputError(`indirect transfer needs beta > 0, got ${transfer.beta}`, { where });
  }

  const decodeOptions = { temperature: options.temperature, signal: options.signal };
  const policy = new TrackedDecoder(options.decoder, decodeOptions);
  const separate = options.baselineDecoder !== undefined && options.baselineDecoder !== options.decoder;
  const baseline = separate ? new TrackedDecoder(options.baselineDecoder!, decodeOptions) : policy;
  const baselinePrompt = options.baselinePromptIds ?? options.promptIds;
  if (!separate && options.baselinePromptIds !== undefined) {
    throw new InputError('baselinePromptIds needs a separate baselineDecoder (the policy rolls out from its own prompt)', { where });
  }
  const maxTokens = tokenBudget(
    options.maxTokens,
    [{ decoder: options.decoder, promptLength: options.promptIds.length }, ...(separate ? [{ decoder: options.baselineDecoder!, promptLength: baselinePrompt.length }] : [])],
    where,
  );
  const eos = options.decoder.eosId;
  const usage = newUsage();
  const top = new TopAllowed(options.decoder.vocabSize, usage);
  const random = options.random ?? new SeededRandom(options.seed ?? 0);
  const call = { prompt: options.rewardPrompt, weights: options.rewardWeights, signal: options.signal };
  const scorer = new RewardScorer(options.reward, call);
  const baselineScorer = transfer === 'direct' ? undefined : new RewardScorer(transfer.baselineReward, call);
  const sampler = new MaskedSampler(options.decoder.vocabSize, usage);
  const draw: TokenDraw = { token: -1, logWeight: 0 };
  const one: number[] = [];
  const next =
    rolloutKind === 'greedy'
      ? (row: Float64Array, state: unknown): number => (top.select(row, condition, state, 1, one) > 0 ? one[0] : -1)
      : (row: Float64Array, state: unknown): number => {
          sampler.draw(row, condition, state, random, draw);
          return draw.token;
        };
  const trace: TqStep[] | undefined = options.trace ? [] : undefined;
  let generated = 0;

  try {
    throwIfAborted(options.signal);
    const prefilled = await policy.prefill(options.promptIds);
    let handle: SequenceHandle = prefilled.sequence;
    let row: Float64Array = prefilled.logProbs.slice();
    let baselineHandle = separate ? (await baseline.prefill(baselinePrompt)).sequence : undefined;
    const tokens: number[] = [];
    let state: unknown = condition?.initial;
    let logProb = 0;
    let finish: FinishReason | undefined;
    const ids: number[] = [];

    for (let position = 0; finish === undefined; position++) {
      throwIfAborted(options.signal);
      if (tokens.length >= maxTokens) {
        finish = 'length';
        break;
      }
      if (top.select(row, condition, state, topK, ids) === 0) {
        finish = 'dead';
        break;
      }
      const candidates: Candidate[] = ids.map((token) =>
        token === eos
          ? { token, tokens, state, handle: undefined, row: undefined }
          : { token, tokens: [...tokens, token], state: condition === undefined ? undefined : condition.extend(state, token), handle: undefined, row: undefined },
      );
      // Candidates that end the text (EOS, or the last token of the budget) have an exact Q.
      const rolled = candidates.filter((c) => c.token !== eos && c.tokens.length < maxTokens && rolloutTokens > 0);
      const from = separate ? baselineHandle! : handle;
      const handles = rolled.map(() => baseline.fork(from));
      const rows = await baseline.step(
        handles,
        rolled.map((c) => c.token),
      );
      const starts: RolloutStart<unknown>[] = [];
      for (let i = 0; i < rolled.length; i++) {
        rolled[i].handle = handles[i];
        rolled[i].row = rows[i].slice();
        for (let n = 0; n < rolloutCount; n++) starts.push({ handle: handles[i], row: rolled[i].row!, state: rolled[i].state, length: rolled[i].tokens.length });
      }
      generated += rolled.length;
      const rollouts = await rollOut(baseline, starts, { condition, eosId: eos, limit: rolloutTokens, maxTokens, choose: next });

      // Texts: every rollout of every rolled candidate, then each other candidate's own text.
      const texts: string[] = [];
      const partial: boolean[] = [];
      let r = 0;
      for (const c of rolled) {
        for (let n = 0; n < rolloutCount; n++, r++) {
          const rollout = rollouts[r];
          generated += rollout.tokens.length;
          const cut = rollout.end === 'cut';
          texts.push(run.textOf([...c.tokens, ...rollout.tokens], cut));
          partial.push(cut);
        }
      }
      const exact = candidates.filter((c) => !rolled.includes(c));
      for (const c of exact) {
        // A candidate cut by rolloutTokens = 0 is unfinished; EOS and the budget's last token finish the text.
        const unfinished = c.token !== eos && c.tokens.length < maxTokens;
        texts.push(run.textOf(c.tokens, unfinished));
        partial.push(unfinished);
      }
      const rewards = await scorer.score(texts, partial);
      const baselineRewards = baselineScorer === undefined ? undefined : await baselineScorer.score(texts, partial);
      // A rollout that found no allowed token at all proves its candidate a dead end: Q = -Infinity.
      for (let i = 0; i < rollouts.length; i++) if (rollouts[i].end === 'dead' && rollouts[i].tokens.length === 0) rewards[i] = -Infinity;

      const q = new Float64Array(candidates.length);
      const counts = new Int32Array(candidates.length);
      for (let i = 0, at = 0; i < rolled.length; i++, at += rolloutCount) {
        const index = candidates.indexOf(rolled[i]);
        q[index] = estimateQ(rewards, baselineRewards, at, rolloutCount, transfer === 'direct' ? 0 : transfer.beta);
        counts[index] = rolloutCount;
      }
      for (let j = 0; j < exact.length; j++) q[candidates.indexOf(exact[j])] = rewards[rolled.length * rolloutCount + j];

      const scores = new Float64Array(candidates.length);
      for (let i = 0; i < candidates.length; i++) {
        const s = row[candidates[i].token] + alpha * q[i];
        scores[i] = Number.isNaN(s) ? -Infinity : s;
      }
      const chosenIndex = choose === 'argmax' ? argmaxFirst(scores) : sampleScores(scores, random);
      const chosen = candidates[chosenIndex];
      if (trace !== undefined) {
        trace.push({
          position,
          candidates: candidates.map((c, i) => ({ token: c.token, logProb: row[c.token], q: q[i], score: scores[i], rollouts: counts[i] })),
          chosen: chosenIndex,
        });
      }
      for (const c of rolled) if (c !== chosen) baseline.release(c.handle!);

      logProb += row[chosen.token];
      if (chosen.token === eos) {
        finish = 'stop';
        break;
      }
      tokens.push(chosen.token);
      state = chosen.state;
      options.onToken?.(chosen.token);
      if (chosen.handle === undefined) {
        // Not rolled out: the text ends here (the budget), or rollouts were switched off.
        if (tokens.length >= maxTokens) {
          finish = 'length';
          break;
        }
        [row] = await policy.step([handle], [chosen.token]);
        row = row.slice();
        if (separate) await baseline.step([baselineHandle!], [chosen.token]);
        continue;
      }
      if (separate) {
        baseline.release(baselineHandle!);
        baselineHandle = chosen.handle;
        [row] = await policy.step([handle], [chosen.token]);
        row = row.slice();
      } else {
        policy.release(handle);
        handle = chosen.handle;
        row = chosen.row!;
      }
    }

    const finalText = run.textOf(tokens, finish === 'dead');
    const [reward] = await scorer.score([finalText], [false]);
    return {
      tokens,
      text: finalText,
      finishReason: finish!,
      logWeight: finish === 'dead' ? -Infinity : logProb + alpha * reward,
      logProb,
      reward,
      usage: usageOf([policy, baseline], usage, baselineScorer === undefined ? [scorer] : [scorer, baselineScorer], generated, started),
      ...(trace !== undefined ? { trace } : {}),
    };
  } finally {
    policy.releaseAll();
    baseline.releaseAll();
  }
}

/**
 * Q from `count` rollout rewards starting at `at`: their mean (direct transfer, beta = 0), or their
 * average weighted by exp((r - r_BL) / beta), normalised (indirect transfer). -Infinity rewards count
 * as -Infinity (direct) or weight 0 (indirect, unless all are: then -Infinity).
 */
export function estimateQ(rewards: Float64Array, baselineRewards: Float64Array | undefined, at: number, count: number, beta: number): number {
  if (baselineRewards === undefined) {
    let sum = 0;
    for (let i = at; i < at + count; i++) sum += rewards[i];
    return sum / count;
  }
  let max = -Infinity;
  for (let i = at; i < at + count; i++) {
    const lw = (rewards[i] - baselineRewards[i]) / beta;
    if (lw > max) max = lw;
  }
  if (!(max > -Infinity)) return -Infinity;
  let weight = 0;
  let weighted = 0;
  for (let i = at; i < at + count; i++) {
    const lw = (rewards[i] - baselineRewards[i]) / beta;
    if (!(lw > -Infinity)) continue;
    const w = Math.exp(lw - max);
    weight += w;
    weighted += w * rewards[i];
  }
  return weighted / weight;
}

/** The first index of the largest score (candidates come most likely first, so ties keep the likelier). */
function argmaxFirst(scores: Float64Array): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/** A draw from softmax(scores); all -Infinity: the first. */
function sampleScores(scores: Float64Array, random: Random): number {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  if (max === -Infinity) return 0;
  const weights = Float64Array.from(scores, (s) => Math.exp(s - max));
  return random.choose(new WeightsDiscrete(weights));
}
