import type { Discrete } from '../random.js';

/**
 * The decoder's distribution restricted to a bitset of token ids, as a Discrete: weights
 * exp(logp - shift) with shift = the largest allowed log-probability, so that even an allowed mass
 * of 1e-400 (every allowed token underflows exp(logp)) keeps its digits: log Z = shift + log(sum).
 * Probabilities are computed once per load and cached for the draw.
 */
export class MaskedDistribution implements Discrete {
  size = 0;
  /** log of the factor the weights are scaled by: the allowed mass is exp(shift) * total(). */
  shift = -Infinity;
  private sum = 0;
  private probs: Float64Array;
  private bits: Uint32Array = new Uint32Array(0);

  constructor(capacity: number) {
    this.probs = new Float64Array(capacity);
  }

  /** Restricts `logProbs` to the set bits of `bits` (kept by reference until the next load). */
  load(logProbs: Float64Array, bits: Uint32Array): void {
    const size = logProbs.length;
    if (this.probs.length < size) this.probs = new Float64Array(size);
    this.size = size;
    this.bits = bits;
    let shift = -Infinity;
    for (let w = 0; w < bits.length; w++) {
      let x = bits[w];
      while (x !== 0) {
        const low = x & -x;
        const id = (w << 5) + 31 - Math.clz32(low);
        x ^= low;
        if (id < size && logProbs[id] > shift) shift = logProbs[id];
      }
    }
    this.shift = shift;
    let sum = 0;
    if (shift > -Infinity) {
      const probs = this.probs;
      for (let w = 0; w < bits.length; w++) {
        let x = bits[w];
        while (x !== 0) {
          const low = x & -x;
          const id = (w << 5) + 31 - Math.clz32(low);
          x ^= low;
          if (id < size) {
            const p = Math.exp(logProbs[id] - shift);
            probs[id] = p;
            sum += p;
          }
        }
      }
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
    return id < this.size && (this.bits[id >>> 5] & (1 << (id & 31))) !== 0 ? this.probs[id] : 0;
  }

  locate(target: number): number {
    const bits = this.bits;
    let last = -1;
    for (let w = 0; w < bits.length; w++) {
      let x = bits[w];
      while (x !== 0) {
        const low = x & -x;
        const id = (w << 5) + 31 - Math.clz32(low);
        x ^= low;
        if (id >= this.size) continue;
        const p = this.probs[id];
        if (p > 0) {
          if (target < p) return id;
          target -= p;
          last = id;
        }
      }
    }
    if (last < 0) throw new RangeError('cannot draw from an empty masked distribution');
    return last;
  }
}
