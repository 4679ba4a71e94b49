import { InputError, throwIfAborted } from '../../errors.js';

/**
 * A reward scores decoded text: how good an output is by the user's own measure (keywords covered,
 * length, validity, executability, a reward model). Search (DeAL, Transfer Q*, best-of-N) maximises
 * it on top of the model's log-probability; constraints stay hard and are never traded for reward.
 *
 * Rewards are batched, because search scores many candidates per token position and a reward model
 * runs them in one forward pass, and come in two variants:
 * - final (the default): `texts` are finished outputs;
 * - partial: `texts` are unfinished prefixes that may still continue. The score is then an estimate
 *   of the final reward of their completions; each reward documents its estimate (validity rewards
 *   answer "can a completion still be valid", coverage rewards score what is there so far).
 *
 * A reward must be a deterministic function of (text, call): search caches scores within a run.
 */
export interface Reward {
  /** Names the reward in weighted sums (per-call weights are keyed by it), reports and errors. */
  readonly name: string;
  /** One score per text, in order: a number, or -Infinity to reject the text outright. */
  score(texts: readonly string[], call?: RewardCall): Promise<number[]>;
}

export interface RewardCall {
  /** true: the texts are unfinished prefixes (see Reward). Default false. */
  readonly partial?: boolean;
  /** The prompt the texts answer, for rewards that judge the pair (reward models). */
  readonly prompt?: string;
  /** Weights of a weighted sum's terms for this call only, by term name (see weightedSum). */
  readonly weights?: Readonly<Record<string, number>>;
  readonly signal?: AbortSignal;
}

/** A score for one text; may be async (a remote judge) or sync (a regex). */
export type TextScore = (text: string, call: RewardCall) => number | Promise<number>;

/**
 * A reward from per-text functions: `final` scores finished outputs, `partial` unfinished prefixes
 * (default: `final`, i.e. a prefix is scored as if it ended there).
 */
export function textReward(name: string, score: { readonly final: TextScore; readonly partial?: TextScore }): Reward {
  if (typeof name !== 'string' || name === '') throw new InputError('a reward needs a non-empty name', { where: 'textReward' });
  const final = score.final;
  const partial = score.partial ?? final;
  return {
    name,
    async score(texts: readonly string[], call: RewardCall = {}): Promise<number[]> {
      throwIfAborted(call.signal);
      const f = call.partial ? partial : final;
      const out = new Array<number>(texts.length);
      for (let i = 0; i < texts.length; i++) out[i] = await f(texts[i], call);
      return out;
    },
  };
}

/**
 * Calls `reward.score` and checks its answer: one finite number per text. A reward that returns the
 * wrong count or NaN would silently corrupt a search, so it is an error naming the reward.
 */
export async function scoreTexts(reward: Reward, texts: readonly string[], call: RewardCall = {}): Promise<number[]> {
  if (texts.length === 0) return [];
  const scores = await reward.score(texts, call);
  if (!Array.isArray(scores) || scores.length !== texts.length) {
    throw new InputError(`returned ${Array.isArray(scores) ? scores.length : typeof scores} scores for ${texts.length} texts`, {
      where: `reward "${reward.name}"`,
    });
  }
  for (let i = 0; i < scores.length; i++) {
    if (typeof scores[i] !== 'number' || Number.isNaN(scores[i]) || scores[i] === Infinity) {
      throw new InputError(`score ${scores[i]} for text ${JSON.stringify(texts[i].slice(0, 80))} is not a number below +Infinity`, {
        where: `reward "${reward.name}"`,
      });
    }
  }
  return scores;
}
