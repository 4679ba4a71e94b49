import { allowsToken, type Potential } from '../potential/potential.js';
import { candidateMask, newMask } from '../token/candidate-mask.js';
import type { SamplerUsage } from '../token/token-sampler.js';

/** Up to this k, candidates are kept by insertion into a short sorted list; beyond it, sorted once. */
const INSERTION_LIMIT = 32;

/**
 * The actions of a search step: the k most likely tokens that the condition allows, AFTER the mask
 * (so a constraint never loses its best valid tokens to invalid ones), most likely first, ties to the
 * lower id (as argmax), tokens of probability zero left out. With k = 1 it is constrained greedy.
 *
 * When the condition's mask is only a superset (fuel ran out, predicates without masks), the chosen
 * tokens are confirmed with `allows` and a refused one is replaced by the next best.
 */
export class TopAllowed {
  private readonly bits: Uint32Array;
  private readonly ids: number[] = [];

  constructor(
    readonly vocabSize: number,
    private readonly usage: SamplerUsage,
  ) {
    this.bits = newMask(vocabSize);
  }

  /** Writes the chosen ids into `out` (cleared first) and returns how many there are. */
  select<S>(logProbs: Float64Array, condition: Potential<S> | undefined, state: S, k: number, out: number[]): number {
    const bits = this.bits;
    const exact = candidateMask(condition, state, logProbs.length, bits, () => this.usage.masks++);
    const support = condition?.support;
    if (!exact && support !== undefined) for (let w = 0; w < bits.length; w++) bits[w] &= support[w];
    for (;;) {
      this.best(logProbs, bits, k, out);
      if (exact || condition === undefined) return out.length;
      let refused = false;
      for (const id of out) {
        this.usage.constraintChecks++;
        if (!allowsToken(condition, state, id)) {
          bits[id >>> 5] &= ~(1 << (id & 31));
          refused = true;
        }
      }
      if (!refused) return out.length;
    }
  }

  private best(logProbs: Float64Array, bits: Uint32Array, k: number, out: number[]): void {
    out.length = 0;
    const size = logProbs.length;
    if (k > INSERTION_LIMIT) {
      const ids = this.ids;
      ids.length = 0;
      forEachSet(bits, size, (id) => {
        if (logProbs[id] > -Infinity) ids.push(id);
      });
      ids.sort((a, b) => logProbs[b] - logProbs[a] || a - b);
      for (let i = 0; i < ids.length && i < k; i++) out.push(ids[i]);
      return;
    }
    forEachSet(bits, size, (id) => {
      const lp = logProbs[id];
      if (!(lp > -Infinity)) return;
      if (out.length === k && !(lp > logProbs[out[k - 1]])) return;
      // Ids arrive in increasing order, so inserting after equal log-probabilities keeps ties by id.
      let j = out.length < k ? out.length : k - 1;
      while (j > 0 && lp > logProbs[out[j - 1]]) {
        out[j] = out[j - 1];
        j--;
      }
      out[j] = id;
    });
  }
}

function forEachSet(bits: Uint32Array, size: number, visit: (id: number) => void): void {
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w];
    while (x !== 0) {
      const low = x & -x;
      const id = (w << 5) + 31 - Math.clz32(low);
      x ^= low;
      if (id < size) visit(id);
    }
  }
}
