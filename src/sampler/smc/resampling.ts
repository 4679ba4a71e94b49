import { InputError } from '../../errors.js';
import { WeightsDiscrete, type Discrete, type Random } from '../random.js';

/**
 * Resampling schemes for SMC. All three are unbiased (each particle is copied N w_i times in
 * expectation); stratified and systematic have lower variance than multinomial.
 *
 * Stratified and systematic are usually written with continuous uniforms; here each one is the
 * discrete choice it really is (which cumulative interval a point falls in), so that the path
 * enumerator can take every resampling outcome with its exact probability.
 */
export type ResamplingScheme = 'stratified' | 'systematic' | 'multinomial';

export const RESAMPLING_SCHEMES: readonly ResamplingScheme[] = ['stratified', 'systematic', 'multinomial'];

/**
 * Writes N ancestor indices into `ancestors` for normalised weights `weights` (sum 1; N =
 * weights.length).
 */
export function resample(weights: Float64Array, scheme: ResamplingScheme, random: Random, ancestors: Int32Array): void {
  const n = weights.length;
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let j = 0; j < n; j++) cumulative[j] = sum += weights[j];
  for (let j = 0; j < n; j++) cumulative[j] /= sum;
  cumulative[n - 1] = 1;
  switch (scheme) {
    case 'multinomial': {
      const d = new WeightsDiscrete(weights);
      for (let i = 0; i < n; i++) ancestors[i] = random.choose(d);
      return;
    }
    case 'stratified':
      // Point i is uniform in [i/N, (i+1)/N): its ancestor is the interval of the cumulative
      // distribution it lands in, with probability N * (overlap of that interval with the stratum).
      for (let i = 0; i < n; i++) ancestors[i] = random.choose(new Stratum(cumulative, i / n, (i + 1) / n));
      return;
    case 'systematic': {
      // One offset u in [0, 1/N) for all points i/N + u. The ancestor vector only changes where a point
      // crosses a cumulative boundary, so u is chosen among the pieces between those crossings.
      const breaks = [0];
      for (let j = 0; j < n - 1; j++) {
        const i = Math.floor(cumulative[j] * n);
        const u = cumulative[j] - i / n;
        if (u > 0 && u < 1 / n) breaks.push(u);
      }
      breaks.sort((a, b) => a - b);
      breaks.push(1 / n);
      const lengths = new Float64Array(breaks.length - 1);
      for (let k = 0; k < lengths.length; k++) lengths[k] = breaks[k + 1] - breaks[k];
      const piece = random.choose(new WeightsDiscrete(lengths));
      const u = (breaks[piece] + breaks[piece + 1]) / 2;
      let j = 0;
      for (let i = 0; i < n; i++) {
        const position = i / n + u;
        while (j < n - 1 && !(position < cumulative[j])) j++;
        ancestors[i] = j;
      }
      return;
    }
    default:
      throw new InputError(`unknown resampling scheme "${scheme as string}" (use ${RESAMPLING_SCHEMES.join(', ')})`, { where: 'smc' });
  }
}

/** The ancestor of a stratified point uniform in [low, high). */
class Stratum implements Discrete {
  readonly size: number;

  constructor(
    private readonly cumulative: Float64Array,
    private readonly low: number,
    private readonly high: number,
  ) {
    this.size = cumulative.length;
  }

  total(): number {
    return this.high - this.low;
  }

  weight(j: number): number {
    const start = j === 0 ? 0 : this.cumulative[j - 1];
    const end = this.cumulative[j];
    return Math.max(0, Math.min(this.high, end) - Math.max(this.low, start));
  }

  locate(target: number): number {
    const position = this.low + target;
    for (let j = 0; j < this.size; j++) if (position < this.cumulative[j] && this.weight(j) > 0) return j;
    for (let j = this.size - 1; j >= 0; j--) if (this.weight(j) > 0) return j;
    throw new RangeError('empty stratum');
  }
}

/** Effective sample size (sum w)^2 / sum w^2 of log weights; 0 when every weight is zero. */
export function effectiveSampleSize(logWeights: ArrayLike<number>): number {
  const max = maxOf(logWeights);
  if (max === -Infinity) return 0;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < logWeights.length; i++) {
    const w = Math.exp(logWeights[i] - max);
    sum += w;
    squares += w * w;
  }
  return (sum * sum) / squares;
}

/** log of the mean of exp(logWeights): the SMC estimate of log Z, and the weight after resampling. */
export function logMeanExp(logWeights: ArrayLike<number>): number {
  const max = maxOf(logWeights);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < logWeights.length; i++) sum += Math.exp(logWeights[i] - max);
  return max + Math.log(sum / logWeights.length);
}

function maxOf(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}
