import { describe, it } from 'vitest';
import { checkSchemaMasksOnRandomWalks, smallVocabulary } from './random-walk-masks.js';

/**
 * Tokens whose first special byte (a quote or a backslash) follows body characters are decided by
 * groups of prefixes leading to the same string state (budgeted-walk.ts, walkSpecialRoots): groups of
 * many prefixes walk a shared suffix trie, small ones their members' subtrees, and prefixes still
 * spelling a written key are walked exactly. Masks must equal brute force on states reached by random
 * walks, with a vocabulary holding many such prefixes (so that both kinds of groups occur), keys that
 * repeat written ones, and length limits where the longest-lived atom outlasts the shortest.
 */

const prefixes = ['', 'a', 'b', 'ab', 'ba', 'x', 'xy', 'na', 'name', 'id', 'é', 'q1', 'zz', 'k', 'ke', 'key', 'Ab'];
const suffixes = ['"', '",', '":', '": ', '"}', '"]', '", "', '":"', '\\', '\\n', '\\"', '\\\\', '\\u', '\\u00', '\\u0041', '\\ud83d', '\\ude00', '\\x', '\\n"', '\\t",', '\\u0062"'];
const texts: string[] = [];
for (let b = 0x20; b < 0x7f; b++) texts.push(String.fromCharCode(b));
texts.push('{"', '{', '}', '[', ']', ',', ':', ' ', '  ', '1', '12', 'true', 'null', 'abcdef', 'abcdefgh', 'é', 'ée');
for (const p of prefixes) for (const s of suffixes) texts.push(p + s);
const SMALL = smallVocabulary(texts);

const schemas: [string, unknown][] = [
  ['plain strings', { type: 'array', items: { type: 'string' }, maxItems: 4 }],
  // Lengths counted: the group key holds the characters a prefix adds; atoms with longer limits survive
  // the death of the shortest (BODY tokens beyond the smallest budget).
  ['length limits', { type: 'array', items: { anyOf: [{ type: 'string', maxLength: 2 }, { type: 'string', minLength: 4, maxLength: 6 }] }, maxItems: 4 }],
  // A pattern that is safe but does not loop (the state moves while it looks for its match).
  ['unanchored pattern', { type: 'array', items: { type: 'string', pattern: 'ab' }, maxItems: 4 }],
  ['anchored pattern', { type: 'array', items: { type: 'string', pattern: '^[a-z]{1,3}$' }, maxItems: 4 }],
  // Keys: written undeclared keys make rests; names move the key's automaton.
  ['open keys', { type: 'object', properties: { name: { type: 'string' }, key: { type: 'integer' } }, maxProperties: 5 }],
  ['closed keys', { type: 'object', properties: { name: { type: 'string' }, id: {} }, patternProperties: { '^k': { type: 'string' } }, additionalProperties: false }],
  ['length-limited keys', { type: 'object', propertyNames: { maxLength: 3 }, maxProperties: 4 }],
  // Closed schemas the document can do without (schema-machine.ts keyBodyWalk): key characters kill
  // them, never the document; and closed schemas it cannot do without, under allOf and oneOf.
  ['closed keys an open schema outlives', { anyOf: [{ type: 'object', properties: { name: {}, key: { type: 'string' } }, additionalProperties: false }, { type: 'object', maxProperties: 3 }] }],
  ['closed keys under oneOf', { oneOf: [{ type: 'object', properties: { name: {} }, additionalProperties: false }, { type: 'object', properties: { id: {} }, additionalProperties: false }, { type: 'object', required: ['ab'] }] }],
  ['closed keys under allOf', { allOf: [{ type: 'object', properties: { name: {}, key: {} }, additionalProperties: false }, { type: 'object', maxProperties: 3 }] }],
];

describe('special tokens decided by prefix groups equal brute force', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 104729, maxWhitespaceRun: 3, walks: 16, steps: 40, stopChance: 0.05, passes: 1 });
    });
  }
});
