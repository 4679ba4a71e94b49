import type { Vocabulary } from '../../grammar/vocab/vocabulary.js';
import type { ByteMachine } from '../../grammar/automaton/byte-machine.js';
import type { Potential } from './potential.js';

/** The byte alphabet of byte-level potentials: bytes 0..255, and 256 ends the sequence. */
export const BYTE_EOS = 256;

/** The state of a coerced potential after a token that has no units (a special token or padding). */
const REFUSED: unique symbol = Symbol('formwork.refused');

/**
 * Lifts a potential over units (bytes, or any small alphabet) to tokens: a token stands for its
 * unit string, so the token-level weight of a sequence is the unit-level weight of the concatenated
 * units. `unitsOf(token)` returns undefined for tokens that can never occur (special tokens, padding),
 * which get weight -Infinity.
 *
 * There is no logwNext fast path: a token-level next-token vector would need the unit potential
 * walked over every token (use a TokenAutomaton for masks; this is for checks and critics).
 */
export function coerce<S>(
  inner: Potential<S>,
  unitsOf: (token: number) => ArrayLike<number> | undefined,
  tokens: { readonly vocabSize: number; readonly eosId: number },
): Potential<S | typeof REFUSED> {
  return {
    kind: inner.kind,
    vocabSize: tokens.vocabSize,
    eosId: tokens.eosId,
    initial: inner.initial,
    extend(state, token) {
      if (state === REFUSED) return REFUSED;
      const units = unitsOf(token);
      if (units === undefined) return REFUSED;
      let s: S = state;
      for (let i = 0; i < units.length; i++) {
        // -Infinity is absorbing (contract), so a dead prefix need not read further.
        if (inner.prefix(s) === -Infinity) return s;
        s = inner.extend(s, units[i]);
      }
      return s;
    },
    prefix: (state) => (state === REFUSED ? -Infinity : inner.prefix(state)),
    complete: (state) => (state === REFUSED ? -Infinity : inner.complete(state)),
  };
}

/**
 * A byte-level potential lifted to the tokens of `vocabulary` through each token's exact bytes.
 * Special tokens other than EOS, and padding ids, are refused.
 */
export function coerceBytes<S>(inner: Potential<S>, vocabulary: Vocabulary, eosId = vocabulary.eosIds[0]): Potential<S | typeof REFUSED> {
  return coerce(
    inner,
    (token) => (token >= vocabulary.tokenCount || vocabulary.isSpecial(token) ? undefined : vocabulary.tokenBytes(token)),
    { vocabSize: vocabulary.size, eosId },
  );
}

/**
 * A ByteMachine as a boolean potential over bytes (alphabet 0..255, EOS = 256): a reference
 * implementation of any byte-level constraint, e.g. to cross-check a token automaton via coerceBytes.
 */
export function byteMachinePotential<S>(machine: ByteMachine<S>): Potential<S | undefined> {
  return {
    kind: 'boolean',
    vocabSize: BYTE_EOS + 1,
    eosId: BYTE_EOS,
    initial: machine.initial,
    extend: (state, byte) => (state === undefined ? undefined : machine.step(state, byte)),
    prefix: (state) => (state === undefined ? -Infinity : 0),
    complete: (state) => (state !== undefined && machine.accepts(state) ? 0 : -Infinity),
  };
}
