import { maskWords } from '../../grammar/automaton/token-automaton.js';
import type { Potential } from '../potential/potential.js';

/**
 * The candidate set of a draw as a bitset over token ids, from the condition: its mask when it has
 * one (exact or a superset), else its static support, else every id. Returns whether the set is
 * exactly the allowed set. `counted` is called once per mask computation.
 */
export function candidateMask<S>(
  condition: Potential<S> | undefined,
  state: S,
  vocabSize: number,
  out: Uint32Array,
  counted: () => void,
): boolean {
  if (condition === undefined) {
    fillAll(out, vocabSize);
    return true;
  }
  if (condition.mask !== undefined) {
    counted();
    return condition.mask(state, out);
  }
  if (condition.support !== undefined) out.set(condition.support);
  else fillAll(out, vocabSize);
  return false;
}

/** Sets bits 0..size-1 and clears the rest of `out`. */
export function fillAll(out: Uint32Array, size: number): void {
  const full = size >>> 5;
  out.fill(0xffffffff, 0, full);
  if (full < out.length) {
    const rest = size & 31;
    out[full] = rest === 0 ? 0 : (1 << rest) - 1;
    out.fill(0, full + 1);
  }
}

export function newMask(vocabSize: number): Uint32Array {
  return new Uint32Array(maskWords(vocabSize));
}
