import { InputError, throwIfAborted } from '../../errors.js';
import { scoreTexts, type Reward, type RewardCall } from './reward.js';

export interface WeightedTerm {
  readonly reward: Reward;
  /** Default weight (a call's `weights` may override it by the term's name). */
  readonly weight: number;
  /** Key of the term in per-call weights; default: the reward's name. */
  readonly name?: string;
}

/**
 * sum_i w_i * r_i(text): several rewards as one. Weights are set per term and may be changed for one
 * call through `RewardCall.weights` (keyed by term name), so one set of rewards serves requests that
 * weigh them differently without rebuilding anything (a reward model stays loaded). A term of weight
 * 0 is not computed at all. Each term scores all texts in one batched call; terms run concurrently.
 */
export function weightedSum(terms: readonly WeightedTerm[], options: { readonly name?: string } = {}): Reward {
  const where = 'weightedSum';
  if (terms.length === 0) throw new InputError('needs at least one term', { where });
  const names = new Set<string>();
  for (const term of terms) {
    const name = term.name ?? term.reward.name;
    if (names.has(name)) throw new InputError(`two terms are named "${name}": give one a distinct \`name\``, { where });
    names.add(name);
    checkWeight(term.weight, name);
  }
  const name = options.name ?? `sum(${terms.map((t) => `${t.weight}*${t.name ?? t.reward.name}`).join('+')})`;
  return {
    name,
    async score(texts: readonly string[], call: RewardCall = {}): Promise<number[]> {
      throwIfAborted(call.signal);
      const weights = call.weights ?? {};
      for (const key of Object.keys(weights)) {
        if (!names.has(key)) throw new InputError(`per-call weight for "${key}", which is not a term (terms: ${[...names].join(', ')})`, { where: name });
        checkWeight(weights[key], key);
      }
      // Terms see the call without the weights: those belong to this sum.
      const inner: RewardCall = { partial: call.partial, prompt: call.prompt, signal: call.signal };
      const active = terms
        .map((term) => ({ term, weight: weights[term.name ?? term.reward.name] ?? term.weight }))
        .filter((t) => t.weight !== 0);
      const parts = await Promise.all(active.map((t) => scoreTexts(t.term.reward, texts, inner)));
      const out = new Array<number>(texts.length).fill(0);
      for (let k = 0; k < active.length; k++) {
        const w = active[k].weight;
        const scores = parts[k];
        for (let i = 0; i < out.length; i++) out[i] += w * scores[i];
      }
      return out;
    },
  };
}

function checkWeight(weight: number, name: string): void {
  if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new InputError(`weight of "${name}" must be a finite number, got ${weight}`, { where: 'weightedSum' });
}
