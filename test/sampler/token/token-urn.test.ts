import { describe, expect, it } from 'vitest';
import { logSoftmaxInPlace } from '../../../src/engine/decoder/function-decoder.js';
import { enumeratePaths } from '../../../src/sampler/enumerate-paths.js';
import { SeededRandom } from '../../../src/sampler/random.js';
import { SumTree } from '../../../src/sampler/sum-tree.js';
import { TokenUrn } from '../../../src/sampler/token/token-urn.js';

/**
 * A log-softmax over `size` ids with Gaussian logits (sd `spread`): a large vocabulary whose
 * unlikely tail the urn leaves unexponentiated. A few ids are -Infinity.
 */
function gaussianLogProbs(seed: number, size: number, spread: number): Float64Array {
  const random = new SeededRandom(seed);
  const logits = new Float64Array(size);
  for (let i = 0; i < size; i++) logits[i] = spread * Math.sqrt(-2 * Math.log(1 - random.uniform())) * Math.cos(2 * Math.PI * random.uniform());
  for (let i = 0; i < size; i += 397) logits[i] = -Infinity;
  logSoftmaxInPlace(logits);
  return logits;
}

/** Every id but a few (the non-candidates still hold probability, which the tail's mass must leave out). */
function denseCandidates(size: number): Uint32Array {
  const bits = new Uint32Array((size + 31) >>> 5);
  for (let id = 0; id < size; id++) if (id % 61 !== 5) bits[id >>> 5] |= 1 << (id & 31);
  return bits;
}

const has = (bits: Uint32Array, id: number) => (bits[id >>> 5] & (1 << (id & 31))) !== 0;

describe('TokenUrn on a large vocabulary (lazy tail, histogram split)', () => {
  // Above the histogram's threshold of 1024 collected candidates, small enough to enumerate every draw.
  const V = 1500;
  const tail = { minVocab: 1000, maxMass: 0.05 };
  const candidates = denseCandidates(V);

  it('loads only a head, and a draw has exactly the candidates\' distribution (every path enumerated)', async () => {
    for (const [seed, spread] of [[1, 2.5], [2, 6]] as const) {
      const logProbs = gaussianLogProbs(seed, V, spread);
      let Z = 0;
      for (let id = 0; id < V; id++) if (has(candidates, id)) Z += Math.exp(logProbs[id]);
      const urn = new TokenUrn(V, tail);
      const total = urn.fill(logProbs, candidates);
      expect(Math.abs(Math.exp(urn.shift) * total - Z) / Z).toBeLessThan(1e-12);
      let loaded = 0;
      for (let id = 0; id < V; id++) if (urn.weight(id) > 0) loaded++;
      expect(loaded, `seed ${seed}: head size`).toBeGreaterThan(0);
      expect(loaded, `seed ${seed}: head size`).toBeLessThan(0.8 * V);
      const paths = await enumeratePaths((random) => {
        urn.fill(logProbs, candidates);
        return urn.draw(random);
      });
      const drawn = new Float64Array(V);
      for (const { probability, value } of paths) drawn[value] += probability;
      let landedInTail = 0;
      for (let id = 0; id < V; id++) {
        const target = has(candidates, id) ? Math.exp(logProbs[id]) / Z : 0;
        expect(Math.abs(drawn[id] - target), `seed ${seed}: P(${id})`).toBeLessThan(1e-12);
        if (target > 0 && urn.weight(id) === 0) landedInTail++;
      }
      // The last path landed in the tail and expanded it, so every candidate is a leaf now.
      expect(landedInTail).toBe(0);
    }
  });

  it('keeps the first split (14 nats) when its tail is light enough, else splits where the tail is provably light', async () => {
    // One likely token and the rest just below 14 nats under it: its tail weighs 1.2e-3 (too heavy
    // for maxMass 1e-3: everything is loaded) or, 0.7 nat lower, 5.9e-4 (kept: one leaf and the tail).
    const everything = new Uint32Array((V + 31) >>> 5).fill(0xffffffff);
    for (const [rest, loadedIds] of [[8e-7, V], [4e-7, 1]] as const) {
      const logProbs = new Float64Array(V).fill(Math.log(rest));
      logProbs[7] = Math.log1p(-(V - 1) * rest);
      const urn = new TokenUrn(V, { minVocab: 1000, maxMass: 1e-3 });
      const total = urn.fill(logProbs, everything);
      expect(Math.exp(urn.shift) * total).toBeCloseTo(1, 12);
      let loaded = 0;
      for (let id = 0; id < V; id++) if (urn.weight(id) > 0) loaded++;
      expect(loaded, `rest ${rest}`).toBe(loadedIds);
      const paths = await enumeratePaths((random) => {
        urn.fill(logProbs, everything);
        return urn.draw(random);
      });
      const drawn = new Float64Array(V);
      for (const { probability, value } of paths) drawn[value] += probability;
      for (let id = 0; id < V; id++) expect(Math.abs(drawn[id] - Math.exp(logProbs[id])), `rest ${rest}: P(${id})`).toBeLessThan(1e-12);
    }
  });

  it('removals keep exact remaining masses across the tail expansion', () => {
    const logProbs = gaussianLogProbs(3, V, 4);
    const urn = new TokenUrn(V, tail);
    urn.fill(logProbs, candidates);
    const order = [...Array(V).keys()].filter((id) => has(candidates, id) && logProbs[id] > -Infinity).sort((a, b) => logProbs[b] - logProbs[a]);
    // Remove the likeliest candidates (tail ones too), so that the mass left falls below the expansion threshold.
    for (const id of order.slice(0, order.length - 50)) urn.remove(id);
    let exactLeft = 0;
    for (const id of order.slice(order.length - 50)) exactLeft += Math.exp(logProbs[id]);
    const remaining = Math.exp(urn.shift) * urn.remaining();
    expect(Math.abs(remaining - exactLeft) / exactLeft).toBeLessThan(1e-12);
    const random = new SeededRandom(4);
    const rest = new Set(order.slice(order.length - 50));
    for (let k = 0; k < 50; k++) {
      const id = urn.draw(random);
      expect(rest.has(id), `draw ${k}: ${id}`).toBe(true);
      rest.delete(id);
      urn.remove(id);
    }
    expect(urn.remaining()).toBe(0);
  });

  it('counts candidates that underflow at the scale of the largest, and finds them after a rescale', () => {
    const logProbs = gaussianLogProbs(5, V, 2);
    for (const id of [10, 20, 30]) logProbs[id] = -900;
    const urn = new TokenUrn(V, tail);
    urn.fill(logProbs, candidates);
    expect(urn.underflowed).toBe(3);
    const keep = new Set([10, 20, 30]);
    urn.keepOnly((id) => keep.has(id), -1);
    expect(urn.shift).toBe(-900);
    expect(urn.underflowed).toBe(0);
    expect(urn.total()).toBeCloseTo(3, 12);
  });

  it('a sparse candidate set is loaded exactly (no tail)', () => {
    const logProbs = gaussianLogProbs(6, V, 3);
    const sparse = new Uint32Array((V + 31) >>> 5);
    const ids = [3, 700, 701, 1400, 1499];
    for (const id of ids) sparse[id >>> 5] |= 1 << (id & 31);
    const urn = new TokenUrn(V, tail);
    const total = urn.fill(logProbs, sparse);
    const Z = ids.reduce((sum, id) => sum + Math.exp(logProbs[id]), 0);
    expect(Math.abs(Math.exp(urn.shift) * total - Z) / Z).toBeLessThan(1e-14);
    for (const id of ids) expect(urn.weight(id)).toBeGreaterThan(0);
  });
});

describe('SumTree range sums (the expanded tail draws through them)', () => {
  it('sumFrom and sumBefore add up the leaves on either side of any index, removals included', () => {
    const tree = new SumTree();
    const leaves = tree.load(13);
    for (let i = 0; i < 13; i++) leaves[i] = (i * 7) % 5;
    tree.build();
    tree.remove(4);
    const values = [...Array(13).keys()].map((i) => tree.weight(i));
    for (let i = 0; i <= 13; i++) {
      expect(tree.sumBefore(i)).toBe(values.slice(0, i).reduce((a, b) => a + b, 0));
      expect(tree.sumFrom(i)).toBe(values.slice(i).reduce((a, b) => a + b, 0));
    }
  });
});
