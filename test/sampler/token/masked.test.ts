import { describe, expect, it } from 'vitest';
import { textPredicate } from '../../../src/sampler/potential/text-potential.js';
import { product } from '../../../src/sampler/potential/product.js';
import { SeededRandom } from '../../../src/sampler/random.js';
import { GreedySampler } from '../../../src/sampler/token/greedy.js';
import { MaskedSampler } from '../../../src/sampler/token/masked.js';
import { newUsage, type TokenDraw } from '../../../src/sampler/token/token-sampler.js';
import { randomLogProbs, toyVocabulary, TokenDfa } from '../toys.js';
import { enumerateDraws, expectProperlyWeighted, tokenCase } from './token-cases.js';

describe('masked exact sampling (LCD)', () => {
  it('draws from p restricted to the mask with the zero-variance weight log Z (enumerated)', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const size = 4 + (seed % 4);
      const c = tokenCase(seed, size, { density: [0.3, 0.6, 1][seed % 3], zeros: seed % 3, special: seed % 2 === 1 });
      const usage = newUsage();
      const paths = await enumerateDraws(new MaskedSampler(size, usage), c.logProbs, c.condition, c.condition.initial);
      expectProperlyWeighted(paths, c);
      let Z = 0;
      for (const t of c.allowed) Z += Math.exp(c.logProbs[t]);
      for (const p of paths) if (p.value.logWeight !== paths[0].value.logWeight) expect(p.value.logWeight).toBe(paths[0].value.logWeight); // zero variance
      if (Z > 0) expect(paths[0].value.logWeight).toBeCloseTo(Math.log(Z), 13);
      expect(usage.masks).toBe(paths.length);
      expect(usage.constraintChecks).toBe(0);
    }
  });

  it('a superset mask (fuel ran out) is confirmed with allows and stays properly weighted', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const c = tokenCase(seed, 6, { density: 0.5, superset: true });
      const usage = newUsage();
      const paths = await enumerateDraws(new MaskedSampler(6, usage, { maxRejections: 2 }), c.logProbs, c.condition, c.condition.initial);
      expectProperlyWeighted(paths, c);
      expect(usage.constraintChecks).toBeGreaterThan(0);
    }
  });

  it('a condition without a mask (a predicate on the completed text) only restricts EOS, exactly', async () => {
    // Tokens "a", "b", EOS; the automaton allows a and b; the predicate accepts texts of even length.
    const vocabulary = toyVocabulary(['a', 'b', '</s>'], { eosIds: [2] });
    const automaton = new TokenDfa(vocabulary, (s) => s + 1, () => true);
    const even = textPredicate({ complete: (text) => text.length % 2 === 0 }, { vocabulary });
    const { automatonPotential } = await import('../../../src/sampler/potential/automaton-potential.js');
    const condition = product(automatonPotential(automaton), even);
    const logProbs = Float64Array.from([0.5, 0.3, 0.2], Math.log);
    for (const context of [[], [0]]) {
      let state = condition.initial;
      for (const t of context) state = condition.extend(state, t);
      const allowed = new Set(context.length % 2 === 0 ? [0, 1, 2] : [0, 1]);
      const paths = await enumerateDraws(new MaskedSampler(3, newUsage()), logProbs, condition, state);
      expectProperlyWeighted(paths, { logProbs, allowed });
    }
  });

  it('topK / topP keep the most likely allowed tokens; the weight is their mass', async () => {
    // p = [0.4, 0.25, 0.2, 0.1, 0.05(EOS)], all allowed but token 0.
    const logProbs = Float64Array.from([0.4, 0.25, 0.2, 0.1, 0.05], Math.log);
    const c = tokenCase(1, 5, { density: 1 });
    const { automatonPotential } = await import('../../../src/sampler/potential/automaton-potential.js');
    const automaton = new TokenDfa(c.automaton.vocabulary, (_s, t) => (t === 0 ? undefined : 0), () => true);
    const condition = automatonPotential(automaton);
    const topK = await enumerateDraws(new MaskedSampler(5, newUsage(), { topK: 2 }), logProbs, condition, condition.initial);
    expectDistribution(topK, { 1: 0.25 / 0.45, 2: 0.2 / 0.45 }, Math.log(0.45));
    // Nucleus: 0.6 of the allowed mass 0.6 is 0.36, first reached by 0.25 + 0.2 (tokens 1, 2).
    const topP = await enumerateDraws(new MaskedSampler(5, newUsage(), { topP: 0.6 }), logProbs, condition, condition.initial);
    expectDistribution(topP, { 1: 0.25 / 0.45, 2: 0.2 / 0.45 }, Math.log(0.45));
    const both = await enumerateDraws(new MaskedSampler(5, newUsage(), { topK: 3, topP: 0.3 }), logProbs, condition, condition.initial);
    expectDistribution(both, { 1: 1 }, Math.log(0.25));
    expect(() => new MaskedSampler(5, newUsage(), { topK: 0 })).toThrow(/topK/);
    expect(() => new MaskedSampler(5, newUsage(), { topP: 1.5 })).toThrow(/topP/);
  });

  it('a dense mask (whole words of allowed ids, zero words, a partial last word) draws exactly', async () => {
    const V = 300;
    const logProbs = randomLogProbs(8, V, { zeros: 3, sharpness: 4 });
    const allowed = new Set([...Array(V).keys()].filter((id) => id < 64 || (id >= 128 && id % 7 !== 3)));
    const bits = new Uint32Array((V + 31) >>> 5);
    for (const id of allowed) bits[id >>> 5] |= 1 << (id & 31);
    const condition = {
      kind: 'boolean' as const,
      vocabSize: V,
      eosId: V - 1,
      initial: 0,
      extend: (s: number) => s,
      prefix: () => 0,
      complete: () => (allowed.has(V - 1) ? 0 : -Infinity),
      allows: (_s: number, t: number) => allowed.has(t),
      mask: (_s: number, out: Uint32Array) => (out.set(bits), true),
    };
    const paths = await enumerateDraws(new MaskedSampler(V, newUsage()), logProbs, condition, 0);
    expectProperlyWeighted(paths, { logProbs, allowed });
  });

  it('handles a 128k vocabulary, probabilities near 0 and 1, and an allowed mass that underflows', () => {
    const V = 128_256;
    const logProbs = new Float64Array(V).fill(-2000);
    logProbs[7] = Math.log1p(-1e-12); // p ~ 1 - 1e-12, disallowed
    logProbs[1000] = -900; // allowed, exp() underflows
    logProbs[99_999] = -901; // allowed
    const condition = {
      kind: 'boolean' as const,
      vocabSize: V,
      eosId: V - 1,
      initial: 0,
      extend: (s: number) => s,
      prefix: () => 0,
      complete: () => -Infinity,
      mask: (_s: number, out: Uint32Array) => {
        out.fill(0);
        out[1000 >>> 5] |= 1 << (1000 & 31);
        out[99_999 >>> 5] |= 1 << (99_999 & 31);
        return true;
      },
    };
    const sampler = new MaskedSampler(V, newUsage());
    const random = new SeededRandom(2);
    const out: TokenDraw = { token: -1, logWeight: 0 };
    let first = 0;
    for (let i = 0; i < 2000; i++) {
      sampler.draw(logProbs, condition, 0, random, out);
      if (out.token !== 1000 && out.token !== 99_999) expect(out.token).toBe('an allowed token');
      if (out.token === 1000) first++;
      if (Math.abs(out.logWeight - (-900 + Math.log1p(Math.exp(-1)))) > 1e-10) expect(out.logWeight).toBe(-900 + Math.log1p(Math.exp(-1)));
    }
    const p = 1 / (1 + Math.exp(-1));
    expect(Math.abs(first / 2000 - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / 2000));
  });
});

describe('greedy', () => {
  it('takes the most likely allowed token (lowest id on ties) with its log-probability as weight', () => {
    const logProbs = randomLogProbs(4, 6);
    for (let seed = 1; seed <= 10; seed++) {
      const c = tokenCase(seed, 6, { density: 0.5, superset: seed % 2 === 0 });
      const out: TokenDraw = { token: -1, logWeight: 0 };
      new GreedySampler(6, newUsage()).draw(logProbs, c.condition, c.condition.initial, new SeededRandom(1), out);
      const best = [...c.allowed].sort((a, b) => logProbs[b] - logProbs[a] || a - b)[0];
      if (best === undefined) expect(out.logWeight).toBe(-Infinity);
      else {
        expect(out.token).toBe(best);
        expect(out.logWeight).toBe(logProbs[best]);
      }
    }
    const ties = Float64Array.from([-1, -0.5, -0.5, -3], (x) => x);
    const out: TokenDraw = { token: -1, logWeight: 0 };
    new GreedySampler(4, newUsage()).draw(ties, undefined, undefined, new SeededRandom(1), out);
    expect(out.token).toBe(1);
  });
});

function expectDistribution(paths: Awaited<ReturnType<typeof enumerateDraws>>, expected: Record<number, number>, logWeight: number): void {
  const got: Record<number, number> = {};
  for (const p of paths) {
    got[p.value.token] = (got[p.value.token] ?? 0) + p.probability;
    if (Math.abs(p.value.logWeight - logWeight) > 1e-13) expect(p.value.logWeight).toBe(logWeight);
  }
  expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
  for (const [t, v] of Object.entries(expected)) expect(got[Number(t)]).toBeCloseTo(v, 13);
}
