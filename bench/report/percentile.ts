/**
 * Latency and size distributions in the one shape every formwork benchmark prints, so our figures and a
 * peer's line up field by field.
 */
export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  /** The 99.9th percentile: one mask in a thousand is slower (MaskBench's tail figure). */
  p999: number;
  max: number;
  mean: number;
}

/**
 * The q-quantile (0 <= q <= 1) of ascending `sorted` values, interpolating linearly between the two
 * nearest ranks (numpy's default, Hyndman-Fan type 7), so p50 of [1, 2, 3, 4] is 2.5 and results agree
 * with the pandas/numpy scripts that produced MaskBench's published tables. NaN for no values.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  const position = q * (n - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, n - 1);
  const fraction = position - lower;
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}

/** Sorts a copy of `values` (the caller's array is left as is) into a Float64Array. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const copy = Float64Array.from(values);
  copy.sort();
  return copy;
}

/**
 * p50/p90/p99/p99.9/max/mean of `values`. All fields are NaN (printed as null in JSON) when there are no
 * values: a zero would read as "instantaneous".
 */
export function summarize(values: ArrayLike<number>): Distribution {
  const sorted = sortedCopy(values);
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    count: sorted.length,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    p999: quantileSorted(sorted, 0.999),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/** Rounds every field of a distribution to `digits` decimals, for printing (count stays exact). */
export function roundDistribution(distribution: Distribution, digits: number): Distribution {
  const scale = 10 ** digits;
  const round = (value: number): number => (Number.isFinite(value) ? Math.round(value * scale) / scale : value);
  return {
    count: distribution.count,
    p50: round(distribution.p50),
    p90: round(distribution.p90),
    p99: round(distribution.p99),
    p999: round(distribution.p999),
    max: round(distribution.max),
    mean: round(distribution.mean),
  };
}
