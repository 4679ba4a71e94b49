import { LimitError } from '../errors.js';
import type { Discrete, Random } from './random.js';

/** One complete run of a randomised computation: its probability and what it returned. */
export interface Path<T> {
  readonly probability: number;
  readonly value: T;
}

export interface EnumerateOptions {
  /**
   * For distributions with infinitely many outcomes, outcomes are enumerated in order until at most
   * this much probability is left; the rest is dropped (so path probabilities sum to 1 - O(tailMass)).
   */
  readonly tailMass?: number;
  /** Stop with a LimitError after this many paths (a guard against enumerating the impossible). */
  readonly maxPaths?: number;
}

interface Frame {
  readonly size: number;
  readonly outcomes: number[];
  readonly probabilities: number[];
  position: number;
}

/**
 * Runs `run` once for every sequence of outcomes its `Random.choose` calls can take, depth first, and
 * returns each path with its exact probability (the product of the chosen outcomes' probabilities).
 * `run` must be deterministic given the outcomes of its draws: each path is replayed from the start.
 *
 * This turns "the sampler is properly weighted" into an exact identity over finitely many paths, e.g.
 * sum over paths of probability * weight * [token = t] = target(t), checked to 1e-12.
 */
export async function enumeratePaths<T>(
  run: (random: Random) => T | Promise<T>,
  options: EnumerateOptions = {},
): Promise<Path<T>[]> {
  const tailMass = options.tailMass ?? 1e-16;
  const maxPaths = options.maxPaths ?? 1_000_000;
  const frames: Frame[] = [];
  const paths: Path<T>[] = [];
  let depth = 0;
  let probability = 1;
  const random: Random = {
    choose(distribution: Discrete): number {
      let frame = frames[depth];
      if (frame === undefined) {
        frame = frameOf(distribution, tailMass);
        frames.push(frame);
      } else if (frame.size !== distribution.size) {
        throw new Error(`enumeratePaths: draw ${depth} changed between replays of the same path (run is not deterministic)`);
      }
      depth++;
      probability *= frame.probabilities[frame.position];
      return frame.outcomes[frame.position];
    },
  };
  for (;;) {
    depth = 0;
    probability = 1;
    const value = await run(random);
    if (depth !== frames.length) {
      throw new Error(`enumeratePaths: a replay made ${depth} draws where the recorded path has ${frames.length} (run is not deterministic)`);
    }
    paths.push({ probability, value });
    if (paths.length > maxPaths) throw new LimitError(`enumeratePaths: more than ${maxPaths} paths`, { limit: 'maxPaths' });
    while (frames.length > 0 && frames[frames.length - 1].position === frames[frames.length - 1].outcomes.length - 1) frames.pop();
    if (frames.length === 0) return paths;
    frames[frames.length - 1].position++;
  }
}

function frameOf(distribution: Discrete, tailMass: number): Frame {
  const outcomes: number[] = [];
  const probabilities: number[] = [];
  if (Number.isFinite(distribution.size)) {
    let sum = 0;
    for (let i = 0; i < distribution.size; i++) {
      const w = distribution.weight(i);
      if (w > 0) {
        outcomes.push(i);
        probabilities.push(w);
        sum += w;
      }
    }
    if (outcomes.length === 0) throw new Error('enumeratePaths: a draw from a distribution with no outcome of positive weight');
    for (let k = 0; k < probabilities.length; k++) probabilities[k] /= sum;
  } else {
    if (distribution.tail === undefined) throw new Error('enumeratePaths: a distribution with infinitely many outcomes must give its tail()');
    const total = distribution.total();
    for (let i = 0; i === 0 || distribution.tail(i) / total > tailMass; i++) {
      if (i > 10_000_000) throw new LimitError('enumeratePaths: an infinite distribution whose tail does not vanish', { limit: 'tail' });
      const p = distribution.weight(i) / total;
      if (p > 0) {
        outcomes.push(i);
        probabilities.push(p);
      }
    }
  }
  return { size: distribution.size, outcomes, probabilities, position: 0 };
}

/** Sum of probability * f(value) over paths: an exact expectation when the paths are all of them. */
export function expectation<T>(paths: readonly Path<T>[], f: (value: T) => number): number {
  let sum = 0;
  for (const path of paths) {
    const v = f(path.value);
    if (v !== 0) sum += path.probability * v;
  }
  return sum;
}
