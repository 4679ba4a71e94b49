import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { ByteSet, CodePointSet, MAX_CODE_POINT } from '../../../src/grammar/regex/index.js';
import { int, rng, type Rng } from './random-regex.js';

/** Random sets over a small window of code points plus the top of the range, as plain JS sets. */
const WINDOW = [...Array.from({ length: 64 }, (_, i) => i), ...Array.from({ length: 8 }, (_, i) => MAX_CODE_POINT - 7 + i)];

function randomSet(r: Rng): Set<number> {
  const s = new Set<number>();
  const density = r();
  for (const cp of WINDOW) if (r() < density) s.add(cp);
  return s;
}

/** The window's members of `set`, read from its ranges (independently of `has`). */
function toCps(set: CodePointSet): Set<number> {
  const ranges = [...set.ranges()];
  return new Set(WINDOW.filter((cp) => ranges.some(([lo, hi]) => lo <= cp && cp <= hi)));
}

function sorted(s: Set<number>): number[] {
  return [...s].sort((a, b) => a - b);
}

describe('CodePointSet', () => {
  it('union, intersect, subtract, complement, has, size agree with brute force', () => {
    const r = rng(9);
    for (let trial = 0; trial < 300; trial++) {
      const a = randomSet(r);
      const b = randomSet(r);
      const A = CodePointSet.fromCodePoints(a);
      const B = CodePointSet.fromCodePoints(b);
      expect(sorted(toCps(A.union(B)))).toEqual(sorted(new Set([...a, ...b])));
      expect(sorted(toCps(A.intersect(B)))).toEqual(sorted(new Set([...a].filter((x) => b.has(x)))));
      expect(sorted(toCps(A.subtract(B)))).toEqual(sorted(new Set([...a].filter((x) => !b.has(x)))));
      expect(sorted(toCps(A.complement()))).toEqual(WINDOW.filter((x) => !a.has(x)));
      expect(A.complement().complement().equals(A)).toBe(true);
      expect(A.size).toBe(a.size);
      expect(WINDOW.filter((cp) => A.has(cp))).toEqual(WINDOW.filter((cp) => a.has(cp)));
      expect(A.contains(A.intersect(B))).toBe(true);
    }
  });

  it('keeps ranges sorted, disjoint and maximal', () => {
    const r = rng(10);
    for (let trial = 0; trial < 200; trial++) {
      const ranges: [number, number][] = [];
      for (let i = 0; i < int(r, 0, 6); i++) {
        const lo = int(r, 0, 100);
        ranges.push([lo, lo + int(r, 0, 10)]);
      }
      const set = CodePointSet.fromRanges(ranges);
      const flat = [...set.ranges()];
      for (let i = 1; i < flat.length; i++) expect(flat[i][0]).toBeGreaterThan(flat[i - 1][1] + 1);
      expect(ranges.every(([lo, hi]) => set.has(lo) && set.has(hi) && set.has((lo + hi) >> 1))).toBe(true);
    }
  });

  it('constructors and bounds', () => {
    expect(CodePointSet.all().complement().isEmpty()).toBe(true);
    expect(CodePointSet.empty().complement().equals(CodePointSet.all())).toBe(true);
    expect(CodePointSet.fromString('ba😀a').toString()).toBe('[61-62 1F600]');
    expect(CodePointSet.single(5).isSingle()).toBe(true);
    expect(() => CodePointSet.single(0x110000)).toThrow(InputError);
    expect(() => CodePointSet.range(5, 4)).toThrow(InputError);
    expect(() => CodePointSet.fromRanges([[-1, 3]])).toThrow(InputError);
  });
});

describe('ByteSet', () => {
  it('algebra and ranges', () => {
    const a = ByteSet.fromRanges([
      [0x30, 0x39],
      [0xf0, 0xff],
    ]);
    expect(a.ranges()).toEqual([
      [0x30, 0x39],
      [0xf0, 0xff],
    ]);
    expect(a.size).toBe(26);
    expect(a.complement().has(0x30)).toBe(false);
    expect(a.complement().has(0x2f)).toBe(true);
    expect(a.union(ByteSet.of(0x3a)).ranges()[0]).toEqual([0x30, 0x3a]);
    expect(a.intersect(ByteSet.range(0x35, 0xf5)).ranges()).toEqual([
      [0x35, 0x39],
      [0xf0, 0xf5],
    ]);
    expect(ByteSet.empty().isEmpty()).toBe(true);
    expect(ByteSet.all().equals(ByteSet.empty().complement())).toBe(true);
    expect(() => ByteSet.of(256)).toThrow(InputError);
  });
});
