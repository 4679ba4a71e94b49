import { describe, expect, it } from 'vitest';
import { checkSchemaMasksOnRandomWalks, smallVocabulary } from './random-walk-masks.js';

/**
 * The automaton-only body walk skips a trie subtree whose bytes all leave the string's state as it is
 * (StringPlan.loopBytes): printable ASCII that loops, multi-byte characters whose lead byte only
 * starts characters that come back to the state, and, under a maxLength whose overrun ends the
 * document, with the tokens too long for it left out. Random walks check every mask against brute
 * force with words in Cyrillic, a no-break space (U+00A0, whitespace to `\s`, with the same lead
 * byte as `é`), and tokens long enough to overrun the limits.
 */

const texts: string[] = [];
for (let b = 0x20; b < 0x7f; b++) if (b !== 0x5c) texts.push(String.fromCharCode(b));
texts.push('ж', 'жж', 'жжжж', ' жж', 'ab', 'abcd', 'abcdefgh', ' abc', 'é', 'éé', 'a\u00a0', '\u00a0b', 'a\u00a0b', ' é');
texts.push('"', 'a"', 'ж"', 'ab",', '", "', '"]', '"}', '{"', '"t": "', '"u": "');
const SMALL = smallVocabulary(texts);

const WORDS = '^(?:\\S+\\s+){0,3}\\S+$';
const schemas: [string, unknown][] = [
  ['word counts, no length limit', { type: 'array', items: { type: 'string', pattern: WORDS }, maxItems: 3 }],
  ['word counts under a maxLength', { type: 'array', items: { type: 'string', pattern: WORDS, maxLength: 9 }, maxItems: 3 }],
  ['one word under a maxLength', { type: 'array', items: { type: 'string', pattern: '^\\S+$', maxLength: 6 }, maxItems: 3 }],
  // Running past the first maxLength kills one atom only: the longer tokens must still be walked.
  [
    'two maxLengths under anyOf',
    { type: 'object', properties: { t: { anyOf: [{ type: 'string', pattern: '^\\S+$', maxLength: 3 }, { type: 'string', pattern: '^[a-zж]+$', maxLength: 8 }] } } },
  ],
  // A death survived on the way (the second pattern dies at a digit): the maxLength left is the other's.
  [
    'a survived death, then a maxLength',
    { type: 'object', properties: { t: { anyOf: [{ type: 'string', pattern: '^\\S+$', maxLength: 20 }, { type: 'string', pattern: '^[a-z]+$', maxLength: 2 }] } } },
  ],
];

describe('loop skips of the body walk equal brute force', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      const checked = checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 3571, maxWhitespaceRun: 1, walks: 60, steps: 24, stopChance: 0.03, passes: 1 });
      expect(checked).toBeGreaterThan(300);
    });
  }
});
