import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float16ToFloat32, float32ToFloat16, float32ToFloat16Bits } from '../../../src/engine/onnx/float16.js';

describe('float16', () => {
  it('round-trips every half value exactly (NaNs stay NaN)', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const back = float32ToFloat16(float16ToFloat32(all));
    const isNaN = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) if (isNaN(h) ? !isNaN(back[h]) : back[h] !== h) wrong.push(h);
    expect(wrong).toEqual([]);
  });

  it('decodes known values', () => {
    expect(Array.from(float16ToFloat32(Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000)))).toEqual([1, -2, 65504, 2 ** -24, Infinity, -0]);
  });

  it('rounds to nearest, ties to even, overflow to infinity, underflow to zero', () => {
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even (down)
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // above the tie
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds past the largest half
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal -> 0
    expect(float32ToFloat16Bits(1.5 * 2 ** -25)).toBe(1);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(2); // subnormal tie -> even
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // carries into the normal range
  });

  it('bfloat16 is the top half of a float32', () => {
    expect(Array.from(bfloat16ToFloat32(Uint16Array.of(0x3f80, 0xc0a0, 0x0000)))).toEqual([1, -5, 0]);
  });
});
