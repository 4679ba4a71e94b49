import { describe, it } from 'vitest';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { jsonSchemaAutomaton } from '../../../src/grammar/jsonschema/index.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { rng as prng } from '../../support/seeded-rng.js';
import { checkMasksOnRandomWalks } from './random-walk-masks.js';

/**
 * Pattern strings whose state moves on every character of a class (counted repetitions, word counts):
 * the body walk allows a whole trie subtree when its bytes are all in the class of the state reached
 * and its longest token is within the run of that class (StringPlan.countedRun). Masks must equal
 * brute force, with tokens that mix classes (`a1b`, `1e`), longer than the runs, and with spaces.
 * (Under a length limit the shortcut is not taken.)
 */

const texts: string[] = [];
for (let b = 0x20; b < 0x7f; b++) texts.push(String.fromCharCode(b));
texts.push(
  '[', ']', '","', '", "', '"]', '["', 'ab', 'abc', 'abcd', 'abcdef', 'abcdefgh', 'a1', 'a1b', 'ab12', 'abc123', '1e', '12', '123',
  '12ab', 'x-', 'x-y', 'a_b', 'a b', 'a b c', ' ab', ' a', 'zzzzzz', 'zzzzzzzzzzzz', 'é', 'aé', 'a.', 'ab.c', 'e9', '9e', '-_-', 'qr', 'qra',
);
const unique = [...new Set(texts)];
const EOS = unique.length;
const vocabulary = vocabularyFromBytes([...unique.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [EOS] });

const schemas: [string, unknown][] = [
  ['a counted class', { type: 'array', items: { type: 'string', pattern: '^[a-z0-9_-]{1,5}$' }, maxItems: 3 }],
  // The class narrows as the string goes on: letters and digits first, then digits only.
  ['a narrowing class', { type: 'array', items: { type: 'string', pattern: '^[a-z]{0,3}[0-9]{0,4}$' }, maxItems: 3 }],
  ['counted words', { type: 'array', items: { type: 'string', pattern: '^(?:\\S+\\s+){0,2}\\S+$' }, maxItems: 3 }],
  ['a fixed length', { type: 'array', items: { type: 'string', pattern: '^[a-z0-9]{6}$' }, maxItems: 3 }],
  // After `q` the class leads to six states (an enum's trie, no counter): one byte is all it claims.
  ['an enum', { type: 'array', items: { enum: ['qa', 'qb', 'qc', 'qd', 'qe', 'qr'] }, maxItems: 3 }],
  ['a class beside another', { type: 'array', items: { anyOf: [{ type: 'string', pattern: '^[a-z]{2,8}$' }, { type: 'string', pattern: '^[a-z0-9]{3}$' }] }, maxItems: 3 }],
];

describe('counted classes in pattern strings: masks equal brute force', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      const automaton = jsonSchemaAutomaton(schema, vocabulary, { cache: new MaskCache(), maxWhitespaceRun: 2 });
      checkMasksOnRandomWalks(automaton, {
        label: name,
        vocabularySize: vocabulary.size,
        eos: EOS,
        describe: (id) => JSON.stringify(unique[id]),
        random: prng(name.length * 7717),
        walks: 16,
        steps: 30,
        stopChance: 0.1,
        passes: 1,
      });
    });
  }
});
