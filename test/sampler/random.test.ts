import { describe, expect, it } from 'vitest';
import { enumeratePaths, expectation } from '../../src/sampler/enumerate-paths.js';
import {
  GeometricDiscrete,
  NegativeBinomial2Discrete,
  SeededRandom,
  WeightsDiscrete,
  type Discrete,
} from '../../src/sampler/random.js';
import { SumTree } from '../../src/sampler/sum-tree.js';

/**
 * `locate` (the PRNG's path) must pick the outcome whose cumulative interval holds the target, i.e.
 * implement exactly the distribution `weight` describes (the enumerator's path).
 */
function expectLocateMatchesWeights(d: Discrete, outcomes: number, probes = 2000): void {
  const total = d.total();
  const cumulative: number[] = [];
  let sum = 0;
  for (let i = 0; i < outcomes; i++) cumulative.push((sum += d.weight(i)));
  for (let k = 0; k < probes; k++) {
    const target = ((k + 0.5) / probes) * total;
    const expected = cumulative.findIndex((c) => target < c);
    if (expected < 0) continue; // beyond the enumerated head of an infinite distribution
    const got = d.locate(target);
    // Targets within rounding of a boundary may go either way.
    const boundary = Math.min(Math.abs(target - (cumulative[expected - 1] ?? 0)), Math.abs(cumulative[expected] - target));
    if (boundary > 1e-12 * total && got !== expected) expect(got, `target ${target}`).toBe(expected);
  }
}

describe('SeededRandom', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xs);
  });

  it('gives uniforms in [0, 1) with the right mean and variance', () => {
    const r = new SeededRandom(7);
    const n = 200_000;
    let sum = 0;
    let squares = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      squares += u * u;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(squares / n - 1 / 3)).toBeLessThan(0.003);
  });

  it('draws categorical outcomes with the right frequencies (chi-square)', () => {
    const weights = [0.1, 0.2, 0, 0.3, 0.4];
    const d = new WeightsDiscrete(weights);
    const r = new SeededRandom(3);
    const n = 100_000;
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[r.choose(d)]++;
    expect(counts[2]).toBe(0);
    let chi2 = 0;
    for (let i = 0; i < 5; i++) if (weights[i] > 0) chi2 += (counts[i] - n * weights[i]) ** 2 / (n * weights[i]);
    expect(chi2).toBeLessThan(16.3); // 3 degrees of freedom, p = 0.001
  });
});

describe('Discrete distributions', () => {
  it('WeightsDiscrete locates by cumulative weight and never returns a zero-weight outcome', () => {
    const d = new WeightsDiscrete([0, 0.5, 0, 1.5, 0]);
    expectLocateMatchesWeights(d, 5);
    expect(d.locate(d.total())).toBe(3);
    expect(d.locate(0)).toBe(1);
  });

  it('GeometricDiscrete (capped and uncapped) inverts its CDF', () => {
    expectLocateMatchesWeights(new GeometricDiscrete(0.3, 0.7), 60);
    expectLocateMatchesWeights(new GeometricDiscrete(0.9, 0.1, 5), 6);
    expectLocateMatchesWeights(new GeometricDiscrete(1 - 1e-3, 1e-3), 20_000, 500);
    expect(new GeometricDiscrete(0, 1).locate(0.999)).toBe(0);
    const capped = new GeometricDiscrete(0.5, 0.5, 3);
    let sum = 0;
    for (let j = 0; j <= 3; j++) sum += capped.weight(j);
    expect(sum).toBeCloseTo(1, 15);
  });

  it('NegativeBinomial2Discrete inverts its CDF and sums to 1', () => {
    for (const stop of [0.9, 0.5, 0.05]) {
      const d = new NegativeBinomial2Discrete(1 - stop, stop);
      expectLocateMatchesWeights(d, 2000, 500);
      let sum = 0;
      for (let k = 0; k < 5000; k++) sum += d.weight(k);
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  it('SumTree locates by cumulative weight and tracks removals without cancellation', () => {
    const tree = new SumTree(4);
    const leaves = tree.load(7);
    [0.25, 0, 1, 0.5, 2, 0, 0.25].forEach((w, i) => (leaves[i] = w));
    tree.build();
    expect(tree.total()).toBe(4);
    expectLocateMatchesWeights(tree, 7);
    tree.remove(4);
    expect(tree.total()).toBe(2);
    expectLocateMatchesWeights(tree, 7);
    expect(tree.locate(tree.total())).not.toBe(5);

    // A dominant weight removed: the remaining mass keeps full relative precision.
    const big = new SumTree();
    const l = big.load(3);
    l[0] = 1 - 1e-15;
    l[1] = 3e-16;
    l[2] = 7e-16;
    big.build();
    big.remove(0);
    expect(big.total()).toBe(3e-16 + 7e-16);

    // Reloading a smaller distribution clears the old one.
    const small = big.load(2);
    small[0] = 1;
    big.build();
    expect(big.total()).toBe(1);
    expect(big.locate(0.999)).toBe(0);
  });
});

describe('enumeratePaths', () => {
  it('visits every path once with exact probabilities', async () => {
    const paths = await enumeratePaths((random) => {
      const a = random.choose(new WeightsDiscrete([1, 3]));
      const b = a === 0 ? random.choose(new WeightsDiscrete([1, 1, 2])) : -1;
      return [a, b];
    });
    expect(paths.map((p) => p.value)).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, -1],
    ]);
    expect(paths.map((p) => p.probability)).toEqual([1 / 16, 1 / 16, 2 / 16, 3 / 4]);
  });

  it('truncates infinite distributions at the requested tail mass', async () => {
    const paths = await enumeratePaths((random) => random.choose(new GeometricDiscrete(0.5, 0.5)), { tailMass: 1e-12 });
    const mass = paths.reduce((s, p) => s + p.probability, 0);
    expect(1 - mass).toBeLessThan(1e-12);
    expect(expectation(paths, (j) => j)).toBeCloseTo(1, 10); // mean of Geometric(1/2) failures
  });

  it('detects a run that is not deterministic', async () => {
    let calls = 0;
    await expect(
      enumeratePaths((random) => {
        calls++;
        if (calls < 2) random.choose(new WeightsDiscrete([1, 1]));
        return 0;
      }),
    ).rejects.toThrow(/not deterministic/);
  });
});
