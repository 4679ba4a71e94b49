import { N_DOT, N_E, N_E_SIGN, N_EXP, N_FRAC, N_INT, N_MINUS, N_ZERO } from './frame.js';

/**
 * The shape of number texts the machine admits, independent of any schema: how many digits each part
 * may have. The JSON grammar allows `1` followed by a million zeros or `1e999999` (Infinity for every
 * JSON parser), and a sampler walking the digit slice finds them: a run of zeros never ends, a huge
 * exponent leaves the value infinite and the document dead at the next check. So the machine bounds
 * the text, and the bound is part of the state (one packed integer, shared by the machine and its
 * cursor).
 *
 * 'bounded' (the default; generation):
 * - integer part at most MAX_INTEGER_DIGITS (19: every int64);
 * - fraction at most MAX_FRACTION_DIGITS (24: Python's float repr, which MaskBench instances use,
 *   writes at most 17 significant digits after at most 4 leading zeros);
 * - exponent at most 3 digits, and a non-negative exponent keeps the value below 10^308
 *   (integer digits + exponent <= 308), so the value is always finite;
 * - `type: integer` schemas additionally take the plain form `0|-?[1-9][0-9]*` only (see
 *   NumberConstraint.plainInteger): `1.0` and `1e2` are integers by the specification, but nobody who
 *   asks for an integer wants to read them, and their fraction/exponent digits are where samplers
 *   wander off.
 * 'exact' (conformance harnesses): any JSON number text up to MAX_EXPONENT_DIGITS exponent digits
 * (values that large or small are not numbers anyone means); the schema's keywords decide the rest.
 */
export type NumberForm = 'bounded' | 'exact';

export const MAX_INTEGER_DIGITS = 19;
export const MAX_FRACTION_DIGITS = 24;
/** Exponent digits in 'bounded' form. */
export const MAX_BOUNDED_EXPONENT_DIGITS = 3;
/** Exponent digits in 'exact' form. */
export const MAX_EXPONENT_DIGITS = 6;
/** Largest decimal order of magnitude a 'bounded' number reaches (Number.MAX_VALUE is 1.8e308). */
const MAX_ORDER = 308;

// Packed shape: digits of the current part (bits 0-4), integer digits (bits 5-9), negative exponent
// (bit 10), exponent value (bits 11 and up). In 'exact' form the shape is the exponent digit count.
const SEG_MASK = 31;
const INT_SHIFT = 5;
const NEG_EXP = 1 << 10;
const EXP_SHIFT = 11;

/**
 * The shape after `byte` moved a number from `phase` to `next` (both number phases), or -1 when the
 * form refuses the byte.
 */
export function stepShape(shape: number, phase: number, next: number, byte: number, form: NumberForm): number {
  if (form === 'exact') {
    if (next !== N_EXP) return shape;
    return shape + 1 > MAX_EXPONENT_DIGITS ? -1 : shape + 1;
  }
  const seg = shape & SEG_MASK;
  switch (next) {
    case N_ZERO:
      return 0;
    case N_INT:
      return seg + 1 <= MAX_INTEGER_DIGITS ? shape + 1 : -1;
    case N_DOT:
      // The integer part is complete: remember its length (0 for a leading zero: the value is < 1).
      return (phase === N_INT ? seg : 0) << INT_SHIFT;
    case N_FRAC:
      return seg + 1 <= MAX_FRACTION_DIGITS ? shape + 1 : -1;
    case N_E: {
      const intDigits = phase === N_INT ? seg : phase === N_ZERO ? 0 : (shape >> INT_SHIFT) & SEG_MASK;
      return intDigits << INT_SHIFT;
    }
    case N_E_SIGN:
      return byte === 0x2d ? shape | NEG_EXP : shape;
    case N_EXP: {
      if (seg + 1 > MAX_BOUNDED_EXPONENT_DIGITS) return -1;
      const value = (shape >> EXP_SHIFT) * 10 + (byte - 0x30);
      const intDigits = (shape >> INT_SHIFT) & SEG_MASK;
      if ((shape & NEG_EXP) === 0 && intDigits + value > MAX_ORDER) return -1;
      return (value << EXP_SHIFT) | (shape & NEG_EXP) | (intDigits << INT_SHIFT) | (seg + 1);
    }
    default:
      return shape;
  }
}

/** The shape of a number whose first byte put it in `phase`. */
export function initialShape(phase: number, form: NumberForm): number {
  return form === 'bounded' && phase === N_INT ? 1 : 0;
}

/**
 * How many more digits the current part of the number may take (for the digit vocabulary slice), or
 * Infinity. The exponent's value bound is not a digit count: there the slice is not offered.
 */
export function digitBudget(shape: number, phase: number, form: NumberForm): number {
  if (form === 'exact') {
    if (phase === N_EXP || phase === N_E || phase === N_E_SIGN) return MAX_EXPONENT_DIGITS - shape;
    return Infinity;
  }
  const seg = shape & SEG_MASK;
  if (phase === N_INT) return MAX_INTEGER_DIGITS - seg;
  if (phase === N_DOT || phase === N_FRAC) return MAX_FRACTION_DIGITS - seg;
  return 0;
}

/**
 * True when moving from `phase` to `next` leaves the plain integer form `0|-?[1-9][0-9]*` (a fraction,
 * an exponent, a negative zero): the phase-level equivalent of a text test for `[.eE]|^-0`.
 */
export function breaksPlainForm(phase: number, next: number): boolean {
  return next === N_DOT || next === N_E || (phase === N_MINUS && next === N_ZERO);
}
