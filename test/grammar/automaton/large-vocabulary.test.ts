import { describe, expect, it } from 'vitest';
import { DfaByteMachine } from '../../../src/grammar/automaton/dfa-byte-machine.js';
import { maskHas, maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { createTokenAutomaton } from '../../../src/grammar/automaton/trie-token-automaton.js';
import { loadVocabulary } from '../../../src/grammar/vocab/load-vocabulary.js';
import { sharedData, skipUnlessSharedData } from '../../support/shared-data.js';
import {
  bruteForceAllows,
  bruteForceMask,
  digitsDfa,
  isSubset,
  JSON_STRING_BODY_STATE,
  jsonStringDfa,
  maskDiff,
  onlyTokenOf,
  plainMachine,
  randomDfa,
  randomInt,
  rng,
} from './fixtures.js';

describe.skipIf(skipUnlessSharedData('tokenizers/llama3'))('token automaton on the Llama-3 vocabulary (128k)', () => {
  // Padded like a model whose logits are wider than the tokenizer.
  const vocabulary = loadVocabulary(sharedData('tokenizers/llama3'), { size: 128256 + 64 });
  const words = maskWords(vocabulary.size);

  it('JSON string masks (with slices) equal masks without slices and brute force', () => {
    const sliced = createTokenAutomaton(jsonStringDfa(), vocabulary, { cache: false });
    const unsliced = createTokenAutomaton(jsonStringDfa({ loops: false }), vocabulary, { cache: false });
    const a = new Uint32Array(words);
    const b = new Uint32Array(words);
    for (const state of [0, JSON_STRING_BODY_STATE, 2, 3, 4, 8, 11, 13]) {
      sliced.mask(state, a);
      unsliced.mask(state, b);
      expect(maskDiff(a, b), `state ${state}`).toEqual([]);
      expect(maskDiff(a, bruteForceMask(sliced.machine, vocabulary, state)), `state ${state}`).toEqual([]);
    }
    // In the body state nearly every token is allowed, and the slice spares most of the walk.
    sliced.mask(JSON_STRING_BODY_STATE, a);
    const slicedVisits = sliced.lastVisits;
    unsliced.mask(JSON_STRING_BODY_STATE, b);
    expect(slicedVisits * 5).toBeLessThan(unsliced.lastVisits);
    const allowed = maskDiff(a, new Uint32Array(words)).length;
    expect(allowed).toBeGreaterThan(120000);
  });

  it('digit masks equal brute force', () => {
    const machine = digitsDfa();
    const automaton = createTokenAutomaton(machine, vocabulary, { cache: false });
    const out = new Uint32Array(words);
    for (let state = 0; state < machine.stateCount; state++) {
      automaton.mask(state, out);
      expect(maskDiff(out, bruteForceMask(machine, vocabulary, state))).toEqual([]);
    }
  });

  it('random DFAs over all bytes: sampled states equal brute force; allows agrees on sampled tokens', () => {
    const random = rng(2024);
    const all = Array.from({ length: 256 }, (_, b) => b);
    for (let trial = 0; trial < 3; trial++) {
      const dfa = randomDfa(random, 6, all, 0.75 + 0.08 * trial);
      const automaton = createTokenAutomaton(dfa, vocabulary, { cache: false });
      const stepOnly = createTokenAutomaton(plainMachine(dfa), vocabulary, { cache: false });
      const out = new Uint32Array(words);
      const state = randomInt(random, dfa.stateCount);
      automaton.mask(state, out);
      expect(maskDiff(out, bruteForceMask(dfa, vocabulary, state))).toEqual([]);
      const viaStep = new Uint32Array(words);
      stepOnly.mask(state, viaStep);
      expect(maskDiff(out, viaStep)).toEqual([]);
      for (let k = 0; k < 2000; k++) {
        const id = randomInt(random, vocabulary.size);
        expect(automaton.allows(state, id)).toBe(bruteForceAllows(dfa, vocabulary, state, id));
      }
    }
  });

  it('fuel-limited masks are supersets; padded ids are never set', () => {
    const machine = jsonStringDfa({ loops: false });
    const exact = new Uint32Array(words);
    createTokenAutomaton(machine, vocabulary, { cache: false }).mask(JSON_STRING_BODY_STATE, exact);
    const limited = createTokenAutomaton(machine, vocabulary, { cache: false, fuel: 5000 });
    const out = new Uint32Array(words);
    expect(limited.mask(JSON_STRING_BODY_STATE, out)).toBe(false);
    expect(isSubset(exact, out)).toBe(true);
    for (let id = 128256; id < vocabulary.size; id++) expect(maskHas(out, id)).toBe(false);
    for (let id = 128000; id < 128256; id++) if (id !== 128009) expect(maskHas(out, id)).toBe(false);
  });

  it('forced() is exactly "the mask has one token" on literal, JSON string, digit and sparse random DFAs', () => {
    const literal = DfaByteMachine.fromStrings(['{"name": 1}', '{"names": [2]}']);
    const random = rng(77);
    const all = Array.from({ length: 256 }, (_, b) => b);
    const machines = [
      { machine: literal, states: literal.stateCount },
      { machine: jsonStringDfa(), states: 15 },
      { machine: digitsDfa(), states: 3 },
      { machine: randomDfa(random, 12, all, 0.004), states: 12 },
    ];
    const out = new Uint32Array(words);
    let forced = 0;
    for (const { machine, states } of machines) {
      const automaton = createTokenAutomaton(machine, vocabulary, { cache: false });
      const reference = createTokenAutomaton(machine, vocabulary, { cache: false });
      for (let state = 0; state < states; state++) {
        expect(reference.mask(state, out)).toBe(true);
        const expected = onlyTokenOf(out, vocabulary.eosIds);
        expect(automaton.forced(state), `state ${state}`).toEqual(expected);
        if (expected.length > 0) forced++;
      }
    }
    expect(forced).toBeGreaterThan(8);
    // Along `{"name": 1}`: `{` and `{"` are both allowed at first, so nothing is forced there.
    const automaton = createTokenAutomaton(literal, vocabulary, { cache: false });
    expect(automaton.forced(literal.initial)).toEqual([]);
  });
});
