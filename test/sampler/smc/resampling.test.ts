import { describe, expect, it } from 'vitest';
import { enumeratePaths } from '../../../src/sampler/enumerate-paths.js';
import { SeededRandom } from '../../../src/sampler/random.js';
import { effectiveSampleSize, logMeanExp, resample, RESAMPLING_SCHEMES } from '../../../src/sampler/smc/resampling.js';

function normalisedWeights(seed: number, n: number): Float64Array {
  const r = new SeededRandom(seed);
  const w = Float64Array.from({ length: n }, () => (r.uniform() < 0.2 ? 0 : r.uniform()));
  if (w.every((x) => x === 0)) w[0] = 1;
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
}

describe('resampling schemes', () => {
  for (const scheme of RESAMPLING_SCHEMES) {
    it(`${scheme}: every particle is copied N w_i times in expectation (enumerated)`, async () => {
      for (let seed = 1; seed <= 12; seed++) {
        const n = 2 + (seed % 3);
        const weights = normalisedWeights(seed, n);
        const paths = await enumeratePaths((random) => {
          const ancestors = new Int32Array(n);
          resample(weights, scheme, random, ancestors);
          return Array.from(ancestors);
        });
        const copies = new Float64Array(n);
        for (const p of paths) for (const a of p.value) copies[a] += p.probability;
        for (let i = 0; i < n; i++) expect(Math.abs(copies[i] - n * weights[i])).toBeLessThan(1e-12);
        for (const p of paths) for (const a of p.value) expect(weights[a]).toBeGreaterThan(0);
        if (scheme === 'systematic') {
          // Systematic resampling copies particle i floor(N w_i) or ceil(N w_i) times.
          for (const p of paths) {
            for (let i = 0; i < n; i++) {
              const k = p.value.filter((a) => a === i).length;
              expect(k >= Math.floor(n * weights[i] - 1e-9) && k <= Math.ceil(n * weights[i] + 1e-9)).toBe(true);
            }
          }
        }
      }
    });
  }

  it('effective sample size and log-mean-exp', () => {
    expect(effectiveSampleSize([0, 0, 0, 0])).toBeCloseTo(4, 12);
    expect(effectiveSampleSize([0, -Infinity, -Infinity])).toBeCloseTo(1, 12);
    expect(effectiveSampleSize([-Infinity, -Infinity])).toBe(0);
    expect(effectiveSampleSize([-1000, -1000 + Math.log(3)])).toBeCloseTo(16 / 10, 12);
    expect(logMeanExp([-1000, -1000 + Math.log(3)])).toBeCloseTo(-1000 + Math.log(2), 12);
    expect(logMeanExp([-Infinity, -Infinity])).toBe(-Infinity);
  });
});
