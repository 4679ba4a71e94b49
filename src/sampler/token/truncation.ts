import { InputError } from '../../errors.js';

/** Top-k / nucleus (top-p) truncation of the candidates of a draw. */
export interface Truncation {
  /** Keep the k most likely candidates (ties at the boundary are all kept). */
  readonly topK?: number;
  /** Keep the smallest set of most likely candidates holding at least this share of their mass. */
  readonly topP?: number;
}

export function checkTruncation(truncation: Truncation, where: string): void {
  const { topK, topP } = truncation;
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) throw new InputError(`topK must be an integer >= 1, got ${topK}`, { where });
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new InputError(`topP must be in (0, 1], got ${topP}`, { where });
}

export function truncates(truncation: Truncation): boolean {
  return truncation.topK !== undefined || (truncation.topP !== undefined && truncation.topP < 1);
}

/**
 * Clears from `bits` every candidate whose log-probability is below the truncation threshold. The
 * threshold is found by sorting the candidates' log-probabilities (a native Float64Array sort, no
 * comparator: ~10x faster than sorting ids by key) and walking down from the most likely.
 */
export function truncate(logProbs: Float64Array, bits: Uint32Array, truncation: Truncation, scratch: Float64Array): void {
  let n = 0;
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w];
    while (x !== 0) {
      const low = x & -x;
      const id = (w << 5) + 31 - Math.clz32(low);
      x ^= low;
      if (id < logProbs.length && logProbs[id] > -Infinity) scratch[n++] = logProbs[id];
    }
  }
  if (n === 0) return;
  const sorted = scratch.subarray(0, n).sort();
  let threshold = -Infinity;
  if (truncation.topK !== undefined && truncation.topK < n) threshold = sorted[n - truncation.topK];
  if (truncation.topP !== undefined && truncation.topP < 1) {
    const top = sorted[n - 1];
    let total = 0;
    for (let i = 0; i < n; i++) total += Math.exp(sorted[i] - top);
    const goal = truncation.topP * total;
    let mass = 0;
    for (let i = n - 1; i >= 0; i--) {
      mass += Math.exp(sorted[i] - top);
      if (mass >= goal) {
        if (sorted[i] > threshold) threshold = sorted[i];
        break;
      }
    }
  }
  if (threshold === -Infinity) return;
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w];
    while (x !== 0) {
      const low = x & -x;
      const id = (w << 5) + 31 - Math.clz32(low);
      x ^= low;
      if (!(logProbs[id] >= threshold)) bits[w] &= ~low;
    }
  }
}
