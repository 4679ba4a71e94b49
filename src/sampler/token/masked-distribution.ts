import type { Discrete } from '../random.js';

const FULL_WORD = 0xffffffff;
/**
 * Allowed masses at least this large are summed at scale 1 (exp(logp) directly, log-probabilities
 * being <= 0): the terms that underflow then weigh < 1e-20 of it all together. Smaller ones are
 * summed again at the scale of the largest allowed log-probability, so that even an allowed mass of
 * 1e-400 keeps its digits.
 */
const MIN_UNSHIFTED_SUM = 1e-280;

/**
 * The decoder's distribution restricted to a bitset of token ids, as a Discrete: weights
 * exp(logp - shift), log Z = shift + log(total). Loading is one pass over the mask, 32 ids per word
 * and zero words skipped, exponentiating only the allowed ids and keeping one partial sum per word;
 * a draw scans the word sums and re-exponentiates within one word (O(V/32), no per-id array).
 */
export class MaskedDistribution implements Discrete {
  size = 0;
  /** log of the factor the weights are scaled by: the allowed mass is exp(shift) * total(). */
  shift = 0;
  private sum = 0;
  private wordSums: Float64Array;
  private logProbs: Float64Array = new Float64Array(0);
  private bits: Uint32Array = new Uint32Array(0);

  constructor(capacity: number) {
    this.wordSums = new Float64Array((capacity + 31) >>> 5);
  }

  /** Restricts `logProbs` to the set bits of `bits` (both kept by reference until the next load). */
  load(logProbs: Float64Array, bits: Uint32Array): void {
    const size = logProbs.length;
    const words = (size + 31) >>> 5;
    if (this.wordSums.length < words) this.wordSums = new Float64Array(words);
    this.size = size;
    this.logProbs = logProbs;
    this.bits = bits;
    let sum = this.sumWords(0);
    this.shift = 0;
    if (!(sum >= MIN_UNSHIFTED_SUM && sum < Infinity)) {
      const max = this.largest();
      this.shift = max;
      sum = max > -Infinity ? this.sumWords(max) : 0;
    }
    this.sum = sum;
  }

  /** log of the allowed probability mass (-Infinity when nothing allowed has probability). */
  logMass(): number {
    return this.sum > 0 ? this.shift + Math.log(this.sum) : -Infinity;
  }

  total(): number {
    return this.sum;
  }

  weight(id: number): number {
    if (id >= this.size || (this.bits[id >>> 5] & (1 << (id & 31))) === 0) return 0;
    return Math.exp(this.logProbs[id] - this.shift);
  }

  locate(target: number): number {
    const { wordSums, bits, logProbs, shift, size } = this;
    const words = (size + 31) >>> 5;
    let w = 0;
    let lastWord = -1;
    for (; w < words; w++) {
      const s = wordSums[w];
      if (s > 0) {
        if (target < s) break;
        target -= s;
        lastWord = w;
      }
    }
    // Rounding can leave `target` past the last word: take the last word with mass.
    if (w === words) {
      if (lastWord < 0) throw new RangeError('cannot draw from an empty masked distribution');
      w = lastWord;
      target = wordSums[w];
    }
    let x = bits[w];
    let last = -1;
    while (x !== 0) {
      const low = x & -x;
      const id = (w << 5) + 31 - Math.clz32(low);
      x ^= low;
      if (id >= size) break;
      const p = Math.exp(logProbs[id] - shift);
      if (p > 0) {
        if (target < p) return id;
        target -= p;
        last = id;
      }
    }
    return last;
  }

  /** Sums exp(logp - shift) over the allowed ids into the word sums; returns the total. */
  private sumWords(shift: number): number {
    const { logProbs, bits, wordSums, size } = this;
    const words = (size + 31) >>> 5;
    let total = 0;
    for (let w = 0; w < words; w++) {
      let x = bits[w];
      if (x === 0) {
        wordSums[w] = 0;
        continue;
      }
      const base = w << 5;
      let s = 0;
      if (x === FULL_WORD && base + 32 <= size) {
        for (let i = base, end = base + 32; i < end; i++) s += Math.exp(logProbs[i] - shift);
      } else {
        while (x !== 0) {
          const low = x & -x;
          const id = base + 31 - Math.clz32(low);
          x ^= low;
          if (id < size) s += Math.exp(logProbs[id] - shift);
        }
      }
      wordSums[w] = s;
      total += s;
    }
    return total;
  }

  private largest(): number {
    const { logProbs, bits, size } = this;
    const words = (size + 31) >>> 5;
    let max = -Infinity;
    for (let w = 0; w < words; w++) {
      let x = bits[w];
      while (x !== 0) {
        const low = x & -x;
        const id = (w << 5) + 31 - Math.clz32(low);
        x ^= low;
        if (id < size && logProbs[id] > max) max = logProbs[id];
      }
    }
    return max;
  }
}
