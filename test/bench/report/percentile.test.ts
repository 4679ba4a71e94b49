import { describe, expect, it } from 'vitest';

import { quantileSorted, roundDistribution, summarize } from '../../../bench/report/percentile.js';

describe('quantileSorted (linear interpolation, numpy default)', () => {
  it('interpolates between the two nearest ranks', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    // numpy.percentile(range(1, 11), 90) == 9.1
    expect(quantileSorted(Float64Array.from({ length: 10 }, (_, i) => i + 1), 0.9)).toBeCloseTo(9.1, 12);
  });

  it('gives the tail percentiles MaskBench reports', () => {
    const thousand = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    // position = 0.999 * 999 = 998.001 -> 999 + 0.001
    expect(quantileSorted(thousand, 0.999)).toBeCloseTo(999.001, 9);
    expect(quantileSorted(thousand, 0.99)).toBeCloseTo(990.01, 9);
  });

  it('is NaN without values and refuses q outside [0, 1]', () => {
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(() => quantileSorted([1], 1.5)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('computes every field on unsorted input without reordering it', () => {
    const values = [5, 1, 4, 2, 3];
    const summary = summarize(values);
    expect(values).toEqual([5, 1, 4, 2, 3]);
    expect(summary).toEqual({ count: 5, p50: 3, p90: 4.6, p99: 4.96, p999: 4.996, max: 5, mean: 3 });
  });

  it('reports NaN (null in JSON), never zero, for an empty sample', () => {
    const summary = summarize([]);
    expect(summary.count).toBe(0);
    expect(summary.p50).toBeNaN();
    expect(JSON.parse(JSON.stringify(summary))).toEqual({ count: 0, p50: null, p90: null, p99: null, p999: null, max: null, mean: null });
  });

  it('rounds for printing without touching the count', () => {
    expect(roundDistribution({ count: 3, p50: 1.23456, p90: 2, p99: 3, p999: 4, max: 5.55555, mean: Number.NaN }, 2)).toEqual({
      count: 3,
      p50: 1.23,
      p90: 2,
      p99: 3,
      p999: 4,
      max: 5.56,
      mean: Number.NaN,
    });
  });
});
