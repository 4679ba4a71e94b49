import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { maskCount } from '../../../src/grammar/automaton/token-automaton.js';
import { maskDiff, randomInt, rng } from './fixtures.js';

const WORDS = 100; // 3200 ids
/** Bytes one dense entry costs (mask + bookkeeping), as the cache counts it, besides its key's characters. */
const DENSE_ENTRY = WORDS * 4 + 160;

function randomMask(random: () => number, density: number): Uint32Array {
  const mask = new Uint32Array(WORDS);
  for (let id = 0; id < WORDS * 32; id++) if (random() < density) mask[id >>> 5] |= 1 << (id & 31);
  return mask;
}

describe('MaskCache', () => {
  it('round-trips sparse and dense masks exactly, and answers single-token queries', () => {
    const random = rng(1);
    const cache = new MaskCache();
    const scope = cache.scope({}, {});
    for (let k = 0; k < 40; k++) {
      const mask = randomMask(random, [0, 0.0005, 0.01, 0.03, 0.5, 1][k % 6]);
      cache.write(scope, k, mask);
      const out = new Uint32Array(WORDS).fill(0xdeadbeef);
      expect(cache.read(scope, k, out)).toBe(true);
      expect(maskDiff(out, mask)).toEqual([]);
      for (let q = 0; q < 50; q++) {
        const id = randomInt(random, WORDS * 32);
        expect(cache.allows(scope, k, id)).toBe((mask[id >>> 5] & (1 << (id & 31))) !== 0 ? 1 : 0);
      }
    }
    expect(cache.allows(scope, 'missing', 3)).toBe(-1);
    expect(cache.read(scope, 'missing', new Uint32Array(WORDS))).toBe(false);
    expect(cache.hits).toBe(40);
    expect(cache.misses).toBe(1);
  });

  it('stores sparse masks in less memory than dense ones', () => {
    const cache = new MaskCache();
    const scope = cache.scope({}, {});
    const sparse = new Uint32Array(WORDS);
    sparse[3] = 0b1011;
    // Each entry also counts its key's characters ('sparse': 6, 'dense': 5).
    cache.write(scope, 'sparse', sparse);
    expect(cache.byteLength).toBe(3 * 4 + 160 + 6);
    cache.write(scope, 'dense', new Uint32Array(WORDS).fill(0xffffffff));
    expect(cache.byteLength).toBe(3 * 4 + 160 + 6 + DENSE_ENTRY + 5);
    cache.write(scope, 'sparse', new Uint32Array(WORDS)); // overwrite: the old entry's bytes are released
    expect(cache.byteLength).toBe(160 + 6 + DENSE_ENTRY + 5);
  });

  it('evicts the least recently used entry, where a read counts as a use', () => {
    // Room for three dense entries with one-character keys.
    const cache = new MaskCache({ maxBytes: 3 * (DENSE_ENTRY + 1) });
    const scope = cache.scope({}, {});
    // Distinct dense masks (equal ones would share one stored copy), each with bit 0 set.
    const dense = (k: number) => new Uint32Array(WORDS).fill(0xffffffff - 2 * k);
    const out = new Uint32Array(WORDS);
    ['a', 'b', 'c'].forEach((key, k) => cache.write(scope, key, dense(k + 1)));
    expect(cache.read(scope, 'a', out)).toBe(true); // a is now the most recent
    cache.write(scope, 'd', dense(4)); // evicts b
    expect(cache.allows(scope, 'b', 0)).toBe(-1);
    expect(cache.allows(scope, 'a', 0)).toBe(1);
    expect(cache.allows(scope, 'c', 0)).toBe(1);
    expect(cache.size).toBe(3);
    expect(cache.byteLength).toBe(3 * (DENSE_ENTRY + 1));
  });

  it("counts a string key's characters against the bound", () => {
    // Masks of one id, keys of 1,000 characters (a document prefix, say): four entries do not fit.
    const one = new Uint32Array(WORDS);
    one[0] = 1;
    const entry = 4 + 160 + 1000;
    const cache = new MaskCache({ maxBytes: 3 * entry + 3 * 4 });
    const scope = cache.scope({}, {});
    const key = (k: number) => String(k).repeat(1000);
    for (let k = 1; k <= 4; k++) cache.write(scope, key(k), one.map((v) => v << (k - 1)));
    expect(cache.size).toBe(3);
    expect(cache.allows(scope, key(1), 0)).toBe(-1);
    expect(cache.allows(scope, key(4), 3)).toBe(1);
    expect(cache.byteLength).toBe(3 * entry);
    // Keys that are not strings count the bookkeeping only.
    const numeric = new MaskCache();
    numeric.write(numeric.scope({}, {}), 12345, one);
    expect(numeric.byteLength).toBe(4 + 160);
  });

  it('stores equal masks once, counts them once, and frees a content with its last entry', () => {
    const random = rng(7);
    const dense = randomMask(random, 0.5);
    const sparse = randomMask(random, 0.005);
    const sparseBytes = maskCount(sparse) * 4;
    const cache = new MaskCache();
    const scope = cache.scope({}, {});
    const other = cache.scope({}, {});
    cache.write(scope, 'd1', dense);
    cache.write(other, 'd2', dense.slice());
    cache.write(scope, 's1', sparse);
    cache.write(scope, 's2', sparse.slice());
    expect(cache.size).toBe(4);
    // Four keys of two characters each.
    expect(cache.byteLength).toBe(WORDS * 4 + sparseBytes + 4 * (160 + 2));
    const out = new Uint32Array(WORDS);
    for (const [s, key, mask] of [[scope, 'd1', dense], [other, 'd2', dense], [scope, 's1', sparse], [scope, 's2', sparse]] as const) {
      expect(cache.read(s, key, out)).toBe(true);
      expect(maskDiff(out, mask)).toEqual([]);
    }
    // Overwriting one sharer keeps the other's mask; the content goes with its last entry.
    const changed = dense.slice();
    changed[0] ^= 1;
    cache.write(scope, 'd1', changed);
    expect(cache.read(other, 'd2', out)).toBe(true);
    expect(maskDiff(out, dense)).toEqual([]);
    expect(cache.read(scope, 'd1', out)).toBe(true);
    expect(maskDiff(out, changed)).toEqual([]);
    expect(cache.byteLength).toBe(2 * WORDS * 4 + sparseBytes + 4 * (160 + 2));
    cache.write(other, 'd2', sparse);
    cache.write(scope, 'd1', sparse);
    expect(cache.byteLength).toBe(sparseBytes + 4 * (160 + 2));
    cache.clear();
    expect(cache.byteLength).toBe(0);
    expect(cache.size).toBe(0);
  });

  it('tells apart masks that differ only past where they turn dense, and sparse ones of equal counts', () => {
    const cache = new MaskCache();
    const scope = cache.scope({}, {});
    // WORDS - 1 bits: the most a sparse mask holds; WORDS bits: dense. The last word decides each pair.
    const withBits = (n: number, last: number) => {
      const mask = new Uint32Array(WORDS);
      for (let id = 0; id < n - 1; id++) mask[id >>> 5] |= 1 << (id & 31);
      mask[WORDS - 1] |= 1 << last;
      return mask;
    };
    const masks = [withBits(WORDS - 1, 3), withBits(WORDS - 1, 4), withBits(WORDS, 3), withBits(WORDS, 4), withBits(2, 3), withBits(2, 4)];
    masks.forEach((mask, k) => cache.write(scope, k, mask));
    const out = new Uint32Array(WORDS);
    masks.forEach((mask, k) => {
      expect(cache.read(scope, k, out)).toBe(true);
      expect(maskDiff(out, mask)).toEqual([]);
    });
    // Two sparse contents of WORDS - 1 ids, two dense ones, two sparse ones of 2 ids: nothing shared.
    expect(cache.byteLength).toBe(2 * (WORDS - 1) * 4 + 2 * WORDS * 4 + 2 * 2 * 4 + 6 * (160 + 0));
  });

  it('keeps scopes apart, stores nothing larger than its bound, and rejects a negative bound', () => {
    const cache = new MaskCache({ maxBytes: DENSE_ENTRY - 1 });
    const machine = {};
    const a = cache.scope(machine, {});
    const b = cache.scope(machine, {});
    expect(cache.scope(machine, {})).not.toBe(a);
    const vocabulary = {};
    expect(cache.scope(machine, vocabulary)).toBe(cache.scope(machine, vocabulary));
    cache.write(a, 1, new Uint32Array(WORDS).fill(0xffffffff));
    expect(cache.size).toBe(0);
    const one = new Uint32Array(WORDS);
    one[0] = 1;
    cache.write(a, 1, one);
    expect(cache.allows(a, 1, 0)).toBe(1);
    expect(cache.allows(b, 1, 0)).toBe(-1);
    expect(() => new MaskCache({ maxBytes: -1 })).toThrow(InputError);
  });
});
