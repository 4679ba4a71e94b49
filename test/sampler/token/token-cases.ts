// Random tiny next-token problems (distribution + constraint) and the exact proper-weighting check.
import { expect } from 'vitest';
import { enumeratePaths, type Path } from '../../../src/sampler/enumerate-paths.js';
import { automatonPotential, type AutomatonPotential } from '../../../src/sampler/potential/automaton-potential.js';
import type { Potential } from '../../../src/sampler/potential/potential.js';
import type { TokenDraw, TokenSampler } from '../../../src/sampler/token/token-sampler.js';
import { randomLogProbs, randomSubset, toyVocabulary, TokenDfa } from '../toys.js';

export interface TokenCase {
  readonly name: string;
  readonly logProbs: Float64Array;
  readonly allowed: ReadonlySet<number>;
  readonly condition: AutomatonPotential<number>;
  readonly automaton: TokenDfa;
  readonly eos: number;
}

/**
 * A vocabulary of `size` ids: the last is EOS, id 1 is a special token (never allowed, so pruned by
 * the support) when `special`. The allowed set is random (EOS included or not), possibly empty.
 */
export function tokenCase(
  seed: number,
  size: number,
  options: { density?: number; zeros?: number; sharpness?: number; special?: boolean; superset?: boolean } = {},
): TokenCase {
  const eos = size - 1;
  const specials = options.special ? [1] : [];
  const vocabulary = toyVocabulary(
    Array.from({ length: size }, (_, i) => (i === eos ? '</s>' : `t${i}`)),
    { eosIds: [eos], specials },
  );
  const allowed = randomSubset(seed, size, options.density ?? 0.5);
  for (const s of specials) allowed.delete(s);
  const everything = Array.from({ length: size }, (_, i) => i);
  const automaton = new TokenDfa(
    vocabulary,
    (_s, t) => (allowed.has(t) ? 0 : undefined),
    () => allowed.has(eos),
    options.superset ? { superset: () => everything } : {},
  );
  const logProbs = randomLogProbs(seed * 7919 + 17, size, { zeros: options.zeros, sharpness: options.sharpness });
  const description = `seed ${seed}, V=${size}, allowed {${[...allowed].join(',')}}`;
  return { name: description, logProbs, allowed, condition: automatonPotential(automaton), automaton, eos };
}

export interface DrawOutcome {
  readonly token: number;
  readonly logWeight: number;
}

export async function enumerateDraws<S>(
  sampler: TokenSampler,
  logProbs: Float64Array,
  condition: Potential<S> | undefined,
  state: S,
  tailMass = 1e-16,
): Promise<Path<DrawOutcome>[]> {
  return enumeratePaths(
    (random) => {
      const out: TokenDraw = { token: -2, logWeight: NaN };
      sampler.draw(logProbs, condition, state, random, out);
      return { token: out.token, logWeight: out.logWeight };
    },
    { tailMass },
  );
}

/**
 * Proper weighting, exactly: for every token t, E[exp(logWeight) 1[token = t]] = p(t) 1[t allowed]
 * (so E[exp(logWeight)] = Z), and the token itself has the locally constrained distribution
 * P(token = t) = p(t) 1[t allowed] / Z.
 */
export function expectProperlyWeighted(paths: readonly Path<DrawOutcome>[], c: { logProbs: Float64Array; allowed: ReadonlySet<number> }, tolerance = 1e-12): void {
  const V = c.logProbs.length;
  const weighted = new Float64Array(V);
  const drawn = new Float64Array(V);
  let dead = 0;
  let mass = 0;
  for (const { probability, value } of paths) {
    mass += probability;
    if (value.token < 0 || value.logWeight === -Infinity) {
      dead += probability;
      continue;
    }
    if (Number.isNaN(value.logWeight)) throw new Error(`a draw of token ${value.token} has weight NaN`);
    weighted[value.token] += probability * Math.exp(value.logWeight);
    drawn[value.token] += probability;
  }
  expect(mass).toBeCloseTo(1, 12);
  let Z = 0;
  for (let t = 0; t < V; t++) if (c.allowed.has(t)) Z += Math.exp(c.logProbs[t]);
  for (let t = 0; t < V; t++) {
    const target = c.allowed.has(t) ? Math.exp(c.logProbs[t]) : 0;
    expect(Math.abs(weighted[t] - target), `E[w 1[token=${t}]] = ${weighted[t]}, target ${target}`).toBeLessThanOrEqual(tolerance);
  }
  if (Z > 0 && dead === 0) {
    for (let t = 0; t < V; t++) {
      const target = c.allowed.has(t) ? Math.exp(c.logProbs[t]) / Z : 0;
      expect(Math.abs(drawn[t] - target), `P(token=${t}) = ${drawn[t]}, target ${target}`).toBeLessThanOrEqual(tolerance);
    }
  }
  if (Z === 0) expect(dead).toBeCloseTo(1, 12);
}
