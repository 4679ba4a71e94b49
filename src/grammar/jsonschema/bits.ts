/**
 * Immutable bit sets over small index ranges (atoms of a goal, property names of an object plan),
 * as Uint32Arrays. Functions return a new array only when the result differs from an input, so
 * unchanged sets stay shared between states.
 */
export type Bits = Uint32Array;

export function emptyBits(n: number): Bits {
  return new Uint32Array((n + 31) >>> 5 || 1);
}

export function fullBits(n: number): Bits {
  const b = emptyBits(n);
  for (let i = 0; i < n; i++) b[i >>> 5] |= 1 << (i & 31);
  return b;
}

export function hasBit(b: Bits, i: number): boolean {
  return (b[i >>> 5] & (1 << (i & 31))) !== 0;
}

export function withBit(b: Bits, i: number): Bits {
  if (hasBit(b, i)) return b;
  const out = b.slice();
  out[i >>> 5] |= 1 << (i & 31);
  return out;
}

export function withoutBit(b: Bits, i: number): Bits {
  if (!hasBit(b, i)) return b;
  const out = b.slice();
  out[i >>> 5] &= ~(1 << (i & 31));
  return out;
}

/** a & b (returns `a` itself when nothing is removed). */
export function andBits(a: Bits, b: Bits): Bits {
  let changed = false;
  for (let w = 0; w < a.length; w++) {
    if ((a[w] & b[w]) !== a[w]) {
      changed = true;
      break;
    }
  }
  if (!changed) return a;
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w] & b[w];
  return out;
}

/** a & ~b (returns `a` itself when nothing is removed). */
export function minusBits(a: Bits, b: Bits): Bits {
  let changed = false;
  for (let w = 0; w < a.length; w++) {
    if ((a[w] & b[w]) !== 0) {
      changed = true;
      break;
    }
  }
  if (!changed) return a;
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w] & ~b[w];
  return out;
}

export function orBits(a: Bits, b: Bits): Bits {
  const out = new Uint32Array(Math.max(a.length, b.length));
  for (let w = 0; w < out.length; w++) out[w] = (a[w] ?? 0) | (b[w] ?? 0);
  return out;
}

export function isEmptyBits(b: Bits): boolean {
  for (let w = 0; w < b.length; w++) if (b[w] !== 0) return false;
  return true;
}

export function intersects(a: Bits, b: Bits): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w] & b[w]) !== 0) return true;
  return false;
}

/** True when every bit of `a` is in `b`. */
export function subsetBits(a: Bits, b: Bits): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w] & ~b[w]) !== 0) return false;
  return true;
}

export function bitsKey(b: Bits): string {
  if (b.length === 1) return b[0].toString(36);
  let s = '';
  for (let w = 0; w < b.length; w++) s += (w ? '.' : '') + b[w].toString(36);
  return s;
}

/** True when some index in [lo, hi) is set in `a` and clear in `notIn`. */
export function anyInRange(a: Bits, notIn: Bits | undefined, lo: number, hi: number): boolean {
  for (let i = lo; i < hi; ) {
    const w = i >>> 5;
    let word = a[w] & ~(notIn !== undefined ? notIn[w] : 0);
    const first = i & 31;
    word &= ~0 << first;
    const lastInWord = Math.min(hi - (w << 5), 32);
    if (lastInWord < 32) word &= (1 << lastInWord) - 1;
    if (word !== 0) return true;
    i = (w + 1) << 5;
  }
  return false;
}
