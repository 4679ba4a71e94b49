import { describe, expect, it } from 'vitest';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { maskHas, maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { compileJsonSchema, jsonSchemaAutomaton, type JsonSchemaOptions } from '../../../src/grammar/jsonschema/index.js';
import type { SchemaState } from '../../../src/grammar/jsonschema/schema-machine.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';

/**
 * Every object refuses a key it already has, declared or not, compared on the decoded key (JSON.parse
 * would keep the last one and silently drop the earlier value; samplers looped `"owl": "owl", "owl":
 * ...` when undeclared repeats were allowed). The refusal comes at the quote that closes the repeated
 * key, and never leaves a state without a completion.
 */

/** The index of the first byte of `text` the machine refuses (-1 when it takes them all). */
function deadAt(schema: unknown, text: string, options: JsonSchemaOptions = {}): number {
  const { machine } = compileJsonSchema(schema, options);
  let s: SchemaState | undefined = machine.initial;
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    s = machine.step(s, bytes[i]);
    if (s === undefined) return i;
  }
  return -1;
}

function accepts(schema: unknown, text: string): boolean {
  const { machine } = compileJsonSchema(schema);
  let s: SchemaState | undefined = machine.initial;
  for (const b of Buffer.from(text, 'utf8')) {
    s = machine.step(s, b);
    if (s === undefined) return false;
  }
  return machine.accepts(s);
}

/** The index of the last byte of `text` (where a repeated key's closing quote is refused). */
const last = (text: string) => Buffer.byteLength(text, 'utf8') - 1;

describe('duplicate object keys', () => {
  it('refuses an undeclared key written twice at its closing quote, and only there', () => {
    expect(deadAt({}, '{"x":1,"x"')).toBe(last('{"x":1,"x"'));
    expect(deadAt({}, '{"x":1, "y":2 ,"x"')).toBe(last('{"x":1, "y":2 ,"x"'));
    expect(accepts({}, '{"x":1,"xy":2}')).toBe(true);
    expect(accepts({}, '{"xy":1,"x":2,"":3,"y":4}')).toBe(true);
    // The name can still grow past the repeat.
    expect(deadAt({}, '{"x":1,"xx":2}')).toBe(-1);
    expect(deadAt({ type: 'object', additionalProperties: { type: 'string' } }, '{"owl": "owl", "owl"')).toBe(last('{"owl": "owl", "owl"'));
  });

  it('compares keys after JSON escapes', () => {
    expect(deadAt({}, '{"a":1,"\\u0061"')).toBe(last('{"a":1,"\\u0061"'));
    expect(deadAt({}, '{"\\u0061":1,"a"')).toBe(last('{"\\u0061":1,"a"'));
    expect(deadAt({}, '{"é":1,"\\u00e9"')).toBe(last('{"é":1,"\\u00e9"'));
    expect(deadAt({}, '{"\\ud83d\\ude00":1,"😀"')).toBe(last('{"\\ud83d\\ude00":1,"😀"'));
    expect(deadAt({}, '{"\\n":1,"\\u000a"')).toBe(last('{"\\n":1,"\\u000a"'));
    expect(accepts({}, '{"a":1,"\\u0062":2,"\\"":3,"\\\\":4}')).toBe(true);
  });

  it('keeps the keys of each object apart', () => {
    expect(accepts({}, '{"x":{"x":1}}')).toBe(true);
    expect(accepts({}, '[{"x":1},{"x":2}]')).toBe(true);
    expect(accepts({}, '{"x":{"y":1},"y":{"x":{"x":[{"x":0}]}}}')).toBe(true);
    expect(deadAt({}, '{"x":{"x":1},"x"')).toBe(last('{"x":{"x":1},"x"'));
  });

  it('refuses declared and undeclared repeats side by side', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer' } }, patternProperties: { '^p': { type: 'integer' } } };
    expect(accepts(schema, '{"a":1,"b":2,"p":3,"ab":4}')).toBe(true);
    expect(deadAt(schema, '{"a":1,"b":2,"a"')).toBe(last('{"a":1,"b":2,"a"'));
    expect(deadAt(schema, '{"b":1,"a":2,"b"')).toBe(last('{"b":1,"a":2,"b"'));
    expect(deadAt(schema, '{"p":1,"a":2,"p"')).toBe(last('{"p":1,"a":2,"p"'));
    expect(deadAt(schema, '{"a":1,"\\u0061"')).toBe(last('{"a":1,"\\u0061"'));
  });

  it('refuses the comma or the byte after which no new key can be written', () => {
    // Only "a" and "b" are possible keys: once both are written, no property can follow.
    const twoNames = { type: 'object', propertyNames: { enum: ['a', 'b'] } };
    expect(accepts(twoNames, '{"a":1,"b":2}')).toBe(true);
    expect(deadAt(twoNames, '{"a":1,"b":2,')).toBe(last('{"a":1,"b":2,'));
    const closed = { type: 'object', patternProperties: { '^(a|b)$': {} }, additionalProperties: false };
    expect(accepts(closed, '{"b":1,"a":2}')).toBe(true);
    expect(deadAt(closed, '{"b":1,"a":2,')).toBe(last('{"b":1,"a":2,'));
    // `"ab` could neither close (a repeat) nor grow (maxLength 2): refused at its second letter.
    const short = { type: 'object', propertyNames: { maxLength: 2 } };
    expect(deadAt(short, '{"ab":1,"ab')).toBe(last('{"ab":1,"ab'));
    expect(accepts(short, '{"ab":1,"a":2,"ac":3,"":4}')).toBe(true);
  });
});

/**
 * Two vocabularies: one with tokens that hold a whole key after a comma (`,"x":`), where mask keys tell
 * every written key apart, and one without, where they leave the written keys out of open objects'
 * masks below the next key (SchemaMachine.exactKeys). Masks must equal brute force under both.
 */
const shortTokens = [
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)),
  '"x"', 'x"', 'xy"', 'x":', '":', '","', ',"', 'ab"', 'ab', 'a"', 'b"', '\\u0061"', '\\u00', '61"', '62', 'é"', '\\u00e9"', '":1,"', '","","',
];
const vocabularies: [string, string[]][] = [
  ['keys in tokens', [...shortTokens, ',"x"', ',"x":', '"x":1,"x"', ',"ab":']],
  ['no keys in tokens', shortTokens],
];
const cases: [string, unknown, string][] = [
  ['open', {}, '{"x":1,"ab":2,"a":3,"\\u00e9":4,"a'],
  ['map', { type: 'object', additionalProperties: { type: 'integer' } }, '{"x":1,"xy":2,"a":3,"'],
  ['nested', { type: 'object', additionalProperties: { type: 'object' } }, '{"x":{"a":1,"x":{}},"ab":{"ab":{},"x":{"a'],
  ['declared and patterns', { type: 'object', properties: { a: {} }, patternProperties: { '^x': {} } }, '{"a":1,"x":2,"b":3,"xb":4,"'],
  ['two names', { type: 'object', propertyNames: { enum: ['a', 'b'] } }, '{"a":1,"b":2'],
  ['short names', { type: 'object', propertyNames: { maxLength: 2 } }, '{"ab":1,"a":2,"a'],
];

describe('masks with duplicate keys equal brute force', () => {
  for (const [vocabularyName, texts] of vocabularies) {
    const EOS = texts.length;
    const vocabulary = vocabularyFromBytes([...texts.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [EOS] });
    for (const [name, schema, text] of cases) {
      it(`${name} (${vocabularyName})`, () => {
        // One cache for the whole walk, so masks of states with equal keys are served from it.
        const automaton = jsonSchemaAutomaton(schema, vocabulary, { cache: new MaskCache() });
        const mask = new Uint32Array(maskWords(vocabulary.size));
        let state: Parameters<typeof automaton.advance>[0] = automaton.initial;
        let checked = 0;
        // Every prefix of `text` (ASCII), fed one single-character token at a time; masks checked
        // twice (the second from the cache).
        for (let i = 0; i <= text.length; i++) {
          for (let pass = 0; pass < 2; pass++) {
            expect(automaton.mask(state, mask)).toBe(true);
            for (let id = 0; id < vocabulary.size; id++) {
              const brute = id === EOS ? automaton.accepts(state) : automaton.advance(state, id) !== undefined;
              if (maskHas(mask, id) !== brute) throw new Error(`${name} after ${JSON.stringify(text.slice(0, i))}: token ${JSON.stringify(texts[id])} mask=${maskHas(mask, id)} advance=${brute}`);
            }
            checked++;
          }
          if (i === text.length) break;
          const next = automaton.advance(state, texts.indexOf(text[i]));
          expect(next, text.slice(0, i + 1)).toBeDefined();
          state = next!;
        }
        expect(checked).toBeGreaterThan(10);
      });
    }
  }
});
