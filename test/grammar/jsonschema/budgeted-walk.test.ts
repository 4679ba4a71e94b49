import { describe, expect, it } from 'vitest';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { checkSchemaMasksOnRandomWalks } from './random-walk-masks.js';

/**
 * Key states under open objects mask most tokens by class (string-exits.ts) and walk only the escape
 * tokens with the full machine (stringWalk). Masks must equal brute force on a vocabulary rich in
 * escape tokens (`\n`, `\"`, `\u0022`, and tokens that close the key after an escape: `\\"`, `\\":`),
 * with the same key prefixes under other array items and enclosing values, and with requirements
 * that reach from the key's object upward (anyOf, contains, dependentRequired).
 */

const texts: string[] = [];
for (let b = 0x20; b < 0x7f; b++) texts.push(String.fromCharCode(b));
texts.push(
  '\\', '\\n', '\\t', '\\"', '\\\\', '\\/', '\\u', '\\u00', '\\u0022', '\\u006e', '\\ud83d', '\\ude00', '\\n\\n', '.\\n', 'a\\', 'na\\',
  '\\\\"', '\\",', '\\":', '\\"}', '\\\\",', '\\\\":', 'n\\"', 'x\\\\":', '\\n"', '\\t":', '\\u0061":', '\\u006e": 1',
  '"', '":', '": ', '",', '"}', '{"', '[{', '}]', '},', '}, {', 'name', 'na', 'me', 'nam', 'ty', 'type', '"n', 'ame":', '1', '"x"', 'true',
);
const EOS = texts.length;
const vocabulary = vocabularyFromBytes([...texts.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [EOS] });
const SMALL = { vocabulary, texts, eos: EOS };

const schemas: [string, unknown][] = [
  ['open objects across array items', { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, na: { type: 'integer' }, 'n"': { const: 1 } }, required: ['name'] } }],
  ['open keys under nested values', { type: 'object', properties: { a: { type: 'array', items: { type: 'object', properties: { type: { const: 'x' } } } }, name: { type: 'object', properties: { na: { type: 'boolean' } }, maxProperties: 2 } } }],
  ['requirements reaching upward', { type: 'array', items: { anyOf: [{ type: 'object', properties: { name: false }, minProperties: 1 }, { type: 'object', required: ['type'], properties: { type: { type: 'integer' } } }] }, contains: { required: ['na'] } }],
  ['dependent names', { type: 'array', items: { type: 'object', properties: { 'x\\': { type: 'integer' } }, dependentRequired: { name: ['type'] }, additionalProperties: { type: 'string' } } }],
];

describe('key escape walks keep masks equal to brute force', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      const checked = checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 104729, maxWhitespaceRun: 2, walks: 16, steps: 50, stopChance: 0.1, passes: 1 });
      expect(checked).toBeGreaterThan(150);
    });
  }
});

/**
 * The automaton-only body walk (bodyAutomatonWalk) accepts a whole subtree unstepped when every body
 * byte below it leaves the product state unchanged (StringPlan.loopBytes) and no length runs out.
 * Masks must equal brute force where that holds for some subtrees and not others: tokens mixing loop
 * bytes with bytes that move the state (`@`, `g`, `.`), closing or escaping below a clean prefix,
 * lengths that run out inside a subtree, atoms dying while the document survives, and keys.
 */
const loopTexts: string[] = [];
for (let b = 0x20; b < 0x7f; b++) loopTexts.push(String.fromCharCode(b));
loopTexts.push(
  'ab', 'abc', 'abcd', 'abcde', 'ab_c', 'ab-c.d', 'ab.', 'abc@', 'ab@gov', 'gov', 'gov.uk', '.uk', 'uk', 'go', 'ab c', 'ab"', 'abc":',
  'ab\\n', 'abé', 'é', 'x-', 'x-ab', 'xy', 'xyz', 'zz', 'zzz', 'zzzz', 'zz9', '99', '9.9', '"', '":', '": ', '",', '"]', '"}', '{"', '["',
);
const LOOP_EOS = loopTexts.length;
const loopVocabulary = vocabularyFromBytes([...loopTexts.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [LOOP_EOS] });
const LOOP_SMALL = { vocabulary: loopVocabulary, texts: loopTexts, eos: LOOP_EOS };

const loopSchemas: [string, unknown][] = [
  ['a class loop', { type: 'array', items: { type: 'string', pattern: '^[a-z_.-]+$' } }],
  ['loops broken by some bytes', { type: 'array', items: { type: 'string', pattern: '^.*@.*gov\\.uk$' } }],
  ['loops with a length running out', { type: 'array', items: { type: 'string', pattern: '^[a-z]*$', maxLength: 4 } }],
  ['atoms dying while the document survives', { type: 'array', items: { anyOf: [{ type: 'string', pattern: '^[a-z]+$' }, { type: 'string', pattern: '^z+9?$', maxLength: 3 }] } }],
  ['closed pattern keys', { type: 'array', items: { type: 'object', patternProperties: { '^[a-c]+$': { type: 'integer' }, '^x-[a-z]*$': {} }, additionalProperties: false } }],
];

describe('body walks skipping subtrees of loop bytes keep masks equal to brute force', () => {
  for (const [name, schema] of loopSchemas) {
    it(name, () => {
      const checked = checkSchemaMasksOnRandomWalks(name, schema, LOOP_SMALL, { seed: name.length * 7777, maxWhitespaceRun: 2, walks: 16, steps: 30, stopChance: 0.1, passes: 1 });
      expect(checked).toBeGreaterThan(150);
    });
  }
});
