import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { createTokenAutomaton } from '../../../src/grammar/automaton/trie-token-automaton.js';
import { compileGrammar, type GrammarState } from '../../../src/grammar/cfg/index.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { repoRoot } from '../../support/shared-data.js';
import { bruteForceMask, maskDiff } from '../automaton/fixtures.js';

// Every interning table (grammar states, Earley sets, predictions, stored masks) hashes through this
// module: with constant hashes every lookup collides, so only the exact comparisons decide identity.
vi.mock('../../../src/grammar/automaton/intern-hash.js', () => ({ mixHash: () => 0, finishHash: () => 0 }));

const enc = new TextEncoder();

function vocabulary() {
  const tokens: Uint8Array[] = [enc.encode('<eos>')];
  for (let b = 0x20; b < 0x7f; b++) tokens.push(Uint8Array.of(b));
  tokens.push(Uint8Array.of(0x0a), Uint8Array.of(0xc3), Uint8Array.of(0xa9));
  for (const p of ['{"', '":', '",', '"}', '},', '],', ' "', '\n  ', 'true', 'null', '12', '1.', 'e-', 'é', '[{', '""', '0,', '"},{"']) {
    tokens.push(enc.encode(p));
  }
  return vocabularyFromBytes(tokens, { eosIds: [0], size: tokens.length + 3 });
}

describe('interning when every hash collides', () => {
  it('grammar states and Earley sets stay exact: masks equal brute force, equal configurations are one object', () => {
    const source = readFileSync(resolve(repoRoot, 'schemas', 'grammars', 'json.gbnf'), 'utf8');
    const grammar = compileGrammar(source, { syntax: 'gbnf' });
    const vocab = vocabulary();
    const automaton = createTokenAutomaton(grammar, vocab, { cache: new MaskCache() });
    const texts = ['{"a": [1, -2.5e-3, true, null], "é": {"b": "x\\u00e9"}}', '[{"a": 12}, {"a": [[]]}, "", 0]', ' [ ]\n'];
    const out = new Uint32Array(maskWords(vocab.size));
    const distinct = new Set<GrammarState>();
    for (const text of texts) {
      expect(grammar.matches(text)).toBe(true);
      const along: GrammarState[] = [];
      let s: GrammarState | undefined = grammar.initial;
      for (const b of enc.encode(text)) {
        s = grammar.step(s!, b);
        expect(s).toBeDefined();
        along.push(s!);
        // Twice: the second mask of a state is read from the cache (shared stored contents).
        for (let twice = 0; twice < 2; twice++) {
          automaton.mask(s!, out);
          expect(maskDiff(out, bruteForceMask(grammar, vocab, s!))).toEqual([]);
        }
        distinct.add(s!);
      }
      // The same bytes again reach the very same interned objects.
      expect(grammar.run(grammar.initial, text)).toBe(along[along.length - 1]);
      for (let i = 1; i < along.length; i++) expect(grammar.run(grammar.initial, enc.encode(text).subarray(0, i))).toBe(along[i - 1]);
    }
    // Many different states share the one hash bucket: each is still its own object.
    expect(distinct.size).toBeGreaterThan(40);
    for (const bad of ['{"a" 1}', '[1,]', '{"a": tru}']) expect(grammar.matches(bad)).toBe(false);
  });

  it('masks with colliding hashes are stored apart and read back exactly', () => {
    const cache = new MaskCache();
    const scope = cache.scope({}, {});
    const masks = [0, 1, 2, 3].map((k) => {
      const m = new Uint32Array(8);
      m[k] = 0b101 << k;
      if (k >= 2) {
        // Dense ones too (as many bits set as words or more), distinct.
        m.fill(0xffffffff, 0, 7);
        m[7] = k;
      }
      return m;
    });
    masks.forEach((m, k) => cache.write(scope, k, m));
    masks.forEach((m, k) => cache.write(scope, `again ${k}`, m.slice()));
    const out = new Uint32Array(8);
    for (let k = 0; k < masks.length; k++) {
      for (const key of [k, `again ${k}`]) {
        expect(cache.read(scope, key, out)).toBe(true);
        expect(maskDiff(out, masks[k])).toEqual([]);
      }
    }
    // Each content is stored once (two sparse lists of 2 ids, two dense 8-word bitsets), plus 8 entries
    // and the characters of the 4 string keys ('again k': 7 each).
    expect(cache.size).toBe(8);
    expect(cache.byteLength).toBe(2 * 2 * 4 + 2 * 8 * 4 + 8 * 160 + 4 * 7);
  });
});
