import { InputError } from '../errors.js';

/**
 * A discrete distribution over the outcomes 0..size-1, given by unnormalised weights. Every random
 * decision a sampler makes is one `Random.choose` over a Discrete, so the same code runs on a seeded
 * PRNG (which calls `locate`) and under `enumeratePaths` (which reads `weight` and forks on every
 * outcome with its exact probability). That is what lets the tests prove proper weighting exactly.
 */
export interface Discrete {
  /** Number of outcomes; Infinity for a countable distribution (geometric counts). */
  readonly size: number;
  /** Sum of all weights (need not be 1). */
  total(): number;
  /** Unnormalised weight of outcome `i` (0 for outcomes that never occur). */
  weight(i: number): number;
  /**
   * The outcome whose cumulative-weight interval [W(i-1), W(i)) holds `target`, for target in
   * [0, total()). Must return an outcome of positive weight even when rounding puts `target` at the
   * very end (inverse-CDF sampling).
   */
  locate(target: number): number;
  /**
   * P(outcome >= i) * total(), in closed form; required when size is Infinity (the path enumerator
   * stops listing outcomes where it falls below its tolerance, which a running sum of weights cannot
   * tell reliably once rounding makes the weights sum to slightly less than the total).
   */
  tail?(i: number): number;
}

/** The one source of randomness of every sampler: all discrete draws go through `choose`. */
export interface Random {
  choose(distribution: Discrete): number;
}

/**
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32: fast, 128-bit state, identical streams
 * on every platform, so a seed reproduces a run exactly.
 */
export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new InputError(`seed must be a finite number, got ${seed}`, { where: 'SeededRandom' });
    let s = (Math.trunc(seed) ^ Math.trunc(seed / 0x100000000)) >>> 0;
    const next = (): number => {
      // splitmix32: spreads any seed (0 included) over the state words.
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** 32 random bits. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  choose(distribution: Discrete): number {
    return distribution.locate(this.uniform() * distribution.total());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A Discrete over the first `count` entries of a weight array (linear inverse CDF). */
export class WeightsDiscrete implements Discrete {
  private sum: number;

  constructor(
    private readonly weights: ArrayLike<number>,
    readonly size: number = weights.length,
  ) {
    let sum = 0;
    for (let i = 0; i < size; i++) sum += weights[i];
    this.sum = sum;
  }

  total(): number {
    return this.sum;
  }

  weight(i: number): number {
    return this.weights[i];
  }

  locate(target: number): number {
    let last = -1;
    for (let i = 0; i < this.size; i++) {
      const w = this.weights[i];
      if (w > 0) {
        if (target < w) return i;
        target -= w;
        last = i;
      }
    }
    if (last < 0) throw new RangeError('cannot draw from a distribution whose weights are all zero');
    return last;
  }
}

/**
 * The number of failures before the first success of independent trials, capped: outcome j < cap has
 * weight fail^j * stop, outcome `cap` stands for "cap or more" (weight fail^cap). `fail` and `stop`
 * are passed separately (they sum to 1) so that neither is computed as `1 - x` by the caller.
 */
export class GeometricDiscrete implements Discrete {
  readonly size: number;

  constructor(
    readonly fail: number,
    readonly stop: number,
    readonly cap: number = Infinity,
  ) {
    if (!(fail >= 0 && stop > 0)) throw new RangeError(`geometric needs fail >= 0 and stop > 0, got ${fail}, ${stop}`);
    this.size = cap + 1;
  }

  total(): number {
    return this.fail + this.stop;
  }

  weight(j: number): number {
    if (j > this.cap) return 0;
    if (j === this.cap) return this.fail ** j;
    return this.fail ** j * this.stop;
  }

  tail(j: number): number {
    if (j > this.cap) return 0;
    return (this.fail + this.stop) * Math.exp(j * this.logQ());
  }

  /** log of the normalised failure probability, accurate when either probability is tiny. */
  private logQ(): number {
    const total = this.fail + this.stop;
    return this.stop < 0.5 * total ? Math.log(this.fail / total) : Math.log1p(-this.stop / total);
  }

  locate(target: number): number {
    const total = this.fail + this.stop;
    if (this.fail === 0) return 0;
    // P(J >= j) = q^j with q = fail/total: J = floor(log(1 - u) / log q).
    const j = Math.floor(Math.log1p(-target / total) / this.logQ());
    if (!(j >= 0)) return 0;
    return j > this.cap ? this.cap : j;
  }
}

/**
 * The number of failures before the second success of independent trials with success probability
 * stop (negative binomial, r = 2): weight(k) = (k + 1) stop^2 fail^k. Uncapped.
 */
export class NegativeBinomial2Discrete implements Discrete {
  readonly size = Infinity;

  constructor(
    readonly fail: number,
    readonly stop: number,
  ) {
    if (!(fail >= 0 && stop > 0)) throw new RangeError(`negative binomial needs fail >= 0 and stop > 0, got ${fail}, ${stop}`);
  }

  total(): number {
    return 1;
  }

  weight(k: number): number {
    return (k + 1) * this.stop * this.stop * this.fail ** k;
  }

  tail(k: number): number {
    return k === 0 ? 1 : Math.exp(this.logSurvival(k - 1));
  }

  /** log P(K > k) = (k + 1) log fail + log(1 + (k + 1) stop). */
  private logSurvival(k: number): number {
    const total = this.fail + this.stop;
    const logQ = this.stop < 0.5 * total ? Math.log(this.fail / total) : Math.log1p(-this.stop / total);
    return (k + 1) * logQ + Math.log1p(((k + 1) * this.stop) / total);
  }

  locate(target: number): number {
    if (this.fail === 0) return 0;
    const logTail = Math.log1p(-target);
    // Smallest k with P(K > k) <= 1 - target: exponential then binary search (the survival decreases).
    if (this.logSurvival(0) <= logTail) return 0;
    let high = 1;
    while (this.logSurvival(high) > logTail) {
      high *= 2;
      if (high > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
    }
    let low = high / 2;
    if (high === 1) low = 0;
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (this.logSurvival(mid) > logTail) low = mid;
      else high = mid;
    }
    return high;
  }
}
