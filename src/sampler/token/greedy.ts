import { allowsToken, type Potential } from '../potential/potential.js';
import type { Random } from '../random.js';
import { candidateMask, newMask } from './candidate-mask.js';
import { setDead, type SamplerUsage, type TokenDraw, type TokenSampler } from './token-sampler.js';

/**
 * The most likely allowed token (ties: the lowest id). Not a sampler in the statistical sense: its
 * "weight" is the token's log-probability, so a greedy run's logWeight is the log-probability of the
 * sequence. A superset mask is resolved by checking the best candidate and dropping it if refused.
 */
export class GreedySampler implements TokenSampler {
  readonly name = 'greedy';
  private readonly bits: Uint32Array;

  constructor(
    readonly vocabSize: number,
    private readonly usage: SamplerUsage,
  ) {
    this.bits = newMask(vocabSize);
  }

  draw<S>(logProbs: Float64Array, condition: Potential<S> | undefined, state: S, _random: Random, out: TokenDraw): void {
    const bits = this.bits;
    const exact = candidateMask(condition, state, logProbs.length, bits, () => this.usage.masks++);
    const size = logProbs.length;
    for (;;) {
      let best = -1;
      let bestLogp = -Infinity;
      for (let w = 0; w < bits.length; w++) {
        let x = bits[w];
        if (x === 0) continue;
        const base = w << 5;
        if (x === 0xffffffff && base + 32 <= size) {
          for (let id = base, end = base + 32; id < end; id++) {
            if (logProbs[id] > bestLogp) {
              bestLogp = logProbs[id];
              best = id;
            }
          }
          continue;
        }
        while (x !== 0) {
          const low = x & -x;
          const id = base + 31 - Math.clz32(low);
          x ^= low;
          if (id < size && logProbs[id] > bestLogp) {
            bestLogp = logProbs[id];
            best = id;
          }
        }
      }
      if (best < 0) return setDead(out);
      if (!exact && condition !== undefined) {
        this.usage.constraintChecks++;
        if (!allowsToken(condition, state, best)) {
          bits[best >>> 5] &= ~(1 << (best & 31));
          continue;
        }
      }
      out.token = best;
      out.logWeight = bestLogp;
      return;
    }
  }
}
