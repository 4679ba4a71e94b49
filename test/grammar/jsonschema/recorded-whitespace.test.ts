import { describe, expect, it } from 'vitest';
import { maskHas, maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { jsonSchemaAutomaton } from '../../../src/grammar/jsonschema/index.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { checkSchemaMasksOnRandomWalks } from './random-walk-masks.js';

/**
 * Whitespace inside recorded values (uniqueItems arrays and everything in them) goes through the
 * cursor's fast whitespace records, which rebuild the record from the bytes pushed when a frame is
 * needed (SchemaCursor.frameAt). Masks must equal brute force (`advance`, stepping the machine byte by
 * byte) on a vocabulary of whitespace runs mixed with item ends, so that items complete (and are
 * compared) right after whitespace, inside one token, and at the whitespace bound.
 */

const texts = [
  'a', 'b', '1', '2', '"', '"a"', '"b"', '"a",', '"a"]', '"a" ]', '" ]', '",', '"]', '",\n', '"\n]',
  ',', ', ', ' ,', ',\n ', '[', ']', '[ ', ' [', ' ]', '\n]', '{', '}', ' }', '{"', '{ "', '"a":', '": ', ':', ' :',
  ' ', '  ', '   ', '\n', '\n ', '\n  ', ' \n', '\t', '1,', '1]', '1 ]', ' 1', '1 ', '2\n', 'true', 'null', ' null',
];
const EOS = texts.length;
const vocabulary = vocabularyFromBytes([...texts.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [EOS] });
const SMALL = { vocabulary, texts, eos: EOS };

const schemas: [string, unknown][] = [
  ['strings with a length limit in a uniqueItems array', { type: 'array', items: { type: 'string', maxLength: 2 }, uniqueItems: true }],
  ['any values in a uniqueItems array', { type: 'array', uniqueItems: true, maxItems: 4 }],
  ['uniqueItems arrays of uniqueItems arrays', { type: 'array', items: { type: 'array', items: { type: 'integer' }, uniqueItems: true }, uniqueItems: true }],
  ['objects compared as items', { type: 'array', items: { type: 'object', additionalProperties: { enum: [1, 2, 'a'] } }, uniqueItems: true }],
  ['a uniqueItems array as a property', { type: 'object', properties: { a: { type: 'array', uniqueItems: true, items: { enum: ['a', 'b', 1, 2, null] } } } }],
];

describe('whitespace in recorded values keeps masks equal to brute force', () => {
  for (const [name, schema] of schemas) {
    for (const maxWhitespaceRun of [2, 64]) {
      it(`${name} (whitespace runs up to ${maxWhitespaceRun})`, () => {
        const checked = checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 7919 + maxWhitespaceRun, maxWhitespaceRun: maxWhitespaceRun, walks: 24, steps: 30, stopChance: 0.05, passes: 2 });
        expect(checked).toBeGreaterThan(300);
      });
    }
  }
});

describe('whitespace in recorded values on chosen states', () => {
  const mask = new Uint32Array(maskWords(vocabulary.size));
  const id = (t: string) => texts.indexOf(t);
  const maskAfter = (schema: unknown, tokens: string[]) => {
    const automaton = jsonSchemaAutomaton(schema, vocabulary, { cache: false, maxWhitespaceRun: 3 });
    let state: Parameters<typeof automaton.mask>[0] = automaton.initial;
    for (const t of tokens) {
      const next = automaton.advance(state, id(t));
      expect(next, `after ${JSON.stringify(t)}`).toBeDefined();
      state = next!;
    }
    automaton.mask(state, mask);
    return (t: string) => maskHas(mask, id(t));
  };

  it('refuses a repeated item that completes after whitespace, and allows a new one', () => {
    const prefix = ['[', '"a"', ',\n ', '[', ' 1', ']', ', ', '[ ', '1'];
    // `[ 1  ]` repeats `[ 1]` (whitespace is not part of the value); `[ 1  ,2]` would not.
    let has = maskAfter({ type: 'array', uniqueItems: true }, [...prefix, '  ']);
    expect(has(']')).toBe(false);
    expect(has(' ]')).toBe(false);
    expect(has(',')).toBe(true);
    expect(has(' ,')).toBe(true);
    // Three spaces: a fourth is past the bound (maxWhitespaceRun 3).
    has = maskAfter({ type: 'array', uniqueItems: true }, [...prefix, '   ']);
    expect(has(' ,')).toBe(false);
    expect(has(',')).toBe(true);
    expect(has(']')).toBe(false);
  });

  it('compares objects written with different whitespace as equal', () => {
    const has = maskAfter({ type: 'array', uniqueItems: true }, ['[', '{"', 'a', '": ', '1', '}', ', ', '{ "', 'a', '"', ' :', ' 1', ' ']);
    expect(has('}')).toBe(false);
    expect(has(' }')).toBe(false);
    expect(has(',')).toBe(true);
  });
});
