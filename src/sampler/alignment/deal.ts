import type { Decoder, SequenceHandle } from '../../engine/decoder/decoder.js';
import { InputError, throwIfAborted } from '../../errors.js';
import type { FinishReason } from '../smc/smc.js';
import { newUsage } from '../token/token-sampler.js';
import { checkCount, prepareRun, tokenBudget, usageOf, type AlignmentOptions, type AlignmentResult } from './alignment-run.js';
import { RewardScorer } from './reward-scorer.js';
import { rollOut, type Rollout, type RolloutStart } from './rollouts.js';
import { TopAllowed } from './top-allowed.js';
import { TrackedDecoder } from './tracked-decoder.js';

export interface DealOptions extends AlignmentOptions {
  /** b: prefixes kept after each step (default 2; Infinity keeps every candidate). */
  readonly beamWidth?: number;
  /** k: actions per prefix, its most likely allowed tokens (default 5; Infinity: every allowed token). */
  readonly topK?: number;
  /**
   * l: greedy tokens looked ahead from each candidate before the reward scores it (default 8;
   * 0 scores the candidate prefix itself; Infinity looks ahead to EOS or maxTokens).
   */
  readonly lookahead?: number;
  /** lambda: weight of the reward against the log-probability (default 10, for rewards in [0, 1]). */
  readonly lambda?: number;
  /**
   * A cheaper model for the lookaheads (same tokenizer). Default: the policy itself, whose lookahead
   * rows then also serve as the candidates' next rows, saving the policy step.
   */
  readonly lookaheadDecoder?: Decoder;
  /**
   * Token ids prepended to the prompt of every decoder the search runs (an "alignment prompt": a
   * system message asking for the property the reward measures). The reward never sees it.
   */
  readonly alignmentPromptIds?: readonly number[];
}

export interface DealResult extends AlignmentResult {
  /** With `trace`: every step's candidates, in the order they were scored. */
  readonly trace?: readonly DealStep[];
}

export interface DealStep {
  readonly position: number;
  readonly candidates: readonly DealCandidate[];
}

export interface DealCandidate {
  /** The candidate prefix (EOS excluded). */
  readonly tokens: readonly number[];
  /** The candidate ends here (EOS, budget or dead end) rather than being a prefix. */
  readonly finished: boolean;
  /** Greedy lookahead tokens after the prefix (EOS excluded). */
  readonly lookahead: readonly number[];
  /** The reward scored the prefix + lookahead as a finished text. */
  readonly rewardFinal: boolean;
  readonly logProb: number;
  readonly reward: number;
  readonly score: number;
  readonly kept: boolean;
}

/** A search node: a prefix, and (while live and in the beam) its decoder rows. */
interface Node {
  readonly tokens: number[];
  readonly state: unknown;
  readonly logProb: number;
  /** Set when the node can grow no further. */
  finish: FinishReason | undefined;
  score: number;
  reward: number;
  rewardFinal: boolean;
  /** Unmaterialised candidates: the parent node and the token appended to it. */
  readonly parent: Node | undefined;
  readonly token: number;
  /** Policy row holding prompt + tokens, and the next-token log-probabilities after them (owned). */
  handle: SequenceHandle | undefined;
  row: Float64Array | undefined;
  /** Separate lookahead decoder only: its row holding prompt + tokens. */
  lookHandle: SequenceHandle | undefined;
  lookahead: Rollout | undefined;
}

/**
 * DeAL (Huang et al., 2024, "DeAL: Decoding-time Alignment for Large Language Models"): decoding as
 * heuristic search. Nodes are prefixes; the actions of a prefix are its top-k next tokens AFTER the
 * constraint mask; each candidate is scored by
 *
 *   log p(prefix) + lambda * reward(prefix + greedy lookahead of l tokens)
 *
 * (the reward of a finished text when the lookahead reached EOS or the budget, the partial reward
 * otherwise), and the b best candidates form the next beam. Finished candidates stay in the running
 * with their final score; the search ends when the beam holds only finished sequences and returns
 * the best. The lookahead is constrained too, so the reward never scores a text the constraint
 * forbids.
 *
 * Cost per token position: the lookaheads of all candidates run in lockstep, one batched decoder step
 * per lookahead depth: max(1, l) forward passes (with a separate lookahead decoder, l of those plus
 * one policy step for the kept prefixes), and at most two batched reward calls.
 *
 * Known answers (test/sampler/alignment/deal.test.ts): b = k = 1, l = 0 is constrained greedy
 * decoding; an unbounded beam with every token as an action returns the exhaustive maximiser of
 * log p(x) + lambda * reward(x) over all sequences of at most maxTokens tokens.
 */
export async function runDeal(options: DealOptions): Promise<DealResult> {
  const started = performance.now();
  const where = 'runDeal';
  const run = prepareRun(options, where, [options.lookaheadDecoder]);
  const condition = run.condition;
  const beamWidth = options.beamWidth ?? 2;
  const topK = options.topK ?? 5;
  const lookahead = options.lookahead ?? 8;
  const lambda = options.lambda ?? 10;
  checkCount(beamWidth, 'beamWidth', 1, where);
  checkCount(topK, 'topK', 1, where);
  checkCount(lookahead, 'lookahead', 0, where);
  if (!Number.isFinite(lambda)) throw new InputError(`lambda must be a finite number, got ${lambda}`, { where });

  const decodeOptions = { temperature: options.temperature, signal: options.signal };
  const policy = new TrackedDecoder(options.decoder, decodeOptions);
  const separate = options.lookaheadDecoder !== undefined && options.lookaheadDecoder !== options.decoder;
  const look = separate ? new TrackedDecoder(options.lookaheadDecoder!, decodeOptions) : policy;
  const prompt = [...(options.alignmentPromptIds ?? []), ...options.promptIds];
  const maxTokens = tokenBudget(
    options.maxTokens,
    [{ decoder: options.decoder, promptLength: prompt.length }, ...(separate ? [{ decoder: options.lookaheadDecoder!, promptLength: prompt.length }] : [])],
    where,
  );
  const eos = options.decoder.eosId;
  const usage = newUsage();
  const top = new TopAllowed(options.decoder.vocabSize, usage);
  const scorer = new RewardScorer(options.reward, { prompt: options.rewardPrompt, weights: options.rewardWeights, signal: options.signal });
  const trace: DealStep[] | undefined = options.trace ? [] : undefined;
  let generated = 0;
  const one: number[] = [];
  const greedy = (row: Float64Array, state: unknown): number => (top.select(row, condition, state, 1, one) > 0 ? one[0] : -1);

  try {
    throwIfAborted(options.signal);
    const prefilled = await policy.prefill(prompt);
    const root = node([], condition?.initial, 0, undefined, -1);
    root.handle = prefilled.sequence;
    root.row = prefilled.logProbs.slice();
    if (separate && lookahead > 0) root.lookHandle = (await look.prefill(prompt)).sequence;
    if (maxTokens === 0) {
      root.finish = 'length';
      await scoreNodes([root], [false]);
    }
    let beam: Node[] = [root];
    const ids: number[] = [];
    for (let position = 0; beam.some((n) => n.finish === undefined); position++) {
      throwIfAborted(options.signal);
      // 1. Actions: the top-k allowed tokens of every live prefix; finished prefixes compete as they are.
      const candidates: Node[] = [];
      /** The candidates made at this position (the others were scored before). */
      const fresh: Node[] = [];
      for (const parent of beam) {
        if (parent.finish !== undefined) {
          candidates.push(parent);
          continue;
        }
        if (top.select(parent.row!, condition, parent.state, topK, ids) === 0) {
          parent.finish = 'dead';
          parent.score = -Infinity;
          candidates.push(parent);
          continue;
        }
        for (const token of ids) {
          const logProb = parent.logProb + parent.row![token];
          if (token === eos) {
            const done = node(parent.tokens, parent.state, logProb, parent, token);
            done.finish = 'stop';
            candidates.push(done);
            fresh.push(done);
          } else {
            const grown = node([...parent.tokens, token], condition === undefined ? undefined : condition.extend(parent.state, token), logProb, parent, token);
            if (grown.tokens.length >= maxTokens) grown.finish = 'length';
            candidates.push(grown);
            fresh.push(grown);
            generated++;
          }
        }
      }

      // 2. Lookahead: one batched step appends every growing candidate's token, then l - 1 more.
      const growing = lookahead > 0 ? fresh.filter((c) => c.finish === undefined) : [];
      if (growing.length > 0) {
        const handles = growing.map((c) => look.fork(separate ? c.parent!.lookHandle! : c.parent!.handle!));
        const rows = await look.step(
          handles,
          growing.map((c) => c.token),
        );
        const starts: RolloutStart<unknown>[] = [];
        for (let i = 0; i < growing.length; i++) {
          const c = growing[i];
          // The policy's own lookahead row is the candidate's next row: no separate policy step.
          if (separate) c.lookHandle = handles[i];
          else c.handle = handles[i];
          if (!separate) c.row = rows[i].slice();
          starts.push({ handle: handles[i], row: separate ? rows[i] : c.row!, state: c.state, length: c.tokens.length });
        }
        const rollouts = await rollOut(look, starts, { condition, eosId: eos, limit: lookahead, maxTokens, choose: greedy });
        for (let i = 0; i < growing.length; i++) {
          growing[i].lookahead = rollouts[i];
          generated += rollouts[i].tokens.length;
        }
      }

      // 3. Score: log p(prefix) + lambda * reward(prefix + lookahead).
      await scoreNodes(
        fresh,
        fresh.map((c) => (c.lookahead !== undefined ? c.lookahead.end === 'cut' : c.finish === undefined)),
      );

      // 4. Keep the b best (stable: ties keep the earlier candidate, i.e. the better parent and token).
      const order = candidates.map((_, i) => i).sort((a, b) => candidates[b].score - candidates[a].score || a - b);
      const kept = new Set(order.slice(0, Math.min(beamWidth, order.length)));
      const next = order.slice(0, Math.min(beamWidth, order.length)).map((i) => candidates[i]);
      if (trace !== undefined) {
        trace.push({
          position,
          candidates: candidates.map((c, i) => ({
            tokens: c.tokens,
            finished: c.finish !== undefined,
            lookahead: c.lookahead?.tokens ?? [],
            rewardFinal: c.rewardFinal,
            logProb: c.logProb,
            reward: c.reward,
            score: c.score,
            kept: kept.has(i),
          })),
        });
      }
      for (let i = 0; i < candidates.length; i++) {
        if (!kept.has(i) || candidates[i].finish !== undefined) releaseRows(candidates[i]);
      }

      // 5. Kept prefixes without a policy row (no lookahead, or a separate lookahead model) get one now:
      // one batched policy step for all of them.
      const pending = next.filter((c) => c.finish === undefined && c.handle === undefined);
      if (pending.length > 0) {
        const handles = pending.map((c) => policy.fork(c.parent!.handle!));
        const rows = await policy.step(
          handles,
          pending.map((c) => c.token),
        );
        for (let i = 0; i < pending.length; i++) {
          pending[i].handle = handles[i];
          pending[i].row = rows[i].slice();
        }
      }
      for (const parent of beam) if (!next.includes(parent)) releaseRows(parent);
      // Parents that are still live in `next` are impossible (a live parent is replaced by its children).
      beam = next;
    }

    const best = beam[0];
    const text = run.textOf(best.tokens, best.finish === 'dead');
    if (best.finish === 'dead') {
      // Its last score included a lookahead; report the reward of the text it ends with.
      best.lookahead = undefined;
      const score = best.score;
      await scoreNodes([best], [false]);
      best.score = score;
    }
    return {
      tokens: best.tokens,
      text,
      finishReason: best.finish ?? 'dead',
      logWeight: best.score,
      logProb: best.logProb,
      reward: best.reward,
      usage: usageOf([policy, look], usage, [scorer], generated, started),
      ...(trace !== undefined ? { trace } : {}),
    };
  } finally {
    policy.releaseAll();
    look.releaseAll();
  }

  /** Scores nodes (prefix + lookahead) and sets their search scores. */
  async function scoreNodes(nodes: readonly Node[], partial: readonly boolean[]): Promise<void> {
    const texts = nodes.map((c, i) => run.textOf(c.lookahead === undefined ? c.tokens : [...c.tokens, ...c.lookahead.tokens], partial[i]));
    const rewards = await scorer.score(texts, partial);
    for (let i = 0; i < nodes.length; i++) {
      const c = nodes[i];
      c.reward = rewards[i];
      c.rewardFinal = !partial[i];
      c.score = c.logProb + lambda * rewards[i];
      // A lookahead that found no allowed token at all proves the candidate a dead end: no valid output.
      if (Number.isNaN(c.score) || (c.lookahead?.end === 'dead' && c.lookahead.tokens.length === 0)) c.score = -Infinity;
    }
  }

  function releaseRows(n: Node): void {
    if (n.handle !== undefined) policy.release(n.handle);
    if (n.lookHandle !== undefined) look.release(n.lookHandle);
    n.handle = undefined;
    n.lookHandle = undefined;
    n.row = undefined;
  }
}

function node(tokens: number[], state: unknown, logProb: number, parent: Node | undefined, token: number): Node {
  return {
    tokens,
    state,
    logProb,
    finish: undefined,
    score: -Infinity,
    reward: 0,
    rewardFinal: false,
    parent,
    token,
    handle: undefined,
    row: undefined,
    lookHandle: undefined,
    lookahead: undefined,
  };
}
