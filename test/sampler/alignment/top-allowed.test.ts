import { describe, expect, it } from 'vitest';
import { TopAllowed } from '../../../src/sampler/alignment/top-allowed.js';
import { automatonPotential } from '../../../src/sampler/potential/automaton-potential.js';
import { SeededRandom } from '../../../src/sampler/random.js';
import { newUsage } from '../../../src/sampler/token/token-sampler.js';
import { setAutomaton, toyVocabulary } from '../toys.js';

describe('TopAllowed', () => {
  it('returns the k most likely allowed tokens, most likely first, ties to the lower id', () => {
    const size = 100;
    const vocabulary = toyVocabulary(Array.from({ length: size }, (_, i) => `t${i}`), { eosIds: [size - 1] });
    for (let seed = 1; seed <= 20; seed++) {
      const random = new SeededRandom(seed);
      // Few distinct values, so ties are common; some tokens have probability zero.
      const row = Float64Array.from({ length: size }, () => (random.uniform() < 0.1 ? -Infinity : -Math.floor(random.uniform() * 6)));
      const allowed = new Set<number>();
      for (let i = 0; i < size; i++) if (random.uniform() < 0.6) allowed.add(i);
      for (const superset of [false, true]) {
        const extra = superset ? [...Array(size).keys()].filter((i) => !allowed.has(i) && i !== size - 1).slice(0, 10) : undefined;
        const condition = automatonPotential(setAutomaton(vocabulary, allowed, { superset: extra }), { eosId: size - 1 });
        const reference = [...allowed]
          .concat(condition.automaton.accepts(0) ? [size - 1] : [])
          .filter((i, at, all) => all.indexOf(i) === at && row[i] > -Infinity)
          .sort((a, b) => row[b] - row[a] || a - b);
        const usage = newUsage();
        const top = new TopAllowed(size, usage);
        const out: number[] = [];
        for (const k of [1, 3, 32, 33, 1000]) {
          expect(top.select(row, condition, condition.initial, k, out), `seed ${seed} k ${k}`).toBe(Math.min(k, reference.length));
          expect(out).toEqual(reference.slice(0, k));
        }
        if (superset) expect(usage.constraintChecks).toBeGreaterThan(0);
      }
      // No condition: every token of positive probability.
      const top = new TopAllowed(size, newUsage());
      const out: number[] = [];
      top.select(row, undefined, undefined, 5, out);
      expect(out).toEqual([...Array(size).keys()].filter((i) => row[i] > -Infinity).sort((a, b) => row[b] - row[a] || a - b).slice(0, 5));
    }
  });
});
