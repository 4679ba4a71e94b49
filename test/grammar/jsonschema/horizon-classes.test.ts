import { describe, expect, it } from 'vitest';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { maskHas, maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { jsonSchemaAutomaton, type SchemaState } from '../../../src/grammar/jsonschema/index.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { checkSchemaMasksOnRandomWalks, smallVocabulary } from './random-walk-masks.js';

/**
 * Value strings whose automata move on every character (counted patterns) share cached masks between
 * product states that no token can tell apart (string-horizon.ts). Sharing must never change a mask:
 * random walks through the mask cache check every mask against brute force, with tokens long enough
 * to reach the counts' limits from some positions and not from others, and escapes that decode to
 * characters the patterns count.
 */

const texts: string[] = [];
for (let b = 0x20; b < 0x7f; b++) texts.push(String.fromCharCode(b));
texts.push('ab', 'abc', 'abcd', 'abcdef', '00', '0000', '00000000', 'a-', '-0', 'x y', 'x ', ' y', '  ', 'é', 'éa');
texts.push('"', 'a"', 'ab",', '0"', '0000"', '"]', '", "', '"}', '{"', '{', '}', '[', ']', ',', ':', '": "');
texts.push('\\', '\\u', '\\u00', '\\u0061', '\\u0041"', 'a\\u0062', '\\n', '\\"', '\\ud83d', '\\ude00', '\\u00e9', '\\u01', '\\u000', '0\\');
const SMALL = smallVocabulary(texts);
const { vocabulary, texts: unique } = SMALL;

const schemas: [string, unknown][] = [
  ['fixed-length hex', { type: 'array', items: { type: 'string', pattern: '^[a-f0-9]{12}$' }, maxItems: 3 }],
  ['bounded word characters', { type: 'array', items: { type: 'string', pattern: '^[0-9a-z_-]{1,10}$' }, maxItems: 3 }],
  ['word counts with a maxLength', { type: 'array', items: { type: 'string', pattern: '^(?:\\S+\\s+){0,3}\\S+$', maxLength: 14 }, maxItems: 3 }],
  ['segments', { type: 'array', items: { type: 'string', pattern: '^[a-f0-9]{4}-[a-f0-9]{6}$' }, maxItems: 3 }],
  ['counted letters or an enum', { type: 'array', items: { anyOf: [{ type: 'string', pattern: '^[A-Za-z]{3,9}$' }, { enum: ['abc-0', 'x y'] }] }, maxItems: 3 }],
  // Counting modulo 4: no byte kills one of the states 1 and 3 and not the other, yet `a"` closes the
  // string after 3 and not after 1: an equivalence must compare accepting atoms too, not only deaths.
  ['a count modulo 4', { type: 'array', items: { type: 'string', pattern: '^(?:aaaa)*$' }, maxItems: 3 }],
  // After `a` and after `b` every raw token dies and neither may close: only an unfinished `\u01`
  // tells them apart (it can still become U+0101, not U+0201).
  // Unanchored counts never die: the pair walk skips body-only subtrees and compares the closings.
  ['an unanchored count', { type: 'array', items: { type: 'string', pattern: '[a-z0-9]{6}' }, maxItems: 3 }],
  ['an unanchored count with a maxLength', { type: 'array', items: { type: 'string', pattern: '[0-9]{4}', maxLength: 12 }, maxItems: 3 }],
  ['an unfinished escape', { type: 'array', items: { type: 'string', pattern: '^(?:a\u0101|b\u0201)$' }, maxItems: 4 }],
  // Before and after the U+0001 the letters count alike and no raw token can write it: only `\u000`,
  // which can still become U+0001 before it and nothing after it, tells the positions apart.
  ['an unfinished escape of one byte', { type: 'array', items: { type: 'string', pattern: '^[a-z]{0,20}(?:\\x01[a-z]{0,20})?$' }, maxItems: 3 }],
];

describe('masks shared by horizon classes equal brute force', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      const checked = checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 7919, maxWhitespaceRun: 2, walks: 40, steps: 30, stopChance: 0.02, passes: 1 });
      expect(checked).toBeGreaterThan(200);
    });
  }
});

describe('horizon classes where one state can die and the other not', () => {
  it('walk the body subtrees below where only one state is safe', () => {
    // Both count characters by pairs; after `a` only printable ASCII and `é` may follow, after `b`
    // anything. No escape token, and only `xã` kills the first state: below `x`, where the second
    // state cannot die and the first can, the body-only subtree must still be walked.
    const own: string[] = [];
    for (let b = 0x20; b < 0x7f; b++) if (b !== 0x5c) own.push(String.fromCharCode(b));
    own.push('é', 'xã', 'éa', 'a"', 'b"', '", "', '"]');
    const small = smallVocabulary(own);
    const schema = { type: 'array', items: { type: 'string', pattern: '^(?:a(?:(?:[ -~]|é){2})*|b(?:[\\s\\S]{2})*)$' }, maxItems: 3 };
    const checked = checkSchemaMasksOnRandomWalks('one state safe', schema, small, { seed: 4242, maxWhitespaceRun: 1, walks: 60, steps: 24, stopChance: 0.02, passes: 1 });
    expect(checked).toBeGreaterThan(300);
  });
});

describe('horizon classes', () => {
  it('serve one cached mask to positions no token can tell apart, and walk the others', () => {
    const automaton = jsonSchemaAutomaton({ type: 'string', pattern: '^[a-f0-9]{24}$' }, vocabulary, { cache: new MaskCache() });
    const mask = new Uint32Array(maskWords(vocabulary.size));
    const id = (t: string) => unique.indexOf(t);
    let state = automaton.advance(automaton.initial, id('"')) as SchemaState;
    const walked: boolean[] = [];
    // The longest token of hex digits is 8 long: positions 0..16 allow the same tokens, 17.. do not.
    for (let chars = 0; chars < 24; chars += 2) {
      automaton.mask(state, mask);
      walked.push(automaton.lastVisits !== 0);
      state = automaton.advance(state, id('00')) as SchemaState;
    }
    expect(walked).toEqual([true, false, false, false, false, false, false, false, false, true, true, true]);
  });

  it('tell apart positions by the tokens that end there, long ones too (the probe walk)', () => {
    // A 36-digit token (on the pair walk's probe path, PROBE_DEPTH 32) fits positions 0..12 of a
    // 48-digit id and no later one; 8-digit tokens fit up to 40. From 14 to 40 the states die at
    // different depths of the long token, but no token ends between: they share one mask.
    const texts = [...unique, '0'.repeat(36)];
    const eos = texts.length;
    const long = vocabularyFromBytes([...texts.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [eos] });
    const automaton = jsonSchemaAutomaton({ type: 'string', pattern: '^[a-f0-9]{48}$' }, long, { cache: new MaskCache() });
    const mask = new Uint32Array(maskWords(long.size));
    let state = automaton.advance(automaton.initial, texts.indexOf('"')) as SchemaState;
    const walked: number[] = [];
    for (let chars = 0; chars < 48; chars += 2) {
      automaton.mask(state, mask);
      if (automaton.lastVisits !== 0) walked.push(chars);
      for (let id = 0; id < eos; id++) expect([texts[id], chars, maskHas(mask, id)]).toEqual([texts[id], chars, automaton.advance(state, id) !== undefined]);
      state = automaton.advance(state, texts.indexOf('00')) as SchemaState;
    }
    expect(walked).toEqual([0, 14, 42, 44, 46]);
  });
});

describe('the pair walk skips only subtrees that cannot tell the pair apart', () => {
  // After `x` the pattern loops on `a` and `b`; after `y` it loops on `a` only (a `b` moves it on). Under
  // the token prefix `a` both states loop, yet `aba` kills the second and not the first: skipping that
  // subtree because ONE of the states loops on its bytes would put the two in one class (each order of
  // first visits: the state classified second is the walk's first of the pair). The escaped variant
  // (`a\u0062a`) must be told apart too.
  const pattern = '^(?:x[ab]*d?|ya*b*d?)$';
  for (const [name, extra] of [
    ['a raw body token', ['ab', 'aba']],
    ['an escape below a looping prefix', ['a\\u0062a', '\\u0062']],
  ] as const) {
    for (const order of [['x', 'y'], ['y', 'x']]) {
      it(`${name}, ${order.join(' before ')}`, () => {
        const texts = [...extra, '"', '[', ']', ',', 'x', 'y', 'a', 'b', 'd'];
        const eos = texts.length;
        const small = vocabularyFromBytes([...texts.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [eos] });
        const automaton = jsonSchemaAutomaton({ type: 'array', items: { type: 'string', pattern } }, small, { cache: new MaskCache(), maxWhitespaceRun: 0 });
        const mask = new Uint32Array(maskWords(small.size));
        for (const first of order) {
          let state = automaton.initial;
          for (const t of ['[', '"', first]) state = automaton.advance(state, texts.indexOf(t)) as SchemaState;
          automaton.mask(state, mask);
          for (let id = 0; id < eos; id++) {
            expect([texts[id], maskHas(mask, id)]).toEqual([texts[id], automaton.advance(state, id) !== undefined]);
          }
        }
      });
    }
  }
});
