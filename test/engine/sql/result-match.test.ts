import { describe, expect, it } from 'vitest';
import { ordersRows, sameResult } from '../../../src/engine/sql/result-match.js';

describe('sameResult', () => {
  it('compares rows as a multiset unless ordered', () => {
    expect(sameResult([[1, 'a'], [2, 'b']], [[2, 'b'], [1, 'a']], false)).toBe(true);
    expect(sameResult([[1, 'a'], [2, 'b']], [[2, 'b'], [1, 'a']], true)).toBe(false);
    expect(sameResult([[1], [1], [2]], [[1], [2], [2]], false)).toBe(false);
    expect(sameResult([[1], [1]], [[1]], false)).toBe(false);
    expect(sameResult([], [], true)).toBe(true);
  });

  it('compares numbers by value and keeps types apart', () => {
    expect(sameResult([[2]], [[2.0]], true)).toBe(true);
    expect(sameResult([[2]], [['2']], true)).toBe(false);
    expect(sameResult([[null]], [[null]], true)).toBe(true);
    expect(sameResult([[null]], [['null']], true)).toBe(false);
    expect(sameResult([[Uint8Array.of(1, 2)]], [[Uint8Array.of(1, 2)]], true)).toBe(true);
    expect(sameResult([[1, 'a']], [['a', 1]], true)).toBe(false);
  });
});

describe('ordersRows', () => {
  it('finds an ORDER BY of the outermost query only', () => {
    expect(ordersRows('SELECT a FROM t ORDER BY a DESC')).toBe(true);
    expect(ordersRows('select a from t order\n by a')).toBe(true);
    expect(ordersRows('SELECT a FROM (SELECT a FROM t ORDER BY a)')).toBe(false);
    expect(ordersRows("SELECT 'order by' FROM t")).toBe(false);
    expect(ordersRows('SELECT a FROM t')).toBe(false);
  });
});
