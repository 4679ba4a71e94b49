import type { Potential } from '../potential/potential.js';
import type { Random } from '../random.js';

/**
 * One token drawn for one particle, with its incremental log importance weight: for the target
 * p(t) * condition(t) (p = the decoder's next-token distribution), E[exp(logWeight) * f(token)] =
 * sum_t p(t) * condition(t) * f(t) for every f. token is -1 and logWeight -Infinity when the particle
 * dies (no allowed token, or a rejection budget spent with no way to finish exactly).
 */
export interface TokenDraw {
  token: number;
  logWeight: number;
}

/** Work counters shared by the samplers of one run (what `usage` and the benchmarks report). */
export interface SamplerUsage {
  /** Single-token constraint checks (`allows`). */
  constraintChecks: number;
  /** Full mask computations. */
  masks: number;
  /** AWRS proposals checked before the first acceptance (accepted one included). */
  proposals: number;
  /** AWRS proposals rejected. */
  rejections: number;
  /** AWRS draws that spent their rejection budget and finished with an exact mask. */
  fallbacks: number;
  /** Tokens taken without a draw because the condition forced them (fast-forward). */
  forcedTokens: number;
}

export function newUsage(): SamplerUsage {
  return { constraintChecks: 0, masks: 0, proposals: 0, rejections: 0, fallbacks: 0, forcedTokens: 0 };
}

/**
 * Draws the next token of a particle from the decoder's log-probabilities restricted to what a
 * boolean `condition` allows in `state` (no condition: unrestricted). Implementations keep scratch
 * buffers sized to the vocabulary and reuse them: one sampler serves all particles, one at a time.
 */
export interface TokenSampler {
  readonly name: string;
  draw<S>(logProbs: Float64Array, condition: Potential<S> | undefined, state: S, random: Random, out: TokenDraw): void;
}

export function setDead(out: TokenDraw): void {
  out.token = -1;
  out.logWeight = -Infinity;
}
