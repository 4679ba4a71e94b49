import { describe, expect, it } from 'vitest';
import { encode, utf8Sequences } from '../../../src/grammar/regex/utf8-sequences.js';
import { int, rng } from './random-regex.js';

function matchesSequence(seq: readonly number[], bytes: readonly number[]): boolean {
  if (seq.length !== 2 * bytes.length) return false;
  return bytes.every((b, i) => b >= seq[2 * i] && b <= seq[2 * i + 1]);
}

/** Decodes strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF); undefined when invalid. */
function decodeStrict(bytes: readonly number[]): number | undefined {
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    const cps = [...s];
    return cps.length === 1 ? cps[0].codePointAt(0) : undefined;
  } catch {
    return undefined;
  }
}

describe('UTF-8 range sequences', () => {
  it('encode() is the TextEncoder encoding', () => {
    for (const cp of [0, 0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff]) {
      expect(encode(cp)).toEqual([...new TextEncoder().encode(String.fromCodePoint(cp))]);
    }
  });

  it('sequences match exactly the encodings of the range, for random ranges (sampled) ', () => {
    const r = rng(12);
    const edges = [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdfff, 0xe000, 0xffff, 0x10000, 0x3ffff, 0x40000, 0x10ffff];
    for (let trial = 0; trial < 400; trial++) {
      let lo = r() < 0.5 ? edges[int(r, 0, edges.length - 1)] + int(r, -2, 2) : int(r, 0, 0x10ffff);
      let hi = r() < 0.5 ? edges[int(r, 0, edges.length - 1)] + int(r, -2, 2) : int(r, 0, 0x10ffff);
      lo = Math.min(Math.max(lo, 0), 0x10ffff);
      hi = Math.min(Math.max(hi, 0), 0x10ffff);
      if (lo > hi) [lo, hi] = [hi, lo];
      const seqs = utf8Sequences(lo, hi);
      // Every code point in range (sampled) is matched by exactly one sequence, surrogates by none.
      const probes = [lo, hi, lo + 1, hi - 1, ...Array.from({ length: 30 }, () => int(r, lo, hi))].filter((cp) => cp >= lo && cp <= hi);
      const wrong = probes.filter((cp) => {
        const n = seqs.filter((s) => matchesSequence(s, encode(cp))).length;
        return n !== (cp >= 0xd800 && cp <= 0xdfff ? 0 : 1);
      });
      expect(wrong).toEqual([]);
      // Every byte string a sequence matches (sampled) decodes to a code point in range.
      const bad: number[][] = [];
      for (const seq of seqs) {
        for (let k = 0; k < 5; k++) {
          const bytes = Array.from({ length: seq.length / 2 }, (_, i) => int(r, seq[2 * i], seq[2 * i + 1]));
          const cp = decodeStrict(bytes);
          if (cp === undefined || cp < lo || cp > hi) bad.push(bytes);
        }
      }
      expect(bad).toEqual([]);
    }
  });

  it('the full range has the 9 well-known sequences (RFC 3629 table)', () => {
    expect(utf8Sequences(0, 0x10ffff)).toEqual([
      [0x00, 0x7f],
      [0xc2, 0xdf, 0x80, 0xbf],
      [0xe0, 0xe0, 0xa0, 0xbf, 0x80, 0xbf],
      [0xe1, 0xec, 0x80, 0xbf, 0x80, 0xbf],
      [0xed, 0xed, 0x80, 0x9f, 0x80, 0xbf],
      [0xee, 0xef, 0x80, 0xbf, 0x80, 0xbf],
      [0xf0, 0xf0, 0x90, 0xbf, 0x80, 0xbf, 0x80, 0xbf],
      [0xf1, 0xf3, 0x80, 0xbf, 0x80, 0xbf, 0x80, 0xbf],
      [0xf4, 0xf4, 0x80, 0x8f, 0x80, 0xbf, 0x80, 0xbf],
    ]);
    expect(utf8Sequences(0xd800, 0xdfff)).toEqual([]);
  });

  it('covers all 1,112,064 scalar values exactly once (counted per sequence)', () => {
    let total = 0;
    for (const seq of utf8Sequences(0, 0x10ffff)) {
      let n = 1;
      for (let i = 0; i < seq.length; i += 2) n *= seq[i + 1] - seq[i] + 1;
      total += n;
    }
    expect(total).toBe(0x110000 - 0x800);
  });
});
