import { InputError } from '../../errors.js';

/** The largest Unicode code point. */
export const MAX_CODE_POINT = 0x10ffff;

/**
 * An immutable set of Unicode code points (0..0x10FFFF) stored as sorted, disjoint, non-adjacent
 * inclusive ranges in one Int32Array, so set algebra is a linear merge and `has` a binary search.
 * Surrogates (U+D800..U+DFFF) may be members; they have no UTF-8 encoding, so compilation to bytes
 * drops them.
 */
export class CodePointSet {
  /** Flat inclusive bounds [lo0, hi0, lo1, hi1, ...]; sorted, with a gap of at least one between ranges. */
  private readonly bounds: Int32Array;

  private constructor(bounds: Int32Array) {
    this.bounds = bounds;
  }

  private static readonly EMPTY = new CodePointSet(new Int32Array(0));
  private static readonly ALL = new CodePointSet(Int32Array.of(0, MAX_CODE_POINT));

  static empty(): CodePointSet {
    return CodePointSet.EMPTY;
  }

  static all(): CodePointSet {
    return CodePointSet.ALL;
  }

  static single(codePoint: number): CodePointSet {
    checkCodePoint(codePoint);
    return new CodePointSet(Int32Array.of(codePoint, codePoint));
  }

  static range(lo: number, hi: number): CodePointSet {
    checkCodePoint(lo);
    checkCodePoint(hi);
    if (lo > hi) throw new InputError(`empty code point range ${hex(lo)}..${hex(hi)}`, { where: 'CodePointSet.range' });
    return new CodePointSet(Int32Array.of(lo, hi));
  }

  /** From inclusive [lo, hi] pairs in any order, overlapping or not. */
  static fromRanges(ranges: Iterable<readonly [number, number]>): CodePointSet {
    const flat: number[] = [];
    for (const [lo, hi] of ranges) {
      checkCodePoint(lo);
      checkCodePoint(hi);
      if (lo > hi) throw new InputError(`empty code point range ${hex(lo)}..${hex(hi)}`, { where: 'CodePointSet.fromRanges' });
      flat.push(lo, hi);
    }
    return CodePointSet.normalize(flat);
  }

  static fromCodePoints(codePoints: Iterable<number>): CodePointSet {
    const flat: number[] = [];
    for (const cp of codePoints) {
      checkCodePoint(cp);
      flat.push(cp, cp);
    }
    return CodePointSet.normalize(flat);
  }

  /** The code points of `text` (a surrogate pair counts as one code point). */
  static fromString(text: string): CodePointSet {
    const cps: number[] = [];
    for (const ch of text) cps.push(ch.codePointAt(0)!);
    return CodePointSet.fromCodePoints(cps);
  }

  /** Sorts and merges unnormalised flat pairs. */
  private static normalize(flat: number[]): CodePointSet {
    const n = flat.length >> 1;
    if (n === 0) return CodePointSet.EMPTY;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => flat[2 * a] - flat[2 * b]);
    const out: number[] = [];
    let lo = flat[2 * order[0]];
    let hi = flat[2 * order[0] + 1];
    for (let k = 1; k < n; k++) {
      const l = flat[2 * order[k]];
      const h = flat[2 * order[k] + 1];
      if (l <= hi + 1) {
        if (h > hi) hi = h;
      } else {
        out.push(lo, hi);
        lo = l;
        hi = h;
      }
    }
    out.push(lo, hi);
    return new CodePointSet(Int32Array.from(out));
  }

  /** Number of ranges. */
  get rangeCount(): number {
    return this.bounds.length >> 1;
  }

  /** Lower bound (inclusive) of range `i`. */
  lo(i: number): number {
    return this.bounds[2 * i];
  }

  /** Upper bound (inclusive) of range `i`. */
  hi(i: number): number {
    return this.bounds[2 * i + 1];
  }

  *ranges(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.bounds.length; i += 2) yield [this.bounds[i], this.bounds[i + 1]];
  }

  /** Number of code points in the set. */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.bounds.length; i += 2) n += this.bounds[i + 1] - this.bounds[i] + 1;
    return n;
  }

  isEmpty(): boolean {
    return this.bounds.length === 0;
  }

  /** True when the set holds exactly one code point. */
  isSingle(): boolean {
    return this.bounds.length === 2 && this.bounds[0] === this.bounds[1];
  }

  has(codePoint: number): boolean {
    const b = this.bounds;
    let lo = 0;
    let hi = (b.length >> 1) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (codePoint < b[2 * mid]) hi = mid - 1;
      else if (codePoint > b[2 * mid + 1]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  equals(other: CodePointSet): boolean {
    const a = this.bounds;
    const b = other.bounds;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** True when every member of `other` is a member of this set. */
  contains(other: CodePointSet): boolean {
    return other.subtract(this).isEmpty();
  }

  union(other: CodePointSet): CodePointSet {
    if (other.bounds.length === 0) return this;
    if (this.bounds.length === 0) return other;
    const a = this.bounds;
    const b = other.bounds;
    const out: number[] = [];
    let i = 0;
    let j = 0;
    let lo = -1;
    let hi = -2;
    while (i < a.length || j < b.length) {
      let l: number;
      let h: number;
      if (j >= b.length || (i < a.length && a[i] <= b[j])) {
        l = a[i];
        h = a[i + 1];
        i += 2;
      } else {
        l = b[j];
        h = b[j + 1];
        j += 2;
      }
      if (l <= hi + 1) {
        if (h > hi) hi = h;
      } else {
        if (hi >= lo && lo >= 0) out.push(lo, hi);
        lo = l;
        hi = h;
      }
    }
    out.push(lo, hi);
    return new CodePointSet(Int32Array.from(out));
  }

  intersect(other: CodePointSet): CodePointSet {
    const a = this.bounds;
    const b = other.bounds;
    const out: number[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const l = Math.max(a[i], b[j]);
      const h = Math.min(a[i + 1], b[j + 1]);
      if (l <= h) out.push(l, h);
      if (a[i + 1] < b[j + 1]) i += 2;
      else j += 2;
    }
    return out.length === 0 ? CodePointSet.EMPTY : new CodePointSet(Int32Array.from(out));
  }

  complement(): CodePointSet {
    const b = this.bounds;
    const out: number[] = [];
    let next = 0;
    for (let i = 0; i < b.length; i += 2) {
      if (b[i] > next) out.push(next, b[i] - 1);
      next = b[i + 1] + 1;
    }
    if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
    return out.length === 0 ? CodePointSet.EMPTY : new CodePointSet(Int32Array.from(out));
  }

  subtract(other: CodePointSet): CodePointSet {
    if (other.bounds.length === 0 || this.bounds.length === 0) return this;
    return this.intersect(other.complement());
  }

  /** A 32-bit hash of the contents (equal sets hash equally), for content-keyed caches. */
  hash(): number {
    let h = 0x811c9dc5;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
    return h >>> 0;
  }

  /** Debug form, e.g. `[61-7A 0x2028]` (hex code points). */
  toString(): string {
    const parts: string[] = [];
    for (const [lo, hi] of this.ranges()) parts.push(lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`);
    return `[${parts.join(' ')}]`;
  }
}

function checkCodePoint(cp: number): void {
  if (!Number.isInteger(cp) || cp < 0 || cp > MAX_CODE_POINT) {
    throw new InputError(`${cp} is not a Unicode code point (0..0x10FFFF)`, { where: 'CodePointSet' });
  }
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase();
}

