import { describe, expect, it } from 'vitest';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { compileJsonSchema, jsonSchemaAutomaton, type SchemaState } from '../../../src/grammar/jsonschema/index.js';
import { checkSchemaMasksOnRandomWalks, smallVocabulary } from './random-walk-masks.js';

/**
 * String plans are shared by every string schema of the process with the same components, atoms,
 * lengths and text needs (internStringPlan), and a value string's automaton-only walk (pass 1 of bodyAutomatonWalk) is shared by every state that
 * steps alike, in any property and any schema (shared-body-walks.ts), unless the document could
 * survive a death the walk met. Sharing must never change a mask: random walks check every mask
 * against brute force where one pattern serves several properties, array items, schemas, length
 * limits and live atom sets, and where an atom's death ends the document in one context and not in
 * another.
 */

const texts: string[] = [];
for (let b = 0x20; b < 0x7f; b++) texts.push(String.fromCharCode(b));
texts.push('ab', 'abc', 'abcd', 'abcdef', 'a1', 'z9z9', '00', '0000', 'a-', '-0', 'x y', 'é', 'éa');
texts.push('"', 'a"', 'ab",', '0"', 'ab"}', '"]', '", "', '"}', '{"', '"a', '"b', '"c', '"a": "', '"b": "', '{', '}', '[', ']', ',', ':', '": "');
texts.push('\\', '\\u', '\\u0061', '\\u0041"', 'a\\u0062', '\\n', '\\"');
const SMALL = smallVocabulary(texts);
const { vocabulary, texts: unique } = SMALL;

const WORD = { type: 'string', pattern: '^[0-9a-z_-]{1,6}$' };
const schemas: [string, unknown][] = [
  ['one pattern in several properties', { type: 'object', properties: { a: WORD, b: WORD, c: WORD }, additionalProperties: false }],
  ['one pattern in array items', { type: 'array', items: WORD, maxItems: 3 }],
  ['one pattern with and without a maxLength', { type: 'object', properties: { a: WORD, b: { ...WORD, maxLength: 3 } }, additionalProperties: false }],
  // b's pattern may die when c is present (the anyOf's other branch): the same walk as a's, whose
  // death ends the document, must not serve it.
  [
    'a death the document survives in one property only',
    { type: 'object', properties: { a: WORD, c: { type: 'string' } }, anyOf: [{ properties: { b: WORD } }, { required: ['c'] }] },
  ],
  ['the pattern or a looser one', { type: 'object', properties: { a: WORD, b: { anyOf: [WORD, { type: 'string', pattern: '^[a-z ]{1,4}$' }] } } }],
  // Same two patterns, as alternatives and as a conjunction: plans share nothing but components.
  [
    'two patterns as anyOf and as allOf',
    {
      type: 'object',
      properties: {
        a: { anyOf: [{ type: 'string', pattern: '^[a-c]{1,3}$' }, { type: 'string', pattern: '^[b-d]{1,3}$' }] },
        b: { allOf: [{ type: 'string', pattern: '^[a-c]{1,3}$' }, { type: 'string', pattern: '^[b-d]{1,3}$' }] },
      },
      additionalProperties: false,
    },
  ],
];

describe('shared automaton walks of value strings equal brute force', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      const checked = checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 104729, maxWhitespaceRun: 1, walks: 60, steps: 24, stopChance: 0.05, passes: 1 });
      expect(checked).toBeGreaterThan(300);
    });
  }
});

describe('shared automaton walks', () => {
  it('serve a second property the walk of the first', () => {
    // A pattern of its own: the walks of the tests above are shared too.
    const fresh = { type: 'string', pattern: '^[0-9a-z]{2,7}$' };
    const automaton = jsonSchemaAutomaton({ type: 'object', properties: { a: fresh, b: fresh }, additionalProperties: false }, vocabulary, {
      cache: new MaskCache(),
      maxWhitespaceRun: 1,
    });
    const mask = new Uint32Array(maskWords(vocabulary.size));
    const id = (t: string) => unique.indexOf(t);
    const visits = (tokens: string[]) => {
      let state = automaton.initial;
      for (const t of tokens) state = automaton.advance(state, id(t)) as SchemaState;
      automaton.mask(state, mask);
      return automaton.lastVisits;
    };
    const first = visits(['{', '"a": "', 'z9z9']);
    const second = visits(['{', '"b": "', 'z9z9']);
    expect(second).toBeLessThan(first);
  });
});

describe('shared string plans', () => {
  // Compiled one after another in one process, so later schemas find the earlier ones' plans. The
  // byte where a document is refused: a plan of the wrong schema would let it run to the end, where
  // only the final validation would refuse it.
  const refusedAt = (schema: unknown, text: string): number => {
    const { machine } = compileJsonSchema(schema);
    let state: SchemaState | undefined = machine.initial;
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length; i++) {
      state = machine.step(state, bytes[i]);
      if (state === undefined) return i;
    }
    return machine.accepts(state) ? -1 : bytes.length;
  };
  const AC = { type: 'string', pattern: '^[a-c]{1,3}$' };
  const BD = { type: 'string', pattern: '^[b-d]{1,3}$' };

  it('keep which atom owns which pattern', () => {
    const schema = { type: 'object', properties: { a: { anyOf: [AC, BD] }, b: { allOf: [AC, BD] } } };
    expect(['{"a": "a"}', '{"a": "d"}', '{"a": "bc"}', '{"b": "bc"}'].map((t) => refusedAt(schema, t))).toEqual([-1, -1, -1, -1]);
    expect(refusedAt(schema, '{"b": "a"}')).toBe(7);
    expect(refusedAt(schema, '{"b": "d"}')).toBe(7);
    expect(refusedAt({ allOf: [AC, BD] }, '"a"')).toBe(1);
    expect(refusedAt({ anyOf: [AC, BD] }, '"a"')).toBe(-1);
    // Two atoms over the same two patterns either way, owned differently: "d" is refused at once.
    expect(refusedAt({ anyOf: [{ allOf: [AC, BD] }, AC] }, '"d"')).toBe(1);
  });

  it('keep each schema its own lengths', () => {
    const word = { type: 'string', pattern: '^[a-z]+$' };
    expect(refusedAt(word, '"abcd"')).toBe(-1);
    expect(refusedAt({ ...word, maxLength: 3 }, '"abcd"')).toBe(4);
    expect(refusedAt({ ...word, minLength: 5 }, '"abcd"')).toBe(5);
    expect(refusedAt(word, '"abcd"')).toBe(-1);
  });
});
