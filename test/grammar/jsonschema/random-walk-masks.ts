import { expect } from 'vitest';
import { maskHas, maskWords, type TokenAutomaton } from '../../../src/grammar/automaton/token-automaton.js';

export interface RandomWalkOptions {
  readonly label: string;
  readonly vocabularySize: number;
  readonly eos: number;
  /** How a token id is shown in a mismatch message. */
  readonly describe: (id: number) => string;
  readonly random: () => number;
  readonly walks: number;
  readonly steps: number;
  /** Chance of ending a walk where the automaton accepts. */
  readonly stopChance: number;
  /** Masks computed per state (2: the second may come from the cache). */
  readonly passes: number;
}

/**
 * Walks the automaton randomly over allowed tokens and checks, at every state, that the mask equals
 * brute force: a token is in it exactly when `advance` accepts it, EOS exactly when `accepts` holds.
 * Returns the number of masks checked.
 */
export function checkMasksOnRandomWalks<S>(automaton: TokenAutomaton<S>, options: RandomWalkOptions): number {
  const { label, vocabularySize, eos, describe, random } = options;
  const mask = new Uint32Array(maskWords(vocabularySize));
  let checked = 0;
  for (let walk = 0; walk < options.walks; walk++) {
    let state: S = automaton.initial;
    for (let step = 0; step < options.steps; step++) {
      let allowed: number[] = [];
      for (let pass = 0; pass < options.passes; pass++) {
        expect(automaton.mask(state, mask)).toBe(true);
        allowed = [];
        for (let id = 0; id < vocabularySize; id++) {
          const brute = id === eos ? automaton.accepts(state) : automaton.advance(state, id) !== undefined;
          if (maskHas(mask, id) !== brute) throw new Error(`${label}: token ${describe(id)} mask=${maskHas(mask, id)} advance=${brute}`);
          if (brute && id !== eos) allowed.push(id);
        }
        checked++;
      }
      if (allowed.length === 0) break;
      state = automaton.advance(state, allowed[Math.floor(random() * allowed.length)])!;
      if (automaton.accepts(state) && random() < options.stopChance) break;
    }
  }
  return checked;
}
