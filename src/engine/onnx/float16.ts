/**
 * IEEE 754 half precision and bfloat16 <-> float32, for fp16 models (onnxruntime-node hands float16
 * tensors over as Uint16Array) and for bf16/fp16 checkpoints. Node 20 has no Float16Array.
 */

let halfTable: Float32Array | undefined;

/** All 65,536 half values as float32: a lookup is faster than decoding bits in the logits loop. */
function table(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) halfTable[h] = decodeHalf(h);
  return halfTable;
}

function decodeHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function float16ToFloat32(source: Uint16Array, target = new Float32Array(source.length)): Float32Array {
  const t = table();
  for (let i = 0; i < source.length; i++) target[i] = t[source[i]];
  return target;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds to the nearest half, ties to even (as numpy and torch do); overflow becomes +-Infinity. */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit bit in, then round to nearest even.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let result = mantissa >>> shift;
    if (rest > half || (rest === half && result & 1)) result++;
    return sign | result;
  }
  let result = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && result & 1)) result++;
  return sign | result;
}

export function float32ToFloat16(source: ArrayLike<number>, target = new Uint16Array(source.length)): Uint16Array {
  for (let i = 0; i < source.length; i++) target[i] = float32ToFloat16Bits(source[i]);
  return target;
}

/** bfloat16 is the top half of a float32. */
export function bfloat16ToFloat32(source: Uint16Array, target = new Float32Array(source.length)): Float32Array {
  const bits = new Uint32Array(target.buffer, target.byteOffset, target.length);
  for (let i = 0; i < source.length; i++) bits[i] = source[i] << 16;
  return target;
}
