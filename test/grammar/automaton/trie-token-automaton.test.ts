import { describe, expect, it } from 'vitest';
import type { ByteMachine } from '../../../src/grammar/automaton/byte-machine.js';
import { DfaByteMachine } from '../../../src/grammar/automaton/dfa-byte-machine.js';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { maskHas, maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { createTokenAutomaton, FINAL } from '../../../src/grammar/automaton/trie-token-automaton.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
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

const enc = new TextEncoder();

/** Random byte strings over `alphabet` (duplicates and an empty string included on purpose). */
function randomVocabulary(seed: number, count: number, alphabet: readonly number[], maxLength = 5) {
  const random = rng(seed);
  const tokens: Uint8Array[] = [];
  for (const b of alphabet) tokens.push(Uint8Array.of(b));
  while (tokens.length < count) {
    const length = 1 + randomInt(random, maxLength);
    tokens.push(Uint8Array.from({ length }, () => alphabet[randomInt(random, alphabet.length)]));
  }
  tokens.push(tokens[alphabet.length + 3].slice()); // a duplicate byte string under another id
  tokens.push(new Uint8Array(0)); // an empty token: never allowed
  const eos = tokens.length;
  tokens.push(enc.encode('<eos>'));
  const special = tokens.length;
  tokens.push(Uint8Array.of(alphabet[0])); // a special token whose bytes would otherwise match
  return vocabularyFromBytes(tokens, { eosIds: [eos], special: [special], size: tokens.length + 37 });
}

const ALPHABET = [0x61, 0x62, 0x63, 0x22, 0x5c, 0x20, 0x31, 0xc3, 0xa9];

describe('TrieTokenAutomaton masks equal brute force', () => {
  it('on random DFAs, with cursor and with immutable step, every state', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = rng(seed * 7919);
      const vocabulary = randomVocabulary(seed, 60 + randomInt(random, 140), ALPHABET);
      const dfa = randomDfa(random, 2 + randomInt(random, 10), ALPHABET, 0.3 + random() * 0.6);
      const withCursor = createTokenAutomaton(dfa, vocabulary, { cache: false });
      const withStep = createTokenAutomaton(plainMachine(dfa), vocabulary);
      const out = new Uint32Array(maskWords(vocabulary.size));
      for (let state = 0; state < dfa.stateCount; state++) {
        const expected = bruteForceMask(dfa, vocabulary, state);
        expect(withCursor.mask(state, out)).toBe(true);
        expect(maskDiff(out, expected), `seed ${seed} state ${state} (cursor)`).toEqual([]);
        expect(withStep.mask(state, out)).toBe(true);
        expect(maskDiff(out, expected), `seed ${seed} state ${state} (step)`).toEqual([]);
        const ids = [...Array(vocabulary.size).keys()];
        const want = ids.filter((id) => maskHas(expected, id));
        expect(ids.filter((id) => withCursor.allows(state, id))).toEqual(want);
        expect(ids.filter((id) => withCursor.advance(state, id) !== undefined)).toEqual(want);
      }
    }
  });

  it('cached masks (dense and sparse) equal brute force across repeated and interleaved states', () => {
    const cache = new MaskCache();
    for (let seed = 1; seed <= 10; seed++) {
      const random = rng(seed);
      const vocabulary = randomVocabulary(seed + 100, 400, ALPHABET, 3);
      const dfa = randomDfa(random, 6, ALPHABET, seed % 2 === 0 ? 0.95 : 0.3);
      const automaton = createTokenAutomaton(dfa, vocabulary, { cache });
      const out = new Uint32Array(maskWords(vocabulary.size));
      for (let round = 0; round < 3; round++) {
        for (let k = 0; k < 12; k++) {
          const state = randomInt(random, dfa.stateCount);
          automaton.mask(state, out);
          expect(maskDiff(out, bruteForceMask(dfa, vocabulary, state))).toEqual([]);
          const ids = [...Array(vocabulary.size).keys()];
          expect(ids.filter((id) => automaton.allows(state, id)), `seed ${seed} state ${state}`).toEqual(
            ids.filter((id) => maskHas(out, id)),
          );
        }
      }
    }
    expect(cache.hits).toBeGreaterThan(0);
  });

  it('writes only the vocabulary words into a longer mask and clears the rest', () => {
    const vocabulary = randomVocabulary(3, 50, ALPHABET);
    const automaton = createTokenAutomaton(randomDfa(rng(3), 4, ALPHABET, 0.9), vocabulary, { cache: false });
    const out = new Uint32Array(maskWords(vocabulary.size) + 3).fill(0xffffffff);
    automaton.mask(0, out);
    expect([...out.subarray(maskWords(vocabulary.size))]).toEqual([0, 0, 0]);
    expect(() => automaton.mask(0, new Uint32Array(1))).toThrow(/mask has 1 words/);
  });
});

describe('EOS, special tokens and padding', () => {
  const tokens = ['a', 'b', 'ab', '<eos>', '<special>', 'abc'].map((s) => enc.encode(s));
  const vocabulary = vocabularyFromBytes(tokens, { eosIds: [3], special: [4], size: 70 });
  const machine = DfaByteMachine.fromStrings(['ab', 'abc']);
  const automaton = createTokenAutomaton(machine, vocabulary, { cache: false });
  const out = new Uint32Array(maskWords(70));

  it('allows EOS exactly where the machine accepts, then reaches a final state', () => {
    const afterA = automaton.advance(automaton.initial, 0)!;
    const afterAb = automaton.advance(afterA, 1)!;
    expect(automaton.accepts(afterA)).toBe(false);
    expect(automaton.allows(afterA, 3)).toBe(false);
    expect(automaton.advance(afterA, 3)).toBeUndefined();
    automaton.mask(afterAb, out);
    expect(maskHas(out, 3)).toBe(true);
    expect(automaton.accepts(afterAb)).toBe(true);
    const final = automaton.advance(afterAb, 3)!;
    expect(final).toBe(FINAL);
    expect(automaton.isFinal(final)).toBe(true);
    expect(automaton.isFinal(afterAb)).toBe(false);
    expect(automaton.accepts(final)).toBe(false);
    expect(automaton.mask(final, out)).toBe(true);
    expect([...out].every((w) => w === 0)).toBe(true);
    for (let id = 0; id < 70; id++) {
      expect(automaton.advance(final, id)).toBeUndefined();
      expect(automaton.allows(final, id)).toBe(false);
    }
  });

  it('never allows special tokens, padding ids or out-of-range ids', () => {
    for (let state = 0; state < machine.stateCount; state++) {
      automaton.mask(state, out);
      expect(maskHas(out, 4)).toBe(false);
      for (let id = tokens.length; id < 70; id++) expect(maskHas(out, id)).toBe(false);
      for (const id of [4, 6, 69, 70, 1000, -1, 2.5]) {
        expect(automaton.allows(state, id)).toBe(false);
        expect(automaton.advance(state, id)).toBeUndefined();
      }
    }
    // Bits beyond the vocabulary size in the last word stay clear.
    automaton.mask(automaton.initial, out);
    expect(out[2] >>> 6).toBe(0);
  });
});

describe('machines with their own fillMask', () => {
  it('are asked for the text tokens; EOS, caching and the superset contract stay the automaton\'s', () => {
    const vocabulary = randomVocabulary(31, 200, ALPHABET);
    const dfa = randomDfa(rng(31), 5, ALPHABET, 0.7);
    const eos = vocabulary.eosIds[0];
    let calls = 0;
    let exhaust = false;
    const machine: ByteMachine<number> = {
      ...plainMachine(dfa, { maskKey: true }),
      fillMask: (state, trie, out, fuel) => {
        calls++;
        expect(trie).toBe(vocabulary.trie);
        expect(fuel).toBe(1000);
        expect([...out].every((w) => w === 0)).toBe(true);
        if (exhaust) {
          out.fill(0xffffffff); // a (crude) superset
          return -1;
        }
        const exact = bruteForceMask(dfa, vocabulary, state);
        exact[eos >>> 5] &= ~(1 << (eos & 31));
        out.set(exact);
        return 42;
      },
    };
    const cache = new MaskCache();
    const automaton = createTokenAutomaton(machine, vocabulary, { cache, fuel: 1000 });
    const out = new Uint32Array(maskWords(vocabulary.size));
    for (let state = 0; state < dfa.stateCount; state++) {
      expect(automaton.mask(state, out)).toBe(true);
      expect(automaton.lastVisits).toBe(42);
      expect(maskDiff(out, bruteForceMask(dfa, vocabulary, state))).toEqual([]);
    }
    expect(calls).toBe(dfa.stateCount);
    automaton.mask(0, out); // cached: fillMask not called again
    expect(calls).toBe(dfa.stateCount);
    exhaust = true;
    cache.clear();
    expect(automaton.mask(1, out)).toBe(false);
    expect(maskHas(out, eos)).toBe(dfa.accepts(1));
    expect(cache.size).toBe(0);
    // The crude all-ones superset is cut down to text tokens: specials and padding stay clear.
    const ids = [...Array(out.length * 32).keys()];
    expect(ids.filter((id) => maskHas(out, id) && id !== eos)).toEqual([...vocabulary.trie.tokenIds].sort((a, b) => a - b));
  });
});

describe('a foreign Vocabulary whose EOS id is also in its trie', () => {
  it('still sets the EOS bit from accepts alone', () => {
    const inner = vocabularyFromBytes(['a', 'b', '<eos>'].map((t) => enc.encode(t)), { eosIds: [2] });
    const vocabulary = { ...inner, eosIds: [0], trie: inner.trie, tokenBytes: (id: number) => inner.tokenBytes(id), isSpecial: () => false } as unknown as typeof inner;
    const machine = DfaByteMachine.fromStrings(['ab', 'b']);
    const automaton = createTokenAutomaton(machine, vocabulary, { cache: false });
    const out = new Uint32Array(1);
    automaton.mask(automaton.initial, out);
    expect(maskHas(out, 0)).toBe(false); // 'a' matches as text, but id 0 is EOS and the machine does not accept
    expect(automaton.advance(automaton.initial, 0)).toBeUndefined();
    const afterB = automaton.advance(automaton.initial, 1)!;
    automaton.mask(afterB, out);
    expect(maskHas(out, 0)).toBe(true);
  });
});

describe('loop-class slices', () => {
  const random = rng(42);
  // Tokens mixing string-body bytes, quotes, backslashes, partial and complete UTF-8 (é = C3 A9,
  // € = E2 82 AC, 😀 = F0 9F 98 80), invalid bytes, digits and whitespace.
  const pieces = ['a', 'b', ' ', '"', '\\', 'é', '€', '😀', '1', '2', '\n', '\t', 'u', '0', 'F', ',', '.'].map((s) => enc.encode(s));
  const extra = [Uint8Array.of(0xc3), Uint8Array.of(0xa9), Uint8Array.of(0xe2, 0x82), Uint8Array.of(0xff), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0x1f)];
  const tokens: Uint8Array[] = [...pieces, ...extra];
  while (tokens.length < 1500) {
    const parts = 1 + randomInt(random, 4);
    const chunks: number[] = [];
    for (let k = 0; k < parts; k++) {
      const pool = random() < 0.85 ? pieces : extra;
      chunks.push(...pool[randomInt(random, pool.length)]);
    }
    tokens.push(Uint8Array.from(chunks));
  }
  tokens.push(enc.encode('<eos>'));
  const vocabulary = vocabularyFromBytes(tokens, { eosIds: [tokens.length - 1] });

  it('json-string-body: slice + walk equals a plain walk and brute force in every state', () => {
    const sliced = jsonStringDfa();
    const unsliced = jsonStringDfa({ loops: false });
    const a = createTokenAutomaton(sliced, vocabulary, { cache: false });
    const b = createTokenAutomaton(unsliced, vocabulary, { cache: false });
    const c = createTokenAutomaton(plainMachine(sliced), vocabulary, { cache: false });
    const outA = new Uint32Array(maskWords(vocabulary.size));
    const outB = new Uint32Array(maskWords(vocabulary.size));
    for (let state = 0; state < sliced.stateCount; state++) {
      a.mask(state, outA);
      b.mask(state, outB);
      expect(maskDiff(outA, outB), `state ${state}`).toEqual([]);
      expect(maskDiff(outA, bruteForceMask(sliced, vocabulary, state))).toEqual([]);
    }
    // The slice really is used and saves work in the body state.
    a.mask(JSON_STRING_BODY_STATE, outA);
    const slicedVisits = a.lastVisits;
    b.mask(JSON_STRING_BODY_STATE, outB);
    expect(slicedVisits).toBeLessThan(b.lastVisits);
    // A walk through a step-only machine with the same loop classes (via a wrapper) agrees too.
    const stepWithLoops: ByteMachine<number> = { ...plainMachine(sliced), loopClasses: (s) => sliced.loopClasses(s) };
    const d = createTokenAutomaton(stepWithLoops, vocabulary, { cache: false });
    d.mask(JSON_STRING_BODY_STATE, outB);
    expect(maskDiff(outA, outB)).toEqual([]);
    void c;
  });

  it('two classes at once (digits + whitespace) keep mixed tokens exact', () => {
    const sliced = digitsDfa();
    const unsliced = digitsDfa({ loops: false });
    const a = createTokenAutomaton(sliced, vocabulary, { cache: false });
    const b = createTokenAutomaton(unsliced, vocabulary, { cache: false });
    const outA = new Uint32Array(maskWords(vocabulary.size));
    const outB = new Uint32Array(maskWords(vocabulary.size));
    for (let state = 0; state < sliced.stateCount; state++) {
      a.mask(state, outA);
      b.mask(state, outB);
      expect(maskDiff(outA, outB), `state ${state}`).toEqual([]);
      expect(maskDiff(outA, bruteForceMask(sliced, vocabulary, state))).toEqual([]);
    }
    // "1 2" mixes both classes: in no single slice, yet allowed from state 0.
    const mixed = tokens.findIndex((t) => t.length === 3 && t[0] === 0x31 && t[1] === 0x20 && t[2] === 0x32);
    if (mixed >= 0) expect(a.allows(0, mixed)).toBe(true);
  });
});

describe('fuel', () => {
  it('past the limit returns false with a superset mask, and allows stays exact', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const random = rng(seed + 500);
      const vocabulary = randomVocabulary(seed + 500, 300, ALPHABET);
      const dfa = randomDfa(random, 5, ALPHABET, 0.7);
      for (const machine of [dfa, plainMachine(dfa, { maskKey: true })]) {
        for (const fuel of [0, 1, 7, 40]) {
          const cache = new MaskCache();
          const automaton = createTokenAutomaton(machine, vocabulary, { fuel, cache });
          const out = new Uint32Array(maskWords(vocabulary.size));
          for (let state = 0; state < dfa.stateCount; state++) {
            const exact = bruteForceMask(dfa, vocabulary, state);
            const complete = automaton.mask(state, out);
            if (complete) expect(maskDiff(out, exact)).toEqual([]);
            else expect(isSubset(exact, out)).toBe(true);
            const ids = [...Array(vocabulary.size).keys()];
            expect(ids.filter((id) => automaton.allows(state, id))).toEqual(
              ids.filter((id) => bruteForceAllows(dfa, vocabulary, state, id)),
            );
            // Padding and specials stay clear even in a superset.
            expect(ids.filter((id) => id >= vocabulary.tokenCount && maskHas(out, id))).toEqual([]);
            expect(maskHas(out, vocabulary.tokenCount - 1)).toBe(false);
          }
          // Superset masks are never cached.
          if (fuel === 0) expect(cache.size).toBe(0);
        }
      }
    }
  });
});

describe('fork and rollback', () => {
  /** States are frozen objects (DFA state + byte count, capped): a machine whose step allocates. */
  interface Counted {
    readonly q: number;
    readonly n: number;
  }
  const dfa = randomDfa(rng(9), 6, ALPHABET, 0.8);
  const counting: ByteMachine<Counted> = {
    initial: Object.freeze({ q: 0, n: 0 }),
    step: (s, b) => {
      const q = dfa.step(s.q, b);
      return q === undefined || s.n >= 9 ? undefined : Object.freeze({ q, n: s.n + 1 });
    },
    accepts: (s) => dfa.accepts(s.q),
    maskKey: (s) => `${s.q}/${s.n}`,
  };

  it('old states keep their masks and successors whatever is advanced from them', () => {
    const vocabulary = randomVocabulary(77, 200, ALPHABET, 3);
    const automaton = createTokenAutomaton(counting, vocabulary, { cache: new MaskCache() });
    const random = rng(5);
    const out = new Uint32Array(maskWords(vocabulary.size));
    const history: { state: Counted; mask: Uint32Array }[] = [];
    let state: Counted | typeof FINAL = automaton.initial;
    for (let step = 0; step < 200; step++) {
      if (state === FINAL || random() < 0.2) {
        // Roll back to a random earlier state and branch from it.
        state = history[randomInt(random, history.length)]?.state ?? automaton.initial;
      }
      const current = state as Counted;
      automaton.mask(current, out);
      expect(maskDiff(out, bruteForceMask(counting, vocabulary, current))).toEqual([]);
      history.push({ state: current, mask: out.slice() });
      const allowed = [...Array(vocabulary.size).keys()].filter((id) => maskHas(out, id));
      if (allowed.length === 0) {
        state = FINAL;
        continue;
      }
      const token = allowed[randomInt(random, allowed.length)];
      state = automaton.advance(current, token)!;
      expect(state).toBeDefined();
    }
    for (const { state: old, mask } of history) {
      automaton.mask(old, out);
      expect(maskDiff(out, mask)).toEqual([]);
    }
  });
});

describe('forced tokens', () => {
  it('forced() is exactly "the mask has one token" on random DFAs (cursor, step, cached mask, memo)', () => {
    let forcedStates = 0;
    let states = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const random = rng(seed * 104729);
      const vocabulary = randomVocabulary(seed, 40 + randomInt(random, 80), ALPHABET, 4);
      // Sparse transitions, so that many states allow a single byte (or nothing but EOS).
      const dfa = randomDfa(random, 3 + randomInt(random, 10), ALPHABET, 0.05 + random() * 0.3);
      const withCursor = createTokenAutomaton(dfa, vocabulary, { cache: false });
      const withStep = createTokenAutomaton(plainMachine(dfa), vocabulary, { cache: false });
      const cache = new MaskCache();
      const cached = createTokenAutomaton(dfa, vocabulary, { cache });
      const out = new Uint32Array(maskWords(vocabulary.size));
      for (let state = 0; state < dfa.stateCount; state++) {
        const expected = onlyTokenOf(bruteForceMask(dfa, vocabulary, state), vocabulary.eosIds);
        const where = `seed ${seed} state ${state}`;
        expect(withCursor.forced(state), `${where} (cursor)`).toEqual(expected);
        expect(withStep.forced(state), `${where} (step)`).toEqual(expected);
        expect(cached.forced(state), `${where} (probe, memo)`).toEqual(expected);
        // A fresh automaton over the same cache answers from the cached mask.
        cached.mask(state, out);
        expect(createTokenAutomaton(dfa, vocabulary, { cache }).forced(state), `${where} (cached mask)`).toEqual(expected);
        states++;
        if (expected.length > 0) forcedStates++;
      }
    }
    expect(forcedStates).toBeGreaterThan(15);
    expect(forcedStates).toBeLessThan(states);
  });

  it('is exact where the canonical tokenization is not the only one: `"` then `:` vs `":`', () => {
    const words = ['"', '":', ':', '1', 'x'];
    const vocabulary = vocabularyFromBytes([...words, '<eos>'].map((w) => enc.encode(w)), { eosIds: [words.length] });
    const id = (w: string) => words.indexOf(w);
    const machine = DfaByteMachine.fromStrings(['":1']);
    const automaton = createTokenAutomaton(machine, vocabulary, { cache: false });
    expect(automaton.forced(automaton.initial)).toEqual([]); // `"` and `":` are both allowed
    const afterQuote = automaton.advance(automaton.initial, id('"'))!;
    expect(automaton.forced(afterQuote)).toEqual([id(':')]);
    const afterColon = automaton.advance(automaton.initial, id('":'))!;
    expect(automaton.forced(afterColon)).toEqual([id('1')]);
    expect(automaton.forced(automaton.advance(afterColon, id('1'))!)).toEqual([words.length]); // only EOS
    // Without a `"` token, `":` is the one way to spell the forced bytes.
    const noQuote = vocabularyFromBytes(['":', ':', '1', '<eos>'].map((w) => enc.encode(w)), { eosIds: [3] });
    expect(createTokenAutomaton(machine, noQuote, { cache: false }).forced(0)).toEqual([0]);
    expect(automaton.forced(FINAL)).toEqual([]);
  });

  it('never computes a mask, and remembers answers per mask key', () => {
    const vocabulary = randomVocabulary(3, 200, ALPHABET);
    const dfa = randomDfa(rng(3), 12, ALPHABET, 0.2);
    const cache = new MaskCache();
    const automaton = createTokenAutomaton(dfa, vocabulary, { cache });
    const first = Array.from({ length: dfa.stateCount }, (_, state) => automaton.forced(state));
    expect(cache.size).toBe(0);
    expect(cache.misses).toBe(0);
    expect(automaton.lastVisits).toBe(0);
    for (let state = 0; state < dfa.stateCount; state++) expect(automaton.forced(state)).toBe(first[state]);
  });

  it('counts several EOS ids as one token: a document that can only end is forced to the first', () => {
    const vocabulary = vocabularyFromBytes(['a', 'b', '<eos>', '<eot>'].map((w) => enc.encode(w)), { eosIds: [2, 3] });
    const automaton = createTokenAutomaton(DfaByteMachine.fromStrings(['a']), vocabulary, { cache: false });
    expect(automaton.forced(automaton.initial)).toEqual([0]);
    const done = automaton.advance(automaton.initial, 0)!;
    const out = new Uint32Array(maskWords(vocabulary.size));
    automaton.mask(done, out);
    expect(maskDiff(out, new Uint32Array(out.length))).toEqual([2, 3]);
    expect(automaton.forced(done)).toEqual([2]);
    const twoWays = createTokenAutomaton(DfaByteMachine.fromStrings(['a', 'ab']), vocabulary, { cache: false });
    expect(twoWays.forced(twoWays.advance(twoWays.initial, 0)!)).toEqual([]); // b or EOS
  });
});

describe('shared MaskCache', () => {
  it('serves a second automaton over the same machine and keeps different machines apart', () => {
    const vocabulary = randomVocabulary(11, 300, ALPHABET);
    const cache = new MaskCache();
    const m1 = randomDfa(rng(1), 4, ALPHABET, 0.8);
    const m2 = randomDfa(rng(2), 4, ALPHABET, 0.8);
    const a1 = createTokenAutomaton(m1, vocabulary, { cache });
    const a1b = createTokenAutomaton(m1, vocabulary, { cache });
    const a2 = createTokenAutomaton(m2, vocabulary, { cache });
    const out = new Uint32Array(maskWords(vocabulary.size));
    for (let s = 0; s < 4; s++) a1.mask(s, out);
    expect(cache.size).toBe(4);
    const hits = cache.hits;
    for (let s = 0; s < 4; s++) {
      a1b.mask(s, out);
      expect(a1b.lastVisits).toBe(0);
      expect(maskDiff(out, bruteForceMask(m1, vocabulary, s))).toEqual([]);
      a2.mask(s, out);
      expect(maskDiff(out, bruteForceMask(m2, vocabulary, s))).toEqual([]);
    }
    expect(cache.hits).toBe(hits + 4);
    expect(cache.size).toBe(8);
  });

  it('evicts least recently used masks past its byte bound and stays correct', () => {
    const vocabulary = randomVocabulary(12, 3000, ALPHABET, 4);
    const dfa = randomDfa(rng(12), 30, ALPHABET, 0.95);
    const words = maskWords(vocabulary.size);
    const cache = new MaskCache({ maxBytes: 3 * (words * 4 + 160) });
    const automaton = createTokenAutomaton(dfa, vocabulary, { cache });
    const out = new Uint32Array(words);
    for (let round = 0; round < 2; round++) {
      for (let s = 0; s < 30; s++) {
        automaton.mask(s, out);
        expect(maskDiff(out, bruteForceMask(dfa, vocabulary, s))).toEqual([]);
        expect(cache.byteLength).toBeLessThanOrEqual(cache.maxBytes);
      }
    }
    expect(cache.size).toBeGreaterThan(0);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.byteLength).toBe(0);
  });
});
