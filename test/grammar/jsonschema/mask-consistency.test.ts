import { describe, expect, it } from 'vitest';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { maskHas, maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { jsonSchemaAutomaton } from '../../../src/grammar/jsonschema/index.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { checkSchemaMasksOnRandomWalks } from './random-walk-masks.js';

/**
 * Masks must equal brute force: a token is in the mask exactly when `advance` accepts it, EOS exactly
 * when `accepts` holds. Checked on states reached by random walks over a small vocabulary designed to
 * exercise every path of the machine's own mask walk (string-body slices with length budgets, the
 * cursor's fast records, escapes, partial UTF-8 tokens, whitespace runs, numbers).
 */

function token(s: string | number[]): Uint8Array {
  return typeof s === 'string' ? new TextEncoder().encode(s) : Uint8Array.from(s);
}

const texts: (string | number[])[] = [];
for (let b = 0x20; b < 0x7f; b++) texts.push(String.fromCharCode(b));
texts.push(
  '\n', '\t', '  ', '   ', '\n  ', '"', '":', '": ', '", "', '","', '{"', '"}', '"]', '"],', '["', '[{', '}]', '},',
  'true', 'false', 'null', 'nu', '12', '345', '0.', '.5', 'e+', 'E-', '-0', '1e', 'ab', 'abc', 'name', 'na', 'me',
  'type', 'x-', 'wifi', ' "', ' {', ' [', '\\n', '\\u', '\\u00', 'e9', '\\"', 'é', '😀', 'a"', 'ab":', 'é"', '2020',
  '-12-31', 'T23', ':59', ':60', 'Z"', '@', '.com', [0xc3], [0xa9], [0xf0, 0x9f], [0x98, 0x80],
  'name":', 'na"', 'me":', 'type"', 'ame": "', '"name', 'x"}', [0x61, 0xc3], [0xa9, 0x22], 'na": "', 'na":"', 'type":', 'ype": 1',
);
const EOS = texts.length;
const vocabulary = vocabularyFromBytes([...texts.map(token), new Uint8Array(0)], { eosIds: [EOS] });
const SMALL = { vocabulary, texts, eos: EOS };

const schemas: [string, unknown][] = [
  ['empty', {}],
  ['object', { type: 'object', properties: { name: { type: 'string', maxLength: 6 }, type: { enum: ['wifi', 'eth'] }, n: { type: 'integer', minimum: 0 } }, required: ['name'], additionalProperties: false }],
  ['open keys', { type: 'object', patternProperties: { '^x-': { type: 'number' } }, additionalProperties: { type: 'string', minLength: 2, maxLength: 4 } }],
  ['strings', { type: 'array', items: { anyOf: [{ type: 'string', pattern: 'wifi' }, { type: 'string', maxLength: 3 }, { const: 'abc' }] }, uniqueItems: true }],
  ['string alternatives', { type: 'array', items: { anyOf: [{ type: 'string', pattern: '^[a-z]+$' }, { type: 'string', maxLength: 3 }, { enum: ['abc', 'name'] }] } }],
  ['numbers', { type: 'array', items: { type: 'number', exclusiveMinimum: -1, maximum: 3000, multipleOf: 0.5 }, maxItems: 4 }],
  ['date-time', { type: 'array', items: { type: 'string', format: 'date-time' } }],
  ['email or null', { type: ['object', 'null'], properties: { a: { format: 'email' } }, unevaluatedProperties: false }],
  ['open named keys', { type: 'object', properties: { name: { type: 'string' }, na: { type: 'integer' }, type: { const: 'x' } }, required: ['type'] }],
  ['nested open objects', { type: 'array', items: { type: 'object', additionalProperties: { type: ['string', 'object'] } } }],
  // Closed keys: the key body walk (automaton first, the full machine where the key touches the object).
  ['closed pattern keys', { type: 'array', items: { type: 'object', patternProperties: { '^[a-z]{1,4}$': { type: 'integer' }, '^x-': { type: 'string' } }, additionalProperties: false } }],
  ['closed names and patterns', { type: 'object', properties: { name: { type: 'string' }, type: { const: 'x' } }, patternProperties: { '^n[a-z]*$': { type: 'integer' } }, additionalProperties: false, propertyNames: { maxLength: 5 } }],
  ['closed keys under anyOf', { anyOf: [{ type: 'object', patternProperties: { '^a': {} }, additionalProperties: false }, { type: 'object', properties: { name: {} }, additionalProperties: false }] }],
];

describe('token masks equal brute force on a small vocabulary', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      const checked = checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 7919, maxWhitespaceRun: 3, walks: 12, steps: 40, stopChance: 0.2, passes: 2 });
      expect(checked).toBeGreaterThan(100);
    });
  }
});

describe('cached masks at the end of a document', () => {
  it('keep the EOS bit with the final validation: one frame stack, two verdicts', () => {
    // Both states end the same frames (a complete number at the root); only the recorded document
    // differs, and ajv's final check (const 1) accepts one of them. A mask key without the verdict
    // would serve the first mask, EOS bit included, to the second state.
    const automaton = jsonSchemaAutomaton({ const: 1 }, vocabulary, { cache: new MaskCache() });
    let state = automaton.advance(automaton.initial, texts.indexOf('1'));
    state = automaton.advance(state!, texts.indexOf(' '));
    expect(state).toBeDefined();
    const valid = state as { frame: unknown; doc: string };
    const invalid = { frame: valid.frame, doc: '2 ' };
    const mask = new Uint32Array(maskWords(vocabulary.size));
    automaton.mask(valid as never, mask);
    expect(maskHas(mask, EOS)).toBe(true);
    expect(maskHas(mask, texts.indexOf(' '))).toBe(true);
    automaton.mask(invalid as never, mask);
    expect(maskHas(mask, EOS)).toBe(false);
    expect(maskHas(mask, texts.indexOf(' '))).toBe(true);
    expect(automaton.accepts(invalid as never)).toBe(false);
  });
});
