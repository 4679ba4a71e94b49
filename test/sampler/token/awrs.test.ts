import { describe, expect, it } from 'vitest';
import { expectation } from '../../../src/sampler/enumerate-paths.js';
import type { Potential } from '../../../src/sampler/potential/potential.js';
import { SeededRandom } from '../../../src/sampler/random.js';
import { AwrsSampler, type AwrsOptions } from '../../../src/sampler/token/awrs.js';
import { newUsage, type TokenDraw } from '../../../src/sampler/token/token-sampler.js';
import { maskOf, randomLogProbs } from '../toys.js';
import { enumerateDraws, expectProperlyWeighted, tokenCase } from './token-cases.js';

const configurations: { name: string; options: AwrsOptions }[] = [
  { name: 'recursive, uncapped', options: { estimator: 'recursive', maxRejections: Infinity } },
  { name: 'recursive, cap 1 -> exact', options: { estimator: 'recursive', maxRejections: 1 } },
  { name: 'recursive, cap 2 -> exact', options: { estimator: 'recursive', maxRejections: 2 } },
  { name: 'recursive, cap 2 -> die', options: { estimator: 'recursive', maxRejections: 2, onCap: 'die' } },
  { name: 'geometric, failure cap 3 -> exact', options: { estimator: 'geometric', maxFailures: 3 } },
  { name: 'geometric, rejection cap 1, failure cap 5 -> exact', options: { estimator: 'geometric', maxRejections: 1, maxFailures: 5 } },
  { name: 'geometric, failure cap 4 -> die', options: { estimator: 'geometric', maxFailures: 4, onCap: 'die' } },
  { name: 'geometric, rejection cap 2, failure cap 5 -> die', options: { estimator: 'geometric', maxRejections: 2, maxFailures: 5, onCap: 'die' } },
  { name: 'auto, caps 2 and 3 -> exact', options: { estimator: 'auto', maxRejections: 2, maxFailures: 3 } },
  // The tail (here: up to 30-60% of the mass) is exponentiated only when a draw lands in it.
  { name: 'recursive, lazy tail', options: { estimator: 'recursive', maxRejections: Infinity, tail: { minVocab: 2, maxMass: 0.3 } } },
  { name: 'recursive, lazy tail, cap 2 -> exact', options: { estimator: 'recursive', maxRejections: 2, tail: { minVocab: 2, maxMass: 0.6 } } },
  { name: 'geometric, lazy tail, failure cap 3', options: { estimator: 'geometric', maxFailures: 3, tail: { minVocab: 2, maxMass: 0.3 } } },
];

describe('AWRS is exactly properly weighted (every random path enumerated)', () => {
  for (const { name, options } of configurations) {
    it(name, async () => {
      for (let seed = 1; seed <= 14; seed++) {
        const size = 4 + (seed % 3); // 4..6 ids, EOS last
        const c = tokenCase(seed, size, {
          density: [0.2, 0.5, 0.8][seed % 3],
          zeros: seed % 4 === 0 ? 1 : 0,
          sharpness: seed % 5 === 0 ? 6 : 3,
          special: seed % 2 === 0,
        });
        const sampler = new AwrsSampler(size, newUsage(), options);
        // Infinite outcome lists (repeat counts after a budget) are enumerated to a 1e-13 tail.
        const paths = await enumerateDraws(sampler, c.logProbs, c.condition, c.condition.initial, options.estimator === 'recursive' ? 1e-16 : 1e-13);
        expectProperlyWeighted(paths, c);
      }
    });
  }

  it('geometric, uncapped (phantom counts enumerated to a 1e-14 tail)', async () => {
    // One disallowed token of probability <= 1/2, so that the phantom counts have short tails.
    for (let seed = 1; seed <= 6; seed++) {
      const logProbs = randomLogProbs(seed, 4);
      const banned = [0, 1, 2, 3].filter((t) => Math.exp(logProbs[t]) <= 0.5)[seed % 2];
      const allowed = new Set([0, 1, 2, 3].filter((t) => t !== banned));
      const base = tokenCase(1, 4, { density: 1 });
      const condition = conditionOf(base.condition, allowed);
      const sampler = new AwrsSampler(4, newUsage(), { estimator: 'geometric', maxRejections: Infinity, maxFailures: Infinity });
      expectProperlyWeighted(await enumerateDraws(sampler, logProbs, condition, condition.initial, 1e-14), { logProbs, allowed }, 1e-12);
    }
  });

  it('with the allowed set empty, every path dies (weight -Infinity), never a throw', async () => {
    for (const options of configurations.map((c) => c.options)) {
      const c = tokenCase(5, 5, { density: 0 });
      expect(c.allowed.size).toBe(0);
      const paths = await enumerateDraws(new AwrsSampler(5, newUsage(), options), c.logProbs, c.condition, c.condition.initial);
      for (const p of paths) expect(p.value.logWeight).toBe(-Infinity);
    }
  });

  it('restricted to a superset of candidates (a fuel-limited mask), it stays properly weighted', async () => {
    for (let seed = 20; seed < 30; seed++) {
      const c = tokenCase(seed, 6, { density: 0.4 });
      const superset = new Set(c.allowed);
      superset.add(seed % 6);
      superset.add((seed + 2) % 6);
      const candidates = maskOf(superset, 6);
      const sampler = new AwrsSampler(6, newUsage(), { estimator: 'recursive', maxRejections: 2 });
      const paths = await enumerateDrawsAmong(sampler, c.logProbs, candidates, c.condition, c.condition.initial);
      expectProperlyWeighted(paths, c);
    }
  });

  it('checks only proposed tokens, never a rejected one twice, and counts its work', async () => {
    const c = tokenCase(4, 6, { density: 0.5 });
    expect(c.allowed.size).toBeGreaterThan(1);
    const usage = newUsage();
    const sampler = new AwrsSampler(6, usage, { estimator: 'recursive', maxRejections: Infinity });
    const random = new SeededRandom(11);
    const out: TokenDraw = { token: -1, logWeight: 0 };
    for (let i = 0; i < 200; i++) {
      const seen = new Set<number>();
      const checking: Potential<number | undefined> = {
        ...c.condition,
        extend: (s, t) => c.condition.extend(s, t),
        prefix: (s) => c.condition.prefix(s),
        complete: (s) => c.condition.complete(s),
        allows: (s, t) => {
          if (seen.has(t)) throw new Error(`token ${t} checked twice`);
          seen.add(t);
          return c.condition.allows(s, t);
        },
      };
      sampler.draw(c.logProbs, checking, c.condition.initial, random, out);
      expect(c.allowed.has(out.token)).toBe(true);
    }
    expect(usage.masks).toBe(0);
    expect(usage.proposals - usage.rejections).toBe(200);
    expect(usage.constraintChecks).toBeGreaterThanOrEqual(usage.proposals);
  });

  it("'auto' picks the geometric estimator when the top token has p >= 2/3 (fewer checks)", async () => {
    // p = [0.8, 0.1, 0.05, 0.05(EOS)]: the top token and EOS allowed.
    const logProbs = Float64Array.from([0.8, 0.1, 0.05, 0.05], Math.log);
    const c = tokenCase(1, 4, { density: 1 });
    const allowed = new Set([0, 3]);
    const condition = conditionOf(c.condition, allowed);
    const expectedChecks = async (options: AwrsOptions): Promise<number> => {
      const usage = newUsage();
      const sampler = new AwrsSampler(4, usage, options);
      let before = 0;
      const paths = await enumerateDrawsWithChecks(sampler, usage, logProbs, condition, () => {
        const n = usage.constraintChecks - before;
        before = usage.constraintChecks;
        return n;
      });
      expectProperlyWeighted(
        paths.map((p) => ({ probability: p.probability, value: p.value.draw })),
        { logProbs, allowed },
      );
      return expectation(paths, (v) => v.checks);
    };
    const recursive = await expectedChecks({ estimator: 'recursive', maxRejections: Infinity });
    const geometric = await expectedChecks({ estimator: 'geometric', maxFailures: 8 });
    const auto = await expectedChecks({ estimator: 'auto', maxFailures: 8 });
    expect(recursive).toBeGreaterThanOrEqual(2);
    expect(geometric).toBeLessThan(recursive);
    expect(auto).toBeCloseTo(geometric, 12);
  });
});

describe('AWRS numerical edge cases', () => {
  it('one allowed token of tiny probability: the weight is exactly its probability', () => {
    const V = 6;
    const logProbs = new Float64Array(V).fill(Math.log((1 - 1e-30) / (V - 1)));
    logProbs[2] = Math.log(1e-30);
    const c = tokenCase(1, V, { density: 1 });
    const condition = conditionOf(c.condition, new Set([2]));
    const sampler = new AwrsSampler(V, newUsage(), { estimator: 'recursive', maxRejections: Infinity });
    const out: TokenDraw = { token: -1, logWeight: 0 };
    sampler.draw(logProbs, condition, c.condition.initial, new SeededRandom(1), out);
    expect(out.token).toBe(2);
    expect(out.logWeight).toBeCloseTo(Math.log(1e-30), 10);
  });

  it('an allowed tail whose mass rounds to zero next to the head is still found and weighted', () => {
    const V = 5;
    const logProbs = Float64Array.from([Math.log1p(-2e-20), Math.log(1e-20), Math.log(1e-20), -Infinity, -Infinity]);
    const c = tokenCase(1, V, { density: 1 });
    const condition = conditionOf(c.condition, new Set([1, 2]));
    for (const estimator of ['recursive', 'geometric'] as const) {
      const sampler = new AwrsSampler(V, newUsage(), { estimator, tail: { minVocab: 2, maxMass: 1e-4 } });
      const out: TokenDraw = { token: -1, logWeight: 0 };
      sampler.draw(logProbs, condition, c.condition.initial, new SeededRandom(3), out);
      expect([1, 2]).toContain(out.token);
      expect(out.logWeight).toBeGreaterThan(Math.log(1e-20) - 3);
    }
  });

  it('allowed mass that underflows exp(): weights keep their digits (shifted log space)', () => {
    const V = 5;
    const logProbs = Float64Array.from([0, -800, -801, -900, -Infinity]);
    const c = tokenCase(1, V, { density: 1 });
    const allowed = new Set([1, 2]);
    const condition = conditionOf(c.condition, allowed);
    for (const estimator of ['recursive', 'geometric'] as const) {
      const sampler = new AwrsSampler(V, newUsage(), { estimator, maxRejections: 2, maxFailures: 2 });
      const random = new SeededRandom(5);
      const out: TokenDraw = { token: -1, logWeight: 0 };
      let sum = 0;
      const n = 4000;
      for (let i = 0; i < n; i++) {
        sampler.draw(logProbs, condition, c.condition.initial, random, out);
        if (!allowed.has(out.token)) expect(out.token).toBe('an allowed token');
        sum += Math.exp(out.logWeight + 800);
      }
      const Z = 1 + Math.exp(-1); // Z * e^800
      expect(Math.abs(sum / n - Z)).toBeLessThan(0.05 * Z);
    }
  });

  it('a 128k vocabulary: rejection finds a sparse allowed set, weights average to Z', () => {
    const V = 128_256;
    const random = new SeededRandom(9);
    const logits = new Float64Array(V);
    for (let i = 0; i < V; i++) logits[i] = 4 * random.uniform();
    let max = -Infinity;
    for (const x of logits) max = Math.max(max, x);
    let s = 0;
    for (const x of logits) s += Math.exp(x - max);
    for (let i = 0; i < V; i++) logits[i] -= max + Math.log(s);
    const c = tokenCase(1, 8, { density: 1 });
    // Allowed: ids divisible by 3 (a third of the vocabulary).
    const condition: Potential<number | undefined> = {
      kind: 'boolean',
      vocabSize: V,
      eosId: V - 1,
      initial: 0,
      extend: (st) => st,
      prefix: () => 0,
      complete: () => 0,
      allows: (_st, t) => t % 3 === 0,
    };
    void c;
    let Z = 0;
    for (let i = 0; i < V; i += 3) Z += Math.exp(logits[i]);
    const usage = newUsage();
    const sampler = new AwrsSampler(V, usage, { estimator: 'auto' });
    const out: TokenDraw = { token: -1, logWeight: 0 };
    let sum = 0;
    let squares = 0;
    const n = 120;
    for (let i = 0; i < n; i++) {
      sampler.draw(logits, condition, 0, random, out);
      if (out.token % 3 !== 0) expect(out.token % 3).toBe(0);
      const w = Math.exp(out.logWeight);
      sum += w;
      squares += w * w;
    }
    const mean = sum / n;
    const se = Math.sqrt((squares / n - mean * mean) / n);
    expect(Math.abs(mean - Z)).toBeLessThan(4 * se + 1e-12);
    expect(usage.constraintChecks / n).toBeLessThan(8);
  });
});

/** The case's automaton condition with a different allowed set (EOS allowed iff in the set). */
function conditionOf(base: Potential<number | undefined>, allowed: ReadonlySet<number>): Potential<number | undefined> {
  return {
    kind: 'boolean',
    vocabSize: base.vocabSize,
    eosId: base.eosId,
    initial: base.initial,
    extend: (s, t) => (s !== undefined && allowed.has(t) ? s : undefined),
    prefix: (s) => (s === undefined ? -Infinity : 0),
    complete: (s) => (s !== undefined && allowed.has(base.eosId) ? 0 : -Infinity),
    allows: (s, t) => s !== undefined && allowed.has(t),
  };
}

async function enumerateDrawsAmong<S>(
  sampler: AwrsSampler,
  logProbs: Float64Array,
  candidates: Uint32Array,
  condition: Potential<S>,
  state: S,
) {
  const { enumeratePaths } = await import('../../../src/sampler/enumerate-paths.js');
  return enumeratePaths((random) => {
    const out: TokenDraw = { token: -2, logWeight: NaN };
    sampler.drawAmong(logProbs, candidates, condition, state, random, out);
    return { token: out.token, logWeight: out.logWeight };
  });
}

async function enumerateDrawsWithChecks<S>(
  sampler: AwrsSampler,
  _usage: ReturnType<typeof newUsage>,
  logProbs: Float64Array,
  condition: Potential<S>,
  checksSinceLast: () => number,
) {
  const { enumeratePaths } = await import('../../../src/sampler/enumerate-paths.js');
  return enumeratePaths(
    (random) => {
      checksSinceLast();
      const out: TokenDraw = { token: -2, logWeight: NaN };
      sampler.draw(logProbs, condition, condition.initial, random, out);
      return { draw: { token: out.token, logWeight: out.logWeight }, checks: checksSinceLast() };
    },
    { tailMass: 1e-15 },
  );
}
