import { InputError } from '../../errors.js';

/**
 * An immutable set of raw bytes (0..255), for grammars over bytes rather than UTF-8 text (GBNF and
 * Lark allow `\xFF`-style terminals that need not be valid UTF-8). Eight 32-bit words.
 */
export class ByteSet {
  private readonly words: Uint32Array;

  private constructor(words: Uint32Array) {
    this.words = words;
  }

  static empty(): ByteSet {
    return new ByteSet(new Uint32Array(8));
  }

  static all(): ByteSet {
    return new ByteSet(new Uint32Array(8).fill(0xffffffff));
  }

  static of(...bytes: number[]): ByteSet {
    const words = new Uint32Array(8);
    for (const b of bytes) {
      checkByte(b);
      words[b >>> 5] |= 1 << (b & 31);
    }
    return new ByteSet(words);
  }

  static range(lo: number, hi: number): ByteSet {
    return ByteSet.fromRanges([[lo, hi]]);
  }

  /** From inclusive [lo, hi] byte pairs. */
  static fromRanges(ranges: Iterable<readonly [number, number]>): ByteSet {
    const words = new Uint32Array(8);
    for (const [lo, hi] of ranges) {
      checkByte(lo);
      checkByte(hi);
      if (lo > hi) throw new InputError(`empty byte range ${lo}..${hi}`, { where: 'ByteSet.fromRanges' });
      for (let b = lo; b <= hi; b++) words[b >>> 5] |= 1 << (b & 31);
    }
    return new ByteSet(words);
  }

  has(byte: number): boolean {
    return (this.words[byte >>> 5] & (1 << (byte & 31))) !== 0;
  }

  isEmpty(): boolean {
    for (let i = 0; i < 8; i++) if (this.words[i] !== 0) return false;
    return true;
  }

  get size(): number {
    let n = 0;
    for (let b = 0; b < 256; b++) if (this.has(b)) n++;
    return n;
  }

  union(other: ByteSet): ByteSet {
    const w = new Uint32Array(8);
    for (let i = 0; i < 8; i++) w[i] = this.words[i] | other.words[i];
    return new ByteSet(w);
  }

  intersect(other: ByteSet): ByteSet {
    const w = new Uint32Array(8);
    for (let i = 0; i < 8; i++) w[i] = this.words[i] & other.words[i];
    return new ByteSet(w);
  }

  complement(): ByteSet {
    const w = new Uint32Array(8);
    for (let i = 0; i < 8; i++) w[i] = ~this.words[i];
    return new ByteSet(w);
  }

  equals(other: ByteSet): boolean {
    for (let i = 0; i < 8; i++) if (this.words[i] !== other.words[i]) return false;
    return true;
  }

  /** The members as sorted, maximal inclusive [lo, hi] ranges. */
  ranges(): [number, number][] {
    const out: [number, number][] = [];
    let b = 0;
    while (b < 256) {
      if (!this.has(b)) {
        b++;
        continue;
      }
      const lo = b;
      while (b < 256 && this.has(b)) b++;
      out.push([lo, b - 1]);
    }
    return out;
  }
}

function checkByte(b: number): void {
  if (!Number.isInteger(b) || b < 0 || b > 255) throw new InputError(`${b} is not a byte (0..255)`, { where: 'ByteSet' });
}
