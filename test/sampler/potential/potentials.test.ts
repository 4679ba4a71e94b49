import { describe, expect, it } from 'vitest';
import type { ByteMachine } from '../../../src/grammar/automaton/byte-machine.js';
import { DfaByteMachine } from '../../../src/grammar/automaton/dfa-byte-machine.js';
import { createTokenAutomaton } from '../../../src/grammar/automaton/trie-token-automaton.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { automatonPotential } from '../../../src/sampler/potential/automaton-potential.js';
import { BYTE_EOS, byteMachinePotential, coerce, coerceBytes } from '../../../src/sampler/potential/coerce.js';
import {
  completeOf,
  logwNextOf,
  prefixOf,
  stateOf,
  type Potential,
} from '../../../src/sampler/potential/potential.js';
import { product } from '../../../src/sampler/potential/product.js';
import { scaled } from '../../../src/sampler/potential/scaled.js';
import { Ajv } from 'ajv';
import { completeUtf8Length, jsonPredicate, textCritic, textPredicate } from '../../../src/sampler/potential/text-potential.js';
import { checkPotentialContract } from '../potential-contract.js';
import { toyVocabulary, TokenDfa } from '../toys.js';

// Tokens: digits, "+", multi-byte tokens, a special token (6) and EOS (7), one padding id (8).
const tokens = ['1', '2', '+', '12', '+1', 'é', '<|special|>', '</s>'];
const vocabulary = toyVocabulary(tokens, { eosIds: [7], specials: [6], size: 9 });
const EOS = 7;

/** Sums of digits: "1+2+12", no leading "+", no "++", no trailing "+" at the end. */
const sumMachine: ByteMachine<number> = {
  initial: 0, // 0: expecting a digit, 1: in a number
  step: (s, b) => (b >= 0x30 && b <= 0x39 ? 1 : b === 0x2b && s === 1 ? 0 : undefined),
  accepts: (s) => s === 1,
};

/** The same language as a token automaton (its own implementation, for a differential check). */
function sumAutomaton(): TokenDfa {
  return new TokenDfa(
    vocabulary,
    (s, t) => {
      let state: number | undefined = s;
      for (const b of vocabulary.tokenBytes(t)) state = state === undefined ? undefined : sumMachine.step(state, b);
      return vocabulary.tokenBytes(t).length === 0 ? undefined : state;
    },
    (s) => s === 1,
  );
}

const walks = { count: 12, length: 6, seed: 3 };

describe('the potential contract holds for every built-in potential', () => {
  it('token automaton as a boolean potential', () => {
    checkPotentialContract(automatonPotential(sumAutomaton(), { eosId: EOS }), { walks });
  });

  it('byte machine coerced to tokens', () => {
    checkPotentialContract(coerceBytes(byteMachinePotential(sumMachine), vocabulary, EOS), { walks });
  });

  it('text predicate (complete only, and with a monotone prefix check)', () => {
    checkPotentialContract(textPredicate({ complete: (text) => text.length % 2 === 0 }, { vocabulary, eosId: EOS }), { walks });
    checkPotentialContract(
      textPredicate({ complete: (text) => text.endsWith('2'), prefix: (text) => !text.includes('++') }, { vocabulary, eosId: EOS }),
      { walks },
    );
  });

  it('text critic', () => {
    const critic = textCritic(
      { prefix: (text) => -0.1 * text.length, complete: (text) => (text.includes('é') ? 1.5 : -Infinity) },
      { vocabulary, eosId: EOS },
    );
    checkPotentialContract(critic, { walks });
  });

  it('products and powers', () => {
    const automaton = automatonPotential(sumAutomaton(), { eosId: EOS }) as Potential;
    const even = textPredicate({ complete: (text) => text.length % 2 === 0 }, { vocabulary, eosId: EOS }) as Potential;
    const critic = textCritic({ prefix: (text) => 0.2 * text.length, complete: (text) => -text.length }, { vocabulary, eosId: EOS }) as Potential;
    checkPotentialContract(product(automaton, even), { walks });
    checkPotentialContract(product(automaton, critic), { walks });
    checkPotentialContract(scaled(critic, 2.5), { walks });
    checkPotentialContract(product(scaled(critic, 0.5), automaton, even), { walks });
  });
});

describe('potential semantics', () => {
  it('a coerced byte machine and the token automaton agree on every sequence', () => {
    const coerced = coerceBytes(byteMachinePotential(sumMachine), vocabulary, EOS);
    const direct = automatonPotential(sumAutomaton(), { eosId: EOS });
    const ids = [0, 1, 2, 3, 4, 5, 6, 8];
    const check = (context: number[]): void => {
      expect(prefixOf(coerced, context), `[${context}]`).toBe(prefixOf(direct, context));
      expect(completeOf(coerced, context), `[${context}]`).toBe(completeOf(direct, context));
    };
    const all = (prefix: number[], depth: number): void => {
      check(prefix);
      if (depth > 0) for (const t of ids) all([...prefix, t], depth - 1);
    };
    all([], 3);
    expect(prefixOf(coerced, [6])).toBe(-Infinity); // special tokens are refused
    expect(prefixOf(coerced, [8])).toBe(-Infinity); // padding too
    expect(completeOf(coerced, [0, 2, 3, EOS])).toBe(0);
  });

  it('coerce lifts any unit alphabet (characters as units)', () => {
    // A character potential: log weight -1 per character, complete only after "2".
    const chars: Potential<string> = {
      kind: 'weighted',
      vocabSize: 257,
      eosId: BYTE_EOS,
      initial: '',
      extend: (s, c) => s + String.fromCharCode(c),
      prefix: (s) => -s.length,
      complete: (s) => (s.endsWith('2') ? -s.length : -Infinity),
    };
    const lifted = coerce(chars, (t) => (t < 6 ? Array.from(tokens[t], (c) => c.charCodeAt(0)) : undefined), { vocabSize: 9, eosId: EOS });
    expect(prefixOf(lifted, [3, 4])).toBe(-4); // "12+1"
    expect(completeOf(lifted, [4, 1])).toBe(-3); // "+12"
    expect(completeOf(lifted, [0])).toBe(-Infinity);
    checkPotentialContract(lifted, { walks });
  });

  it('product adds weights, intersects masks and is exact only when every factor is', () => {
    const automaton = automatonPotential(sumAutomaton(), { eosId: EOS }) as Potential;
    const even = textPredicate({ complete: (text) => text.length % 2 === 0 }, { vocabulary, eosId: EOS }) as Potential;
    const both = product(automaton, even);
    const state = stateOf(both, [0]);
    const bits = new Uint32Array(1);
    expect(both.mask!(state, bits)).toBe(false); // the predicate has no mask: a superset
    expect((bits[0] >>> EOS) & 1).toBe(1); // "1" is accepted by the automaton...
    expect(both.allows!(state, EOS)).toBe(false); // ...but has odd length
    expect(product(automaton).mask!(state, bits)).toBe(true);
    expect(both.kind).toBe('boolean');
    const weighted = product(automaton, textCritic({ complete: () => 2 }, { vocabulary, eosId: EOS }) as Potential);
    expect(weighted.kind).toBe('weighted');
    expect(completeOf(weighted, [0])).toBe(2);
    expect(completeOf(weighted, [2])).toBe(-Infinity);
    expect(() => product()).toThrow(/at least one/);
    expect(() => product(automaton, { ...even, vocabSize: 3 } as Potential)).toThrow(/cannot be combined/);
    expect(() => scaled(even, 0)).toThrow(/exponent/);
  });

  it('forced tokens: the automaton potential forces exactly its one allowed token; a product only what every factor allows', () => {
    // The literal "1+2" over tokens that can spell it two ways after "1" ("+" then "2", or "+2").
    const machine = DfaByteMachine.fromStrings(['1+2']);
    const words = ['1', '2', '+', '12', '+1', '+2', '</s>'];
    const toks = vocabularyFromBytes(words.map((w) => new TextEncoder().encode(w)), { eosIds: [6] });
    const automaton = automatonPotential(createTokenAutomaton(machine, toks, { cache: false }));
    const allowedAt = (context: number[]) => {
      const logw = logwNextOf(automaton, context);
      return [...logw.keys()].filter((t) => logw[t] > -Infinity);
    };
    const walk: number[] = [];
    const seen: number[][] = [];
    for (;;) {
      const state = stateOf(automaton, walk);
      const allowed = allowedAt(walk);
      const forced = automaton.forced(state);
      expect(forced).toEqual(allowed.length === 1 ? allowed : []);
      seen.push(forced.slice());
      if (allowed.length === 0 || allowed[0] === 6) break;
      walk.push(allowed[0]);
    }
    expect(seen).toEqual([[0], [], [1], [6]]); // "1", then "+" or "+2", then "2", then EOS
    // A product forces a factor's token only when the other factors allow it.
    const noTwo = textPredicate({ prefix: (text) => !text.includes('2'), complete: () => true }, { vocabulary: toks, eosId: 6 }) as Potential;
    const anything = textPredicate({ complete: () => true }, { vocabulary: toks, eosId: 6 }) as Potential;
    const afterPlus = [0, 2];
    expect(product(automaton as Potential, anything).forced!(stateOf(product(automaton as Potential, anything), afterPlus))).toEqual([1]);
    const refused = product(automaton as Potential, noTwo);
    expect(refused.forced!(stateOf(refused, afterPlus))).toEqual([]);
  });

  it('logwNextOf matches the fast path, and text potentials see whole UTF-8 characters', () => {
    const automaton = automatonPotential(sumAutomaton(), { eosId: EOS });
    const next = logwNextOf(automaton, [0]);
    expect(Array.from(next)).toEqual([0, 0, 0, 0, 0, -Infinity, -Infinity, 0, -Infinity]);
    const seen: string[] = [];
    const p = textPredicate({ complete: () => true, prefix: (text) => (seen.push(text), true) }, { vocabulary, eosId: EOS });
    stateOf(p, [5, 0]);
    expect(seen).toEqual(['', 'é', 'é1']);
    expect(completeUtf8Length(Uint8Array.from([0x31, 0xc3]))).toBe(1);
    expect(completeUtf8Length(Uint8Array.from([0x31, 0xc3, 0xa9]))).toBe(3);
    expect(completeUtf8Length(Uint8Array.from([0xe2, 0x82]))).toBe(0);
    expect(completeUtf8Length(Uint8Array.from([0xf0, 0x9f, 0x98, 0x80]))).toBe(4);
  });

  it('jsonPredicate accepts a finished text only when it parses and the check holds (ajv)', () => {
    const digits = toyVocabulary(['[', ']', ',', '1', '2', '</s>'], { eosIds: [5] });
    const validate = new Ajv().compile({ type: 'array', uniqueItems: true });
    const unique = jsonPredicate((value) => validate(value), { vocabulary: digits });
    expect(completeOf(unique, [0, 3, 2, 4, 1])).toBe(0); // [1,2]
    expect(completeOf(unique, [0, 3, 2, 3, 1])).toBe(-Infinity); // [1,1]: not unique
    expect(completeOf(unique, [0, 3, 2])).toBe(-Infinity); // [1, : not JSON
    expect(prefixOf(unique, [0, 3, 2])).toBe(0); // any prefix may still complete
    checkPotentialContract(unique, { walks: { count: 10, length: 5 } });
  });

  it('the contract check catches broken potentials', () => {
    const good = automatonPotential(sumAutomaton(), { eosId: EOS }) as Potential<number | undefined>;
    // logwNext that disagrees with prefix/complete at EOS.
    const badNext: Potential<number | undefined> = {
      ...wrap(good),
      logwNext: (s, out) => {
        good.logwNext!(s, out);
        out[EOS] = 0;
      },
    };
    expect(() => checkPotentialContract(badNext, { walks })).toThrow(/logwNext\[7\]/);
    // A "boolean" potential with a real weight.
    expect(() => checkPotentialContract({ ...wrap(good), prefix: (s) => (s === 1 ? -0.5 : good.prefix(s)) }, { walks })).toThrow(/boolean/);
    // -Infinity that is not absorbing.
    expect(() =>
      checkPotentialContract({ ...wrap(good), complete: (s) => (s === undefined ? 0 : good.complete(s)) }, { walks }),
    ).toThrow(/prefix is -Infinity but complete is 0/);
    // A mask that misses an allowed token.
    expect(() =>
      checkPotentialContract(
        {
          ...wrap(good),
          mask: (s, out) => {
            const exact = good.mask!(s, out);
            out[0] &= ~1;
            return exact;
          },
        },
        { walks },
      ),
    ).toThrow(/mask misses allowed token 0/);
  });
});

/** The potential's members as a plain object (class methods are not own properties). */
function wrap<S>(p: Potential<S>): Potential<S> {
  return {
    kind: p.kind,
    vocabSize: p.vocabSize,
    eosId: p.eosId,
    initial: p.initial,
    extend: (s, t) => p.extend(s, t),
    prefix: (s) => p.prefix(s),
    complete: (s) => p.complete(s),
    allows: p.allows === undefined ? undefined : (s, t) => p.allows!(s, t),
  };
}
