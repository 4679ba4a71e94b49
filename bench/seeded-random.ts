/**
 * xorshift32 (Marsaglia 2003): small, fast, and the same sequence on every machine, so the seeded
 * benchmark corpora (grammar-corpus.ts, grammar-c-corpus.ts) regenerate byte for byte.
 */
export class SeededRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 4294967296;
  }
  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Uniform in [lo, hi), rounded to `digits` decimals. */
  float(lo: number, hi: number, digits: number): number {
    return Number((lo + this.next() * (hi - lo)).toFixed(digits));
  }
}
