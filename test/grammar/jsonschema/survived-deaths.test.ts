import { describe, expect, it } from 'vitest';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { maskHas, maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { jsonSchemaAutomaton, type SchemaState } from '../../../src/grammar/jsonschema/index.js';
import { checkSchemaMasksOnRandomWalks, smallVocabulary } from './random-walk-masks.js';

/**
 * Value strings whose document survives atom deaths. When it survives the death of all the live atoms
 * its body can kill, at once (a `format` under `anyOf` with an open object, an enum or any string, a
 * pattern under `not`), every body token is allowed without walking the body
 * (SchemaMachine.atomsExpendable). Otherwise the automaton-only walk goes on past each death the
 * document survives, judging later deaths with every atom dead by then (budgeted-walk.ts,
 * automatonPass). Random walks check every mask against brute force where all deaths are survived, some,
 * or none.
 */

const texts: string[] = [];
for (let b = 0x20; b < 0x7f; b++) texts.push(String.fromCharCode(b));
texts.push('ab', 'abc', 'abcd', 'a1', 'z9', '00', '2024', '-01', 'T1', ':00', 'Z', 'x y', 'é', 'éa');
texts.push('"', 'a"', 'q"', 'x"', 'ab",', '0"', 'Z"}', '"]', '", "', '"}', '{"', '"t": "', '"u": "', '"v": "', '"t": 1', '{', '}', ',', ':', '": "');
texts.push('\\', '\\u0061', '\\u0041"', '\\n', '\\"');
const SMALL = smallVocabulary(texts);
const { vocabulary, texts: unique } = SMALL;

const WORD = { type: 'string', pattern: '^[0-9a-z]{1,4}$' };
const OPEN = { type: 'object', properties: { u: { type: 'string' } } };
const schemas: [string, unknown][] = [
  // Every death survived: the open branch takes any `t`.
  ['a format under anyOf with an open object', { anyOf: [{ type: 'object', properties: { t: { type: 'string', format: 'date-time' } } }, OPEN] }],
  ['a pattern and a maxLength under anyOf with an open object', { anyOf: [{ type: 'object', properties: { t: { ...WORD, maxLength: 2 } } }, OPEN] }],
  [
    'two patterns and an open object: deaths in any order',
    { anyOf: [{ type: 'object', properties: { t: WORD } }, { type: 'object', properties: { t: { type: 'string', pattern: '^[a-z ]+$' } } }, OPEN] },
  ],
  // Atoms the body cannot kill (no pattern, or one still searching) need not die for the others to.
  ['an enum or any string', { type: 'object', properties: { t: { anyOf: [{ enum: ['ab', 'abc', 'z9'] }, { type: 'string' }] } }, additionalProperties: false }],
  ['a pattern or one that cannot die', { type: 'object', properties: { t: { anyOf: [WORD, { type: 'string', pattern: 'x' }] } }, additionalProperties: false }],
  // Recorded values (uniqueItems compares the items' text): the tokens leaving the body are walked exactly.
  ['unique items, each an enum or any string', { type: 'array', uniqueItems: true, maxItems: 3, items: { anyOf: [{ enum: ['ab', 'abc', 'z9'] }, { type: 'string' }] } }],
  ['a pattern under not', { type: 'object', properties: { t: { type: 'string' } }, not: { properties: { t: { type: 'string', pattern: '^[a-c]+$' } }, required: ['t'] } }],
  // Some deaths survived, not all: the body is walked.
  [
    'a pattern or a looser one, no open branch',
    { type: 'object', properties: { t: { anyOf: [WORD, { type: 'string', pattern: '^[a-z ]{1,5}$' }] } }, additionalProperties: false },
  ],
  ['a pattern whose death needs another property', { type: 'object', anyOf: [{ properties: { t: WORD } }, { required: ['u'] }] }],
  // A length kills the first atom, then a character the second: their death together is fatal.
  ['a length death, then a pattern death', { type: 'object', properties: { t: { anyOf: [{ type: 'string', pattern: '^[a-z]+$', maxLength: 2 }, { type: 'string', pattern: '^[a-c]+$' }] } }, additionalProperties: false }],
  ['a pattern death, then a length death', { type: 'object', properties: { t: { anyOf: [{ type: 'string', pattern: '^[a-c]+$' }, { type: 'string', pattern: '^[a-z]+$', maxLength: 3 }] } }, additionalProperties: false }],
  ['unique items, each a pattern or a looser one', { type: 'array', uniqueItems: true, maxItems: 3, items: { anyOf: [WORD, { type: 'string', pattern: '^[a-z ]{1,5}$' }] } }],
  // No death survived.
  ['a pattern that cannot die, with a maxLength', { type: 'object', properties: { t: { type: 'string', pattern: 'x', maxLength: 3 } }, additionalProperties: false }],
  ['a pattern and one that cannot die', { type: 'object', properties: { t: { allOf: [WORD, { type: 'string', pattern: 'x' }] } }, additionalProperties: false }],
  ['a pattern alone', { type: 'object', properties: { t: WORD }, additionalProperties: false }],
];

describe('value strings with survived deaths: masks equal brute force', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      const checked = checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 7919, maxWhitespaceRun: 1, walks: 60, steps: 20, stopChance: 0.05, passes: 2 });
      expect(checked).toBeGreaterThan(300);
    });
  }
});

describe('expendable atoms', () => {
  it('let every body token through without walking the body', () => {
    // Printable ASCII counted up to 40: no loop lets the strict walk skip a subtree.
    const ascii = { type: 'object', properties: { t: { type: 'string', pattern: '^[ -~]{0,40}$' } } };
    const automaton = jsonSchemaAutomaton({ anyOf: [ascii, OPEN] }, vocabulary, { cache: new MaskCache(), maxWhitespaceRun: 1 });
    const strict = jsonSchemaAutomaton(ascii, vocabulary, { cache: new MaskCache(), maxWhitespaceRun: 1 });
    const mask = new Uint32Array(maskWords(vocabulary.size));
    const id = (t: string) => unique.indexOf(t);
    const at = (a: typeof automaton, tokens: string[]) => {
      let state = a.initial;
      for (const t of tokens) state = a.advance(state, id(t)) as SchemaState;
      return state;
    };
    const open = at(automaton, ['{', '"t": "']);
    automaton.mask(open, mask);
    // `é` is not printable ASCII, yet allowed: the open branch takes it.
    for (const t of ['x y', 'é', 'éa', 'Z']) expect(automaton.advance(open, id(t)), t).toBeDefined();
    const bodyTokens = unique.filter((t) => /^[ !#-[\]-~]+$/.test(t)).length;
    const openVisits = automaton.lastVisits;
    strict.mask(at(strict, ['{', '"t": "']), mask);
    // The strict schema steps its pattern through the ASCII body tokens; the open one walks none.
    expect(strict.lastVisits).toBeGreaterThanOrEqual(bodyTokens);
    expect(openVisits).toBeLessThan(bodyTokens);
  });

  it('walk a recorded value\'s closing tokens with its own text', () => {
    // `q` and `x` both leave the enum, to one product state: grouping their closing tokens would judge
    // `q"` (a duplicate of the first item) as `x"` (not one).
    const automaton = jsonSchemaAutomaton(
      { type: 'array', uniqueItems: true, items: { anyOf: [{ enum: ['ab', 'abc', 'z9'] }, { type: 'string' }] } },
      vocabulary,
      { cache: new MaskCache(), maxWhitespaceRun: 1 },
    );
    const mask = new Uint32Array(maskWords(vocabulary.size));
    let state = automaton.initial;
    for (const t of ['[', '"', 'q', '", "']) state = automaton.advance(state, unique.indexOf(t)) as SchemaState;
    automaton.mask(state, mask);
    expect(maskHas(mask, unique.indexOf('q"'))).toBe(false);
    expect(maskHas(mask, unique.indexOf('x"'))).toBe(true);
    for (let id = 0; id < unique.length; id++) expect(maskHas(mask, id), unique[id]).toBe(automaton.advance(state, id) !== undefined);
  });
});

describe('the walk past a survived death', () => {
  it('judges a later death with every atom dead by then', () => {
    const automaton = jsonSchemaAutomaton(
      { type: 'object', properties: { t: { anyOf: [{ type: 'string', pattern: '^[a-z]+$', maxLength: 2 }, { type: 'string', pattern: '^[a-c]+$' }] } } },
      vocabulary,
      { cache: new MaskCache(), maxWhitespaceRun: 1 },
    );
    const mask = new Uint32Array(maskWords(vocabulary.size));
    let state = automaton.initial;
    for (const t of ['{', '"t": "']) state = automaton.advance(state, unique.indexOf(t)) as SchemaState;
    automaton.mask(state, mask);
    // `abc`: the first atom dies by its length, the second lives. `abcd`: then the second dies too.
    expect(maskHas(mask, unique.indexOf('abc'))).toBe(true);
    expect(maskHas(mask, unique.indexOf('abcd'))).toBe(false);
    for (let id = 0; id < unique.length; id++) expect(maskHas(mask, id), unique[id]).toBe(automaton.advance(state, id) !== undefined);
  });
});
