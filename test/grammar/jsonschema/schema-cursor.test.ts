import { describe, expect, it } from 'vitest';
import { maskHas, maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { jsonSchemaAutomaton } from '../../../src/grammar/jsonschema/index.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { checkSchemaMasksOnRandomWalks } from './random-walk-masks.js';

/**
 * The cursor keeps escapes in fast records (SchemaCursor.pushEscape): a finished escape steps the
 * product automaton with its decoded code point, an unfinished one asks the machine once per record.
 * Masks must equal brute force (`advance`, which steps the machine byte by byte) on a vocabulary of
 * escapes of every form: one-character escapes, `\uXXXX` in pieces, surrogate pairs whole and split
 * (a lone low surrogate is refused), escapes that close a string or a key, and mask states in the
 * middle of an escape. The schemas make decoded code points matter: enums and consts spelled through
 * escapes (unfinished escapes die early), patterns and lengths that kill an atom on a code point
 * (the derived base), property names reached through escapes, keys that may repeat a written
 * undeclared key (the full step), and recorded values (uniqueItems arrays).
 */

const texts: string[] = [];
for (let b = 0x20; b < 0x7f; b++) texts.push(String.fromCharCode(b));
texts.push(
  '\\', '\\n', '\\t', '\\"', '\\\\', '\\/', '\\b', '\\u', '\\u0', '\\u00', '\\u006', '\\u0061', '\\u00e9', '\\u00E9', '\\u0022',
  '\\ud83d', '\\ude00', '\\ud83d\\ude00', '\\ud8', '\\udc', '\\uDE00', 'e9', 'E9', '00', '3d', 'de00', '\\n\\n', 'a\\n', 'a\\u0062',
  '\\u00e9"', '\\ude00":', '\\n":', '\\"}', '\\u0061": 1', '\\\\",', 'é', '😀', 'ab', '"', '":', '": ', '",', '"]', '"}', '{"', '["',
  '[{', '}]', '},', ', "', 'é":', '😀"',
);
const EOS = texts.length;
const vocabulary = vocabularyFromBytes([...texts.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [EOS] });
const SMALL = { vocabulary, texts, eos: EOS };

const schemas: [string, unknown][] = [
  ['enums spelled through escapes', { type: 'array', items: { enum: ['a\nb', 'é', '😀x', 'a"', 'ab\\'] } }],
  ['a const with a surrogate pair', { type: 'array', items: { const: '😀😀a' } }],
  ['a pattern killing on decoded code points', { type: 'array', items: { type: 'string', pattern: '^[a-z\\n😀]*$' } }],
  ['atoms dying while the document survives', { type: 'array', items: { anyOf: [{ type: 'string', maxLength: 3 }, { type: 'string', pattern: '^[a-zé\\n]+$' }, { const: 'é😀' }] } }],
  ['lengths counting escapes as one character', { type: 'array', items: { type: 'string', minLength: 2, maxLength: 4 } }],
  ['property names reached through escapes', { type: 'object', properties: { 'a\nb': { type: 'integer' }, é: { type: 'integer' }, '😀': { const: 1 } }, additionalProperties: false }],
  ['open keys with escaped names', { type: 'array', items: { type: 'object', properties: { é: { type: 'integer' }, 'a"': { type: 'string' } }, required: ['é'] } }],
  ['keys that may repeat written undeclared keys', { type: 'object', additionalProperties: { type: 'integer' }, propertyNames: { maxLength: 3 } }],
  ['closed pattern keys', { type: 'object', patternProperties: { '^[aé😀]+$': { type: 'integer' } }, additionalProperties: false }],
  // Recorded values (uniqueItems): fast records rebuild the recorded text when a frame is needed.
  ['recorded strings', { type: 'array', items: { anyOf: [{ enum: ['a\nb', 'é', '😀x', 'ab'] }, { type: 'string', maxLength: 2 }] }, uniqueItems: true }],
  ['recorded keys', { type: 'array', items: { type: 'object', additionalProperties: { type: 'integer' }, maxProperties: 2 }, uniqueItems: true }],
];

describe('escapes in the cursor keep masks equal to brute force', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      const checked = checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 65537, maxWhitespaceRun: 2, walks: 16, steps: 40, stopChance: 0.1, passes: 2 });
      expect(checked).toBeGreaterThan(200);
    });
  }
});

describe('escape masks on chosen states', () => {
  const mask = new Uint32Array(maskWords(vocabulary.size));
  const id = (t: string) => texts.indexOf(t);
  const after = (schema: unknown, tokens: string[]) => {
    const automaton = jsonSchemaAutomaton(schema, vocabulary, { cache: false });
    let state: Parameters<typeof automaton.mask>[0] = automaton.initial;
    for (const t of tokens) state = automaton.advance(state, id(t))!;
    expect(state).toBeDefined();
    automaton.mask(state, mask);
    return automaton;
  };

  it('finish a surrogate pair only with the low half that completes an allowed character', () => {
    after({ enum: ['😀', '😀a'] }, ['"', '\\ud83d']);
    expect(maskHas(mask, id('\\ude00'))).toBe(true);
    expect(maskHas(mask, id('\\uDE00'))).toBe(true);
    // `\udc..` spells U+1F400..U+1F4FF: none is allowed.
    expect(maskHas(mask, id('\\udc'))).toBe(false);
    expect(maskHas(mask, id('\\n'))).toBe(false);
    expect(maskHas(mask, id('\\u0061'))).toBe(false);
  });

  it('refuse an unfinished escape that no allowed character completes', () => {
    after({ enum: ['é', 'ab'] }, ['"']);
    expect(maskHas(mask, id('\\u00e9'))).toBe(true);
    expect(maskHas(mask, id('\\u00e9"'))).toBe(true);
    expect(maskHas(mask, id('\\u0061'))).toBe(true);
    expect(maskHas(mask, id('\\u00'))).toBe(true);
    expect(maskHas(mask, id('\\u006'))).toBe(true);
    expect(maskHas(mask, id('\\u0022'))).toBe(false);
    expect(maskHas(mask, id('\\ud83d'))).toBe(false);
    expect(maskHas(mask, id('\\n'))).toBe(false);
    expect(maskHas(mask, id('\\udc'))).toBe(false);
  });

  it('count an escape as one character against maxLength', () => {
    after({ type: 'string', maxLength: 2 }, ['"', 'a']);
    expect(maskHas(mask, id('\\ud83d\\ude00'))).toBe(true);
    expect(maskHas(mask, id('\\u00e9"'))).toBe(true);
    expect(maskHas(mask, id('\\n\\n'))).toBe(false);
    expect(maskHas(mask, id('a\\n'))).toBe(false);
  });

  it('refuse a key that spells a written undeclared key through an escape', () => {
    after({ type: 'object', additionalProperties: { type: 'integer' } }, ['{"', 'é":', ' ', '1', ', "']);
    expect(maskHas(mask, id('\\u00e9"'))).toBe(false);
    expect(maskHas(mask, id('é":'))).toBe(false);
    expect(maskHas(mask, id('\\u00e9'))).toBe(true);
    expect(maskHas(mask, id('\\u0061": 1'))).toBe(true);
  });

  it('refuse an escape that leaves a key no way to be new', () => {
    // `"ab` can neither close (a duplicate) nor grow (maxLength 2): the key is a dead end.
    after({ type: 'object', additionalProperties: { type: 'integer' }, propertyNames: { maxLength: 2 } }, ['{"', 'ab', '":', ' ', '1', ', "']);
    expect(maskHas(mask, id('a\\u0062'))).toBe(false);
    expect(maskHas(mask, id('ab'))).toBe(false);
    expect(maskHas(mask, id('a\\n'))).toBe(true);
    expect(maskHas(mask, id('\\u0061'))).toBe(true);
  });
});

describe('atom deaths shared across walks (FastInfo.deaths)', () => {
  // After `ab` and after `aab` the product state is the same (`^a*$` dead, `^[ab]*$` looping), but
  // only the count of `aab` kills the maxLength atom: exactly one alternative then matches.
  const words = ['"', 'a', 'b', 'ab', 'aab', 'aa', 'ab"', 'aab"', 'b"', 'a"', '"ab"', '"aab"'];
  const eos = words.length;
  const small = vocabularyFromBytes([...words.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [eos] });
  const schema = { oneOf: [{ type: 'string', maxLength: 2 }, { type: 'string', pattern: '^[ab]*$' }, { type: 'string', pattern: '^a*$' }] };
  const mask = new Uint32Array(maskWords(small.size));
  const id = (t: string) => words.indexOf(t);

  it('tells apart two counts of one product state', () => {
    const automaton = jsonSchemaAutomaton(schema, small, { cache: false });
    const quote = automaton.advance(automaton.initial, id('"'))!;
    // Twice: the second walk takes its deaths from the first one's.
    for (let pass = 0; pass < 2; pass++) {
      automaton.mask(quote, mask);
      expect(maskHas(mask, id('ab"')), 'ab: two alternatives match').toBe(false);
      expect(maskHas(mask, id('aab"')), 'aab: only the pattern [ab]* matches').toBe(true);
      automaton.mask(automaton.initial, mask);
      expect(maskHas(mask, id('"ab"'))).toBe(false);
      expect(maskHas(mask, id('"aab"'))).toBe(true);
    }
  });

  it('keeps masks equal to brute force', () => {
    const checked = checkSchemaMasksOnRandomWalks('deaths by state and count', schema, { vocabulary: small, texts: words, eos }, { seed: 17, maxWhitespaceRun: 2, walks: 24, steps: 8, stopChance: 0.2, passes: 2 });
    expect(checked).toBeGreaterThan(50);
  });
});
