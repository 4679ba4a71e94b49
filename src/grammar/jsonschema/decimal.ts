/**
 * Exact decimal numbers for JSON Schema's numeric keywords. JSON number text is decimal, and the
 * keywords are defined on mathematical values (`1.0` is an integer, `0.3` is a multiple of `0.1`), so the
 * machine compares digits, never doubles. A value is `sign * digits * 10^exp` with `digits` free of
 * trailing zeros (zero is `digits = 0n, exp = 0`), so equal values have equal fields.
 */
export interface Decimal {
  readonly negative: boolean;
  readonly digits: bigint;
  readonly exp: number;
}

export const ZERO: Decimal = Object.freeze({ negative: false, digits: 0n, exp: 0 });

/** Exponents beyond this are refused by the number lexer (see MAX_EXPONENT_DIGITS in the machine). */
const SCALE_LIMIT = 4096;

/** Parses JSON number text (or a JavaScript number's `String()`); undefined when it is not a number. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return undefined;
  const intPart = m[2];
  const frac = m[3] ?? '';
  let exp = m[4] !== undefined ? Number(m[4]) : 0;
  if (!Number.isSafeInteger(exp)) return undefined;
  exp -= frac.length;
  let mantissa = (intPart + frac).replace(/^0+/, '');
  if (mantissa === '') return ZERO;
  const stripped = mantissa.replace(/0+$/, '');
  exp += mantissa.length - stripped.length;
  mantissa = stripped;
  return { negative: m[1] === '-', digits: BigInt(mantissa), exp };
}

/** A JavaScript number as an exact decimal (via its shortest round-trip text). */
export function decimalOfNumber(value: number): Decimal | undefined {
  if (!Number.isFinite(value)) return undefined;
  return parseDecimal(String(value));
}

export function isZero(d: Decimal): boolean {
  return d.digits === 0n;
}

/** Number of decimal digits of a positive bigint. */
function digitCount(n: bigint): number {
  return n.toString().length;
}

/** -1, 0, 1 as a < b, a = b, a > b. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const za = a.digits === 0n;
  const zb = b.digits === 0n;
  if (za && zb) return 0;
  const sa = za ? 0 : a.negative ? -1 : 1;
  const sb = zb ? 0 : b.negative ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  const magnitude = compareMagnitude(a, b);
  return sa < 0 ? -magnitude : magnitude;
}

/** Compares |a| and |b| (both non-zero or handled by the caller). */
function compareMagnitude(a: Decimal, b: Decimal): number {
  if (a.digits === 0n) return b.digits === 0n ? 0 : -1;
  if (b.digits === 0n) return 1;
  // Order of magnitude first: it decides without scaling unless the leading digits line up.
  const oa = digitCount(a.digits) + a.exp;
  const ob = digitCount(b.digits) + b.exp;
  if (oa !== ob) return oa < ob ? -1 : 1;
  const e = Math.min(a.exp, b.exp);
  const x = a.digits * 10n ** BigInt(a.exp - e);
  const y = b.digits * 10n ** BigInt(b.exp - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** True when the value has no fractional part. */
export function isIntegral(d: Decimal): boolean {
  return d.digits === 0n || d.exp >= 0;
}

/**
 * True when `value / divisor` is an integer (divisor > 0). Exact for any exponents: factors of 10 beyond
 * what the divisor's 2s and 5s need cannot change divisibility, so huge exponent gaps are clamped.
 */
export function isMultipleOf(value: Decimal, divisor: Decimal): boolean {
  if (value.digits === 0n) return true;
  if (divisor.digits === 0n) return false;
  const gap = value.exp - divisor.exp;
  if (gap >= 0) {
    const clamp = Math.min(gap, 4 * digitCount(divisor.digits) + 4);
    return (value.digits * 10n ** BigInt(clamp)) % divisor.digits === 0n;
  }
  // value = a * 10^p, divisor = b * 10^q, p < q: need b * 10^(q-p) | a.
  if (-gap > digitCount(value.digits)) return false;
  return value.digits % (divisor.digits * 10n ** BigInt(-gap)) === 0n;
}

/** Canonical text of a decimal (for keys and equality): `-123e-4`, `0`. */
export function decimalKey(d: Decimal): string {
  if (d.digits === 0n) return '0';
  return `${d.negative ? '-' : ''}${d.digits}e${d.exp}`;
}

export function negate(d: Decimal): Decimal {
  return d.digits === 0n ? d : { negative: !d.negative, digits: d.digits, exp: d.exp };
}

/** 10^k as a decimal. */
export function powerOfTen(k: number): Decimal {
  return { negative: false, digits: 1n, exp: k };
}

/** a * 10^k (exact). */
export function scaleDecimal(d: Decimal, k: number): Decimal {
  return d.digits === 0n ? d : { negative: d.negative, digits: d.digits, exp: d.exp + k };
}

/** Decimal from an integer bigint times 10^exp (normalised). */
export function makeDecimal(negative: boolean, digits: bigint, exp: number): Decimal {
  if (digits === 0n) return ZERO;
  if (digits < 0n) {
    digits = -digits;
    negative = !negative;
  }
  while (digits % 10n === 0n) {
    digits /= 10n;
    exp++;
  }
  return { negative, digits, exp };
}

/** The smallest multiple of `step` (> 0) that is >= `x` (or > x when `strict`). */
export function ceilMultiple(x: Decimal, step: Decimal, strict: boolean): Decimal {
  const e = Math.min(x.exp, step.exp);
  if (x.exp - e > SCALE_LIMIT || step.exp - e > SCALE_LIMIT) {
    // Magnitudes too far apart to scale: only reached for absurd bounds; a multiple exists nearby.
    return x;
  }
  const xv = (x.negative ? -x.digits : x.digits) * 10n ** BigInt(x.exp - e);
  const sv = step.digits * 10n ** BigInt(step.exp - e);
  let q = xv / sv;
  // bigint division truncates toward zero; move to the ceiling.
  if (q * sv < xv) q += 1n;
  if (strict && q * sv === xv) q += 1n;
  return makeDecimal(false, q * sv, e);
}

/** Least common multiple of two positive decimals (the step of values that are multiples of both). */
export function lcmDecimal(a: Decimal, b: Decimal): Decimal {
  const e = Math.min(a.exp, b.exp);
  if (a.exp - e > SCALE_LIMIT || b.exp - e > SCALE_LIMIT) return a.exp > b.exp ? a : b;
  const x = a.digits * 10n ** BigInt(a.exp - e);
  const y = b.digits * 10n ** BigInt(b.exp - e);
  return makeDecimal(false, (x / gcd(x, y)) * y, e);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
