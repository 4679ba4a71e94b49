import { describe, expect, it } from 'vitest';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { maskHas, maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { jsonSchemaAutomaton } from '../../../src/grammar/jsonschema/index.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';

/**
 * Inside a recorded value (a uniqueItems array) no frame key abstracts the text kept, so masks there
 * are keyed by the document so far (SchemaMachine.maskKey): two documents with one prefix share the
 * mask, and nothing else does. Checked against brute force (`advance` of every token) with the cache
 * warm from another document.
 */

const texts = ['[', ']', '"', '",', '"]', '", "', 'a', 'b', 'ab', 'ba', '"a', '"b', ', ', ',', ' ', '{"', '":', '}', 'x'];
const EOS = texts.length;
const vocabulary = vocabularyFromBytes([...texts.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [EOS] });
const id = (t: string) => {
  const i = texts.indexOf(t);
  if (i < 0) throw new Error(`no token ${t}`);
  return i;
};
const schema = { type: 'object', properties: { x: { type: 'array', items: { type: 'string', maxLength: 3 }, uniqueItems: true } } };

describe('masks of recorded values keyed by the document so far', () => {
  const mask = new Uint32Array(maskWords(vocabulary.size));

  /** Walks `tokens`, checking each state's mask against brute force; returns the visits per mask. */
  const walk = (automaton: ReturnType<typeof jsonSchemaAutomaton>, tokens: string[]): number[] => {
    const visits: number[] = [];
    let state: Parameters<typeof automaton.mask>[0] = automaton.initial;
    for (const t of [...tokens, null]) {
      expect(automaton.mask(state, mask)).toBe(true);
      visits.push(automaton.lastVisits);
      for (let k = 0; k < vocabulary.size; k++) {
        const brute = k === EOS ? automaton.accepts(state) : automaton.advance(state, k) !== undefined;
        expect(maskHas(mask, k), `after ${JSON.stringify(tokens)} at ${visits.length - 1}: token ${JSON.stringify(texts[k] ?? 'EOS')}`).toBe(brute);
      }
      if (t === null) break;
      const next = automaton.advance(state, id(t));
      expect(next, `token ${t}`).toBeDefined();
      state = next!;
    }
    return visits;
  };

  it('shares the masks of a common prefix, and only those', () => {
    const automaton = jsonSchemaAutomaton(schema, vocabulary, { cache: new MaskCache() });
    const first = ['{"', 'x', '":', '[', '"a', 'b', '", "', 'b', 'a'];
    walk(automaton, first);
    // The same prefix up to the second item, then another one: `"ab"` again must be refused there.
    const second = ['{"', 'x', '":', '[', '"a', 'b', '", "', 'a', 'b'];
    const visits = walk(automaton, second);
    // Every state of the common prefix (7 tokens: 8 states) is answered by the cache.
    expect(visits.slice(0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // Past it the masks are walked: `"ab", "a` is not `"ab", "b`.
    expect(visits[8]).toBeGreaterThan(0);
    expect(visits[9]).toBeGreaterThan(0);
  });

  it('refuses the repeated item in the second document, allows it in the first', () => {
    const cache = new MaskCache();
    const automaton = jsonSchemaAutomaton(schema, vocabulary, { cache });
    const at = (tokens: string[]) => {
      let state: Parameters<typeof automaton.mask>[0] = automaton.initial;
      for (const t of tokens) state = automaton.advance(state, id(t))!;
      automaton.mask(state, mask);
      return (t: string) => maskHas(mask, id(t));
    };
    expect(at(['{"', 'x', '":', '[', '"a', 'b', '", "', 'b', 'a'])('"]')).toBe(true);
    expect(at(['{"', 'x', '":', '[', '"a', 'b', '", "', 'a', 'b'])('"]')).toBe(false);
    expect(at(['{"', 'x', '":', '[', '"a', 'b', '", "', 'a', 'b'])('"')).toBe(false);
    expect(at(['{"', 'x', '":', '[', '"a', 'b', '", "', 'a', 'b'])('b')).toBe(true);
  });
});
