import { describe, expect, it } from 'vitest';
import type { ByteClassId } from '../../../src/grammar/automaton/byte-machine.js';
import { BYTE_CLASS_IDS, tokenInClass } from '../../../src/grammar/vocab/token-slice.js';
import type { TokenTrie } from '../../../src/grammar/vocab/token-trie.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { randomInt, rng } from '../automaton/fixtures.js';

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

function randomTokens(seed: number, count: number): Uint8Array[] {
  const random = rng(seed);
  const alphabet = [0x00, 0x09, 0x20, 0x22, 0x30, 0x35, 0x5c, 0x61, 0x62, 0x7f, 0x80, 0xa9, 0xbf, 0xc3, 0xe2, 0xed, 0xf0, 0xff];
  const tokens: Uint8Array[] = [];
  while (tokens.length < count) {
    const length = randomInt(random, 7);
    tokens.push(Uint8Array.from({ length }, () => alphabet[randomInt(random, alphabet.length)]));
    if (random() < 0.05 && tokens.length > 1) tokens.push(tokens[randomInt(random, tokens.length)].slice());
  }
  return tokens;
}

describe('TokenTrie layout', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`is a DFS pre-order trie with sorted children, subtree ranges and all ids (seed ${seed})`, () => {
      const tokens = randomTokens(seed, 50 + seed * 150);
      const special = [0, 7, 11];
      const vocabulary = vocabularyFromBytes(tokens, { eosIds: [3], special, size: tokens.length + 5 });
      const trie = vocabulary.trie;
      const isText = (id: number) => !special.includes(id) && id !== 3 && tokens[id].length > 0;

      // Paths of every node, rebuilt from bytes and depths.
      const paths: string[] = [''];
      const stack: string[] = [''];
      for (let i = 1; i < trie.nodeCount; i++) {
        const depth = trie.nodeDepth[i];
        const path = stack[depth - 1] + String.fromCharCode(trie.nodeByte[i]);
        stack[depth] = path;
        paths.push(path);
      }
      // Nodes are exactly the distinct non-empty prefixes of text tokens, in strictly increasing byte order.
      const prefixes = new Set<string>(['']);
      for (let id = 0; id < tokens.length; id++) {
        if (!isText(id)) continue;
        const s = latin1(tokens[id]);
        for (let k = 1; k <= s.length; k++) prefixes.add(s.slice(0, k));
      }
      expect(trie.nodeCount).toBe(prefixes.size);
      expect(new Set(paths)).toEqual(prefixes);
      for (let i = 1; i < paths.length; i++) expect(paths[i - 1] < paths[i]).toBe(true);
      // A subtree is exactly the run of following nodes that extend the node's path.
      for (let i = 0; i < trie.nodeCount; i++) {
        let end = i + 1;
        while (end < trie.nodeCount && paths[end].startsWith(paths[i])) end++;
        expect(trie.subtreeEnd[i]).toBe(end);
      }
      // Tokens at a node: all ids with that byte string, ascending; each text id exactly once.
      const idsByString = new Map<string, number[]>();
      tokens.forEach((t, id) => {
        if (isText(id)) idsByString.set(latin1(t), [...(idsByString.get(latin1(t)) ?? []), id]);
      });
      const seen = new Set<number>();
      for (let i = 0; i < trie.nodeCount; i++) {
        const ids = [...trie.tokenIds.subarray(trie.nodeTokenStart[i], trie.nodeTokenStart[i + 1])];
        expect(ids).toEqual(idsByString.get(paths[i]) ?? []);
        for (const id of ids) seen.add(id);
      }
      expect(seen.size).toBe(tokens.filter((_, id) => isText(id)).length);
      expect(trie.maxDepth).toBe(Math.max(...tokens.filter((_, id) => isText(id)).map((t) => t.length)));
      // child() finds exactly the node whose path extends by one byte.
      const indexOf = new Map(paths.map((path, i) => [path, i]));
      for (let i = 0; i < trie.nodeCount; i += 3) {
        for (const byte of [0x00, 0x22, 0x61, 0xff, 0x30]) {
          expect(trie.child(i, byte)).toBe(indexOf.get(paths[i] + String.fromCharCode(byte)) ?? -1);
        }
      }
    });
  }

  it('handles an empty vocabulary and a vocabulary of only specials', () => {
    const empty = vocabularyFromBytes([Uint8Array.of(1)], { eosIds: [0] });
    expect(empty.trie.nodeCount).toBe(1);
    expect(empty.trie.tokenCount).toBe(0);
    expect(empty.trie.slice('digits').count).toBe(0);
  });
});

/** Reference: a slice member is a non-empty token whose bytes are all in the class (+ valid UTF-8). */
function referenceInClass(bytes: Uint8Array, classId: ByteClassId): boolean {
  if (bytes.length === 0) return false;
  if (classId === 'digits') return bytes.every((b) => b >= 0x30 && b <= 0x39);
  if (classId === 'json-whitespace') return bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return false;
  }
  return ![...text].some((c) => c === '"' || c === '\\' || c.charCodeAt(0) < 0x20);
}

/** Per node: 1 when every token of its subtree has its bit in `bits` (computed by brute force). */
function coveredReference(trie: TokenTrie, bits: Uint32Array): number[] {
  const covered: number[] = [];
  for (let i = 0; i < trie.nodeCount; i++) {
    const ids = trie.tokenIds.subarray(trie.nodeTokenStart[i], trie.nodeTokenStart[trie.subtreeEnd[i]]);
    covered.push(ids.every((id) => (bits[id >>> 5] & (1 << (id & 31))) !== 0) ? 1 : 0);
  }
  return covered;
}

describe('vocabulary slices', () => {
  it('contain exactly the tokens of each byte class, and cover exactly the subtrees made of them', () => {
    const tokens = randomTokens(99, 3000);
    // Hand-picked UTF-8 edge cases: overlong, surrogate, > U+10FFFF, truncated, valid 2/3/4-byte chars.
    const edge = [
      [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xf4, 0x90, 0x80, 0x80],
      [0xf4, 0x8f, 0xbf, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf0, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xe2, 0x82, 0xac],
      [0xc3, 0xa9], [0x7f], [0x1f], [0x20, 0x0d], [0x31, 0x32], [0x30, 0x20], [0xf5, 0x80, 0x80, 0x80], [0x80],
    ].map((b) => Uint8Array.from(b));
    tokens.push(...edge);
    const vocabulary = vocabularyFromBytes(tokens, { eosIds: [5], size: tokens.length + 40 });
    const trie = vocabulary.trie;
    for (const classId of BYTE_CLASS_IDS) {
      const slice = trie.slice(classId);
      expect(trie.slice(classId)).toBe(slice); // computed once, cached
      const ids = [...Array(vocabulary.size).keys()];
      const members = ids.filter((id) => id < tokens.length && id !== 5 && referenceInClass(tokens[id], classId));
      expect(ids.filter((id) => (slice.bits[id >>> 5] & (1 << (id & 31))) !== 0), classId).toEqual(members);
      expect(tokens.map((t) => tokenInClass(t, 0, t.length, classId))).toEqual(tokens.map((t) => referenceInClass(t, classId)));
      expect(slice.count).toBe(members.length);
      expect(coveredReference(trie, slice.bits)).toEqual([...slice.covered]);
    }
    // A union covers a node when one of its classes covers it, and holds the tokens of either class.
    const union = trie.sliceUnion(['json-whitespace', 'digits']);
    expect(trie.sliceUnion(['digits', 'json-whitespace'])).toBe(union);
    const ws = trie.slice('json-whitespace');
    const digits = trie.slice('digits');
    expect([...union.bits]).toEqual([...ws.bits].map((w, k) => (w | digits.bits[k]) >>> 0));
    expect([...union.covered]).toEqual([...ws.covered].map((c, i) => c | digits.covered[i]));
    expect(union.count).toBe(ws.count + digits.count);
    expect(() => trie.slice('nope' as ByteClassId)).toThrow(/unknown byte class "nope"/);
  });
});
