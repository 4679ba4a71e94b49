import { MAX_BOUNDED_EXPONENT_DIGITS, MAX_EXPONENT_DIGITS, MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS } from './number-shape.js';
import {
  ceilMultiple,
  compareDecimal,
  decimalKey,
  isIntegral,
  isMultipleOf,
  lcmDecimal,
  makeDecimal,
  negate,
  parseDecimal,
  powerOfTen,
  ZERO,
  type Decimal,
} from './decimal.js';

/**
 * The numeric keywords of one schema (minimum, maximum, exclusive*, multipleOf, type integer), checked
 * two ways at once: exactly on the decimal value (the specification's semantics), and the way ajv
 * checks them on a JavaScript double (the reference validator's semantics). A number is accepted only
 * when both agree, so the machine never accepts what ajv rejects, and never accepts what the
 * specification rejects.
 */
export interface NumberConstraint {
  readonly integer: boolean;
  /** Integers only in the plain form `0|-?[1-9][0-9]*`: no fraction, no exponent (number-shape.ts). */
  readonly plainInteger: boolean;
  /** Number texts are bounded (number-shape.ts 'bounded'): viability counts the digits left. */
  readonly bounded: boolean;
  readonly lo: Decimal | undefined;
  readonly loExclusive: boolean;
  readonly hi: Decimal | undefined;
  readonly hiExclusive: boolean;
  readonly multipleOf: readonly Decimal[];
  /** The same bounds as JavaScript numbers, for ajv's double semantics. */
  readonly jsMinimum: readonly number[];
  readonly jsExclusiveMinimum: readonly number[];
  readonly jsMaximum: readonly number[];
  readonly jsExclusiveMaximum: readonly number[];
  readonly jsMultipleOf: readonly number[];
  /** Allowed values (exact) when an enum/const restricts numbers; undefined = any. */
  readonly values: readonly Decimal[] | undefined;
}

export interface NumberKeywords {
  integer?: boolean;
  /** 'bounded' number form (number-shape.ts); integers then take the plain form. */
  bounded?: boolean;
  minimum?: number[];
  exclusiveMinimum?: number[];
  maximum?: number[];
  exclusiveMaximum?: number[];
  multipleOf?: number[];
  values?: Decimal[];
}

/** Builds a constraint from keyword values (several of each kind may apply: they all must hold). */
export function numberConstraint(k: NumberKeywords): NumberConstraint {
  let lo: Decimal | undefined;
  let loExclusive = false;
  let hi: Decimal | undefined;
  let hiExclusive = false;
  const tighterLo = (v: number, exclusive: boolean) => {
    const d = decimalOfJson(v);
    const c = lo === undefined ? 1 : compareDecimal(d, lo);
    if (c > 0 || (c === 0 && exclusive)) {
      lo = d;
      loExclusive = exclusive;
    }
  };
  const tighterHi = (v: number, exclusive: boolean) => {
    const d = decimalOfJson(v);
    const c = hi === undefined ? -1 : compareDecimal(d, hi);
    if (c < 0 || (c === 0 && exclusive)) {
      hi = d;
      hiExclusive = exclusive;
    }
  };
  for (const v of k.minimum ?? []) tighterLo(v, false);
  for (const v of k.exclusiveMinimum ?? []) tighterLo(v, true);
  for (const v of k.maximum ?? []) tighterHi(v, false);
  for (const v of k.exclusiveMaximum ?? []) tighterHi(v, true);
  // ajv's multipleOf (see checkNumber) fails whenever |value / m| >= 1e21: String() then writes an
  // exponent that parseInt stops at. Stating it as a range lets viability see it before the digits do.
  for (const m of k.multipleOf ?? []) {
    const bound = m * 1e21;
    if (!Number.isFinite(bound)) continue;
    tighterHi(bound, true);
    tighterLo(-bound, true);
  }
  return {
    integer: k.integer ?? false,
    plainInteger: (k.integer ?? false) && (k.bounded ?? false),
    bounded: k.bounded ?? false,
    lo,
    loExclusive,
    hi,
    hiExclusive,
    multipleOf: (k.multipleOf ?? []).map(decimalOfJson),
    jsMinimum: k.minimum ?? [],
    jsExclusiveMinimum: k.exclusiveMinimum ?? [],
    jsMaximum: k.maximum ?? [],
    jsExclusiveMaximum: k.exclusiveMaximum ?? [],
    jsMultipleOf: k.multipleOf ?? [],
    values: k.values,
  };
}

/**
 * A number from a parsed schema. JSON.parse already rounded it to a double; the shortest round-trip
 * text of that double is the decimal we compare with (for schema literals this is the written value
 * in all but contrived cases, and it is what ajv compares with).
 */
function decimalOfJson(v: number): Decimal {
  const d = parseDecimal(String(v));
  if (d === undefined) throw new RangeError(`not a finite number: ${v}`);
  return d;
}

/** True when the complete number `text` (valid JSON number syntax) satisfies the constraint. */
export function checkNumber(text: string, c: NumberConstraint): boolean {
  const d = parseDecimal(text);
  if (d === undefined) return false;
  const v = Number(text);
  if (!Number.isFinite(v)) return false;
  if (c.values !== undefined && !c.values.some((x) => compareDecimal(x, d) === 0)) return false;
  if (c.plainInteger && PLAIN_INTEGER_BREAK.test(text)) return false;
  if (c.integer && !(isIntegral(d) && v % 1 === 0)) return false;
  if (c.lo !== undefined) {
    const cmp = compareDecimal(d, c.lo);
    if (cmp < 0 || (cmp === 0 && c.loExclusive)) return false;
  }
  if (c.hi !== undefined) {
    const cmp = compareDecimal(d, c.hi);
    if (cmp > 0 || (cmp === 0 && c.hiExclusive)) return false;
  }
  for (const m of c.multipleOf) if (!isMultipleOf(d, m)) return false;
  // ajv's double semantics (see ajv/dist/vocabularies/validation/{limitNumber,multipleOf}.js).
  for (const m of c.jsMinimum) if (!(v >= m)) return false;
  for (const m of c.jsExclusiveMinimum) if (!(v > m)) return false;
  for (const m of c.jsMaximum) if (!(v <= m)) return false;
  for (const m of c.jsExclusiveMaximum) if (!(v < m)) return false;
  for (const m of c.jsMultipleOf) {
    const res = v / m;
    if (m === 0 || res !== parseInt(String(res), 10)) return false;
  }
  return true;
}

/** True when the constraint restricts nothing beyond "is a number" (no text needs to be kept). */
export function isUnconstrained(c: NumberConstraint): boolean {
  return !c.integer && c.lo === undefined && c.hi === undefined && c.multipleOf.length === 0 && c.values === undefined;
}

/**
 * True when the constraint asks only for the plain integer form (`type: integer` in 'bounded' form,
 * nothing else): then the number's phases decide it (number-shape.ts breaksPlainForm) and no text
 * needs to be kept. Every other check of checkNumber holds for a plain integer text, and
 * plainIntegerViable accepts every plain prefix when there is no bound, multiple or value.
 */
export function isPlainIntegerOnly(c: NumberConstraint): boolean {
  return c.plainInteger && c.lo === undefined && c.hi === undefined && c.multipleOf.length === 0 && c.values === undefined;
}

/** Bounds on a non-negative magnitude y: a <= y <= b (with exclusivity), b undefined = no bound. */
interface Range {
  a: Decimal | undefined;
  aExclusive: boolean;
  b: Decimal | undefined;
  bExclusive: boolean;
}

/**
 * True when some JSON number whose text starts with `prefix` (a valid prefix of the JSON number
 * grammar, non-empty) satisfies the exact part of the constraint. Used to prune number bytes: a `-`
 * under `minimum: 0`, a digit that makes the value too large for any exponent, a `.` under an integer
 * constraint when no exponent can bring the value back to an integer multiple, ...
 *
 * The reachable set of a prefix: without an exponent yet, any scale of its significant digits
 * (`12` reaches every value in [1.2, 1.3) x 10^k through more digits and exponents); with an exponent,
 * the fixed mantissa times 10^E for the exponents whose text starts with the exponent digits typed.
 * May answer true for a hopeless prefix in extreme corners (exponent gaps beyond 64 decades); never
 * answers false for a prefix that has a valid completion.
 */
export function numberViable(prefix: string, c: NumberConstraint): boolean {
  const memo = viabilityMemo(c);
  let v = memo.get(prefix);
  if (v === undefined) {
    v = computeViable(prefix, c);
    if (memo.size >= 8192) memo.clear();
    memo.set(prefix, v);
  }
  return v;
}

/**
 * Mask walks ask about the same short prefixes over and over, and schemas repeat one constraint in
 * many places (`{"type": "number", "multipleOf": 0.01, "minimum": 0}` for every amount of a form;
 * each property's first value mask walks ~1.5k digit prefixes at a few microseconds each): the
 * answers are memoized per constraint VALUE, process-wide, for the most recent constraints.
 */
function viabilityMemo(c: NumberConstraint): Map<string, boolean> {
  let memo = viabilityByObject.get(c);
  if (memo === undefined) {
    const key = constraintKey(c);
    memo = viabilityByValue.get(key);
    if (memo === undefined) {
      memo = new Map();
      if (viabilityByValue.size >= VIABILITY_CONSTRAINTS) viabilityByValue.delete(viabilityByValue.keys().next().value!);
      viabilityByValue.set(key, memo);
    }
    viabilityByObject.set(c, memo);
  }
  return memo;
}

/** Constraints whose answers are kept (up to 8,192 answers each). */
const VIABILITY_CONSTRAINTS = 128;
const viabilityByObject = new WeakMap<NumberConstraint, Map<string, boolean>>();
const viabilityByValue = new Map<string, Map<string, boolean>>();

/** Every field of the constraint, as text: equal keys, equal answers. */
function constraintKey(c: NumberConstraint): string {
  const d = (x: Decimal | undefined) => (x === undefined ? '' : decimalKey(x));
  return [
    c.integer,
    c.plainInteger,
    c.bounded,
    d(c.lo),
    c.loExclusive,
    d(c.hi),
    c.hiExclusive,
    c.multipleOf.map(d).join(','),
    c.jsMinimum.join(','),
    c.jsExclusiveMinimum.join(','),
    c.jsMaximum.join(','),
    c.jsExclusiveMaximum.join(','),
    c.jsMultipleOf.join(','),
    c.values === undefined ? '*' : c.values.map(d).join(','),
  ].join('|');
}

/**
 * True when every text `prefix + D`, D a run of 1 to `k` digits, is viable (numberViable): a mask may
 * then allow the digit tokens of up to `k` digits without walking them. The caller guarantees the
 * number's shape takes k more digits. Sound, not complete: false only means "walk them". Measured on
 * the 300-file MaskBench sample before: text-keeping number masks walked ~880 digit nodes each at
 * ~3.5 us (a viability test per text, rarely repeated across masks).
 */
export function digitsStayViable(prefix: string, c: NumberConstraint, k: number): boolean {
  if (k <= 0) return true;
  const negative = prefix.charCodeAt(0) === 45; /* - */
  if (c.plainInteger) {
    // The texts s' = prefix + D of one length n run from L = s * 10^k to H = L + 10^k - 1. If both
    // [L * 10^j, (L + 1) * 10^j - 1] and [H * 10^j, (H + 1) * 10^j - 1] meet the range's integers for
    // one j (j more digits, n + j <= MAX_INTEGER_DIGITS), so does every s' between (the range is an
    // interval), which is plainIntegerViable's test; a run of i < k digits covers those intervals at
    // j + k - i. A multiple or an enum is not an interval; after `-` a `0` breaks the form.
    if (c.multipleOf.length > 0 || c.values !== undefined) return false;
    const body = negative ? prefix.slice(1) : prefix;
    if (body === '' || body === '0' || PLAIN_INTEGER_BREAK.test(prefix)) return false;
    const width = 10n ** BigInt(k);
    const low = BigInt(body) * width;
    const high = low + width - 1n;
    const one = powerOfTen(0);
    for (let j = 0, n = body.length + k; n + j <= MAX_INTEGER_DIGITS; j++) {
      const scale = 10n ** BigInt(j);
      if (
        integersMeet(negative, low * scale, (low + 1n) * scale - 1n, c.lo, c.loExclusive, c.hi, c.hiExclusive, one) &&
        integersMeet(negative, high * scale, (high + 1n) * scale - 1n, c.lo, c.loExclusive, c.hi, c.hiExclusive, one)
      ) {
        return true;
      }
    }
    return false;
  }
  if (c.values !== undefined) return false;
  // viableIn's first test (a one-sided bound the sign can run away from, a significant digit, no
  // negative exponent) still holds after more digits: the sign stays, the digit stays, no `e-` appears.
  const significant = SIGNIFICANT_MANTISSA.test(prefix);
  if (c.multipleOf.length === 0 && !/[eE]-/.test(prefix) && significant && (negative ? c.lo === undefined : c.hi === undefined)) return true;
  // Otherwise, in the mantissa: viableIn reaches scaledPrefixViable with the significant digits s' =
  // s * 10^k + D, from L = s * 10^k to H = L + 10^k - 1, until a bounded fraction fills up.
  if (!significant || /[eE]/.test(prefix)) return false;
  const body = negative ? prefix.slice(1) : prefix;
  const dot = body.indexOf('.');
  if (c.bounded && dot >= 0 && body.length - dot - 1 + k >= MAX_FRACTION_DIGITS) return false;
  return scaledRunViable(BigInt(body.replace('.', '').replace(/^0+/, '')), k, magnitudeRange(negative, c), stepOf(c));
}

/** The constraint's range on the magnitude |x| of a number of the given sign. */
function magnitudeRange(negative: boolean, c: NumberConstraint): Range {
  return negative
    ? { a: c.hi && negate(c.hi), aExclusive: c.hiExclusive, b: c.lo && negate(c.lo), bExclusive: c.loExclusive }
    : { a: c.lo, aExclusive: c.loExclusive, b: c.hi, bExclusive: c.hiExclusive };
}

/** What every value must be a multiple of (the integer type and multipleOf); undefined = nothing. */
function stepOf(c: NumberConstraint): Decimal | undefined {
  let step: Decimal | undefined = c.integer ? powerOfTen(0) : undefined;
  for (const m of c.multipleOf) step = step === undefined ? m : lcmDecimal(step, m);
  return step;
}

/**
 * Whether scaledPrefixViable holds for every s' in [s * 10^k, (s + 1) * 10^k - 1]: true when one
 * scale 10^j puts every [s', s' + 1) x 10^j inside the range and 10^j >= step (a half-open interval
 * as long as the step holds a multiple). Then for each s' the scan from its largest scale down meets
 * no interval below the floor before j, and finds j. A run of i < k digits passes the same test at
 * j + k - i (the same ends, a wider interval per s').
 */
function scaledRunViable(s: bigint, k: number, r: Range, step: Decimal | undefined): boolean {
  // scaledPrefixViable's first answers, whatever s'.
  if (r.b === undefined) return true;
  if (r.b.negative || r.b.digits === 0n) return false;
  const a = r.a !== undefined && !r.a.negative && r.a.digits !== 0n ? r.a : undefined;
  if (a === undefined && step === undefined) return true;
  const width = 10n ** BigInt(k);
  const low = s * width;
  // The smallest j with low * 10^j above a (at or above when a is inclusive) and 10^j >= step; the
  // largest value, (H + 1) * 10^j, only grows with j.
  let j: number;
  if (a !== undefined) {
    const above = (e: number) => {
      const cmp = compareDecimal(makeDecimal(false, low, e), a);
      return cmp > 0 || (cmp === 0 && !r.aExclusive);
    };
    j = digitCount(a.digits) + a.exp - digitCount(low);
    while (!above(j)) j++;
    while (above(j - 1)) j--;
    if (step !== undefined) while (compareDecimal(powerOfTen(j), step) < 0) j++;
  } else {
    j = digitCount(step!.digits) + step!.exp;
    while (compareDecimal(powerOfTen(j - 1), step!) >= 0) j--;
  }
  return compareDecimal(makeDecimal(false, low + width, j), r.b) <= 0;
}

/** A number prefix whose mantissa has a non-zero digit. */
const SIGNIFICANT_MANTISSA = /^-?[0.]*[1-9]/;

/** What a plain integer never contains: a fraction, an exponent, a negative zero. */
const PLAIN_INTEGER_BREAK = /[.eE]|^-0/;

function computeViable(prefix: string, c: NumberConstraint): boolean {
  if (c.plainInteger) {
    if (PLAIN_INTEGER_BREAK.test(prefix)) return false;
    return plainIntegerViable(prefix, c);
  }
  if (c.values !== undefined) {
    for (const v of c.values) {
      if (viableIn(prefix, { ...c, values: undefined, lo: v, loExclusive: false, hi: v, hiExclusive: false })) return true;
    }
    return false;
  }
  return viableIn(prefix, c);
}

function viableIn(prefix: string, c: NumberConstraint): boolean {
  // Cheap cases first (most schemas): with only a lower bound, any non-negative prefix can be scaled up
  // past it (more digits, a positive exponent); with only an upper bound, any negative one down below
  // it; integrality alone never prunes. A negative exponent can only shrink the value: general case.
  // A zero mantissa cannot be scaled (`0e5` is 0): only prefixes with a significant digit qualify.
  if (c.multipleOf.length === 0 && c.values === undefined && !/[eE]-/.test(prefix) && SIGNIFICANT_MANTISSA.test(prefix)) {
    const negative = prefix.charCodeAt(0) === 45;
    if (c.hi === undefined && (c.lo === undefined || !negative)) return true;
    if (c.lo === undefined && negative) return true;
  }
  let step: Decimal | undefined = c.integer ? powerOfTen(0) : undefined;
  for (const m of c.multipleOf) step = step === undefined ? m : lcmDecimal(step, m);
  if (c.lo !== undefined && c.hi !== undefined) {
    const cmp = compareDecimal(c.lo, c.hi);
    if (cmp > 0 || (cmp === 0 && (c.loExclusive || c.hiExclusive))) return false;
  }
  const negative = prefix.charCodeAt(0) === 45; /* - */
  const body = negative ? prefix.slice(1) : prefix;
  // Constraint on the magnitude y = |x|, x = sign * y.
  const range: Range = negative
    ? { a: c.hi && negate(c.hi), aExclusive: c.hiExclusive, b: c.lo && negate(c.lo), bExclusive: c.loExclusive }
    : { a: c.lo, aExclusive: c.loExclusive, b: c.hi, bExclusive: c.hiExclusive };

  const maxExponentDigits = c.bounded ? MAX_BOUNDED_EXPONENT_DIGITS : MAX_EXPONENT_DIGITS;
  const e = body.search(/[eE]/);
  if (e < 0) {
    const dot = body.indexOf('.');
    const digits = dot < 0 ? body : body.slice(0, dot) + body.slice(dot + 1);
    const significant = digits.replace(/^0+/, '');
    // Bounded texts: once the fraction is full the mantissa is final; only an exponent remains.
    if (c.bounded && dot >= 0 && body.length - dot - 1 >= MAX_FRACTION_DIGITS) {
      if (significant === '') return inRange(ZERO, range);
      const mantissa = parseDecimal(body);
      if (mantissa === undefined) return true;
      return exponentViable(mantissa, 0, '', range, step, maxExponentDigits);
    }
    if (significant === '') return zeroOrAnyViable(range, step);
    return scaledPrefixViable(BigInt(significant), range, step);
  }
  const mantissa = parseDecimal(body.slice(0, e));
  if (mantissa === undefined) return true;
  const rest = body.slice(e + 1);
  const sign = rest[0] === '-' ? -1 : rest[0] === '+' ? 1 : 0;
  const expDigits = sign === 0 ? rest : rest.slice(1);
  if (mantissa.digits === 0n) return inRange(ZERO, range) && true;
  return exponentViable(mantissa, sign, expDigits, range, step, maxExponentDigits);
}

/**
 * Plain integers (bounded form): the prefix's digits s (n of them) reach s itself and, with k more
 * digits, every integer in [s * 10^k, (s + 1) * 10^k - 1], up to MAX_INTEGER_DIGITS digits in all.
 */
function plainIntegerViable(prefix: string, c: NumberConstraint): boolean {
  const negative = prefix.charCodeAt(0) === 45; /* - */
  const body = negative ? prefix.slice(1) : prefix;
  let step: Decimal = powerOfTen(0);
  for (const m of c.multipleOf) step = lcmDecimal(step, m);
  const candidates = c.values ?? [undefined];
  for (const only of candidates) {
    const lo = only ?? c.lo;
    const hi = only ?? c.hi;
    const loExclusive = only === undefined && c.loExclusive;
    const hiExclusive = only === undefined && c.hiExclusive;
    // (integersMeet is called directly, not through a named closure: under tsx each costs a
    // defineProperty per call, and this runs once per digit prefix a mask walks.)
    if (body === '') {
      // Only the sign so far: every magnitude of 1 to MAX_INTEGER_DIGITS digits (no leading zero).
      if (integersMeet(negative, 1n, 10n ** BigInt(MAX_INTEGER_DIGITS) - 1n, lo, loExclusive, hi, hiExclusive, step)) return true;
      continue;
    }
    const s = BigInt(body);
    if (body === '0') {
      if (integersMeet(negative, 0n, 0n, lo, loExclusive, hi, hiExclusive, step)) return true;
      continue;
    }
    for (let k = 0; body.length + k <= MAX_INTEGER_DIGITS; k++) {
      const scale = 10n ** BigInt(k);
      // Each digit more moves the range away from zero: past the bound on that side, so is every longer one.
      if (beyondBound(negative, s * scale, lo, loExclusive, hi, hiExclusive)) break;
      if (integersMeet(negative, s * scale, (s + 1n) * scale - 1n, lo, loExclusive, hi, hiExclusive, step)) return true;
    }
  }
  return false;
}

/**
 * Whether the integer of magnitude `magnitude` (negated when `negative`) lies past the bound on its
 * side of zero (hi for positive integers, lo for negative ones), and with it every integer of larger
 * magnitude. Without the test, a prefix past the bound tested every longer length (up to
 * MAX_INTEGER_DIGITS BigInt range checks): a mask of an integer in [0, 255] walks ~2,300 digit
 * prefixes, and took 40-57 ms (MaskBench dev, Github_medium---o61349).
 */
function beyondBound(negative: boolean, magnitude: bigint, lo: Decimal | undefined, loExclusive: boolean, hi: Decimal | undefined, hiExclusive: boolean): boolean {
  const bound = negative ? lo : hi;
  if (bound === undefined) return false;
  const cmp = compareDecimal(makeDecimal(negative, magnitude, 0), bound);
  return negative ? cmp < 0 || (cmp === 0 && loExclusive) : cmp > 0 || (cmp === 0 && hiExclusive);
}

/**
 * Whether the integers [from, to] (magnitudes; negated when `negative`) hold a multiple of `step`
 * within the range lo..hi (undefined = unbounded).
 */
function integersMeet(negative: boolean, from: bigint, to: bigint, lo: Decimal | undefined, loExclusive: boolean, hi: Decimal | undefined, hiExclusive: boolean, step: Decimal): boolean {
  let a = makeDecimal(negative, negative ? to : from, 0);
  let b = makeDecimal(negative, negative ? from : to, 0);
  let aExclusive = false;
  let bExclusive = false;
  if (lo !== undefined) {
    const cmp = compareDecimal(lo, a);
    if (cmp > 0 || (cmp === 0 && loExclusive)) [a, aExclusive] = [lo, loExclusive];
  }
  if (hi !== undefined) {
    const cmp = compareDecimal(hi, b);
    if (cmp < 0 || (cmp === 0 && hiExclusive)) [b, bExclusive] = [hi, hiExclusive];
  }
  const first = ceilMultiple(a, step, aExclusive);
  const cmp = compareDecimal(first, b);
  return cmp < 0 || (cmp === 0 && !bExclusive);
}

function inRange(y: Decimal, r: Range): boolean {
  if (r.a !== undefined) {
    const cmp = compareDecimal(y, r.a);
    if (cmp < 0 || (cmp === 0 && r.aExclusive)) return false;
  }
  if (r.b !== undefined) {
    const cmp = compareDecimal(y, r.b);
    if (cmp > 0 || (cmp === 0 && r.bExclusive)) return false;
  }
  return true;
}

/**
 * Some multiple of `step` (any value when undefined) in [lo, hi] (hi undefined = unbounded), with
 * the given exclusivity.
 */
function intervalHas(lo: Decimal, loExclusive: boolean, hi: Decimal | undefined, hiExclusive: boolean, step: Decimal | undefined): boolean {
  if (step === undefined) {
    if (hi === undefined) return true;
    const cmp = compareDecimal(lo, hi);
    return cmp < 0 || (cmp === 0 && !loExclusive && !hiExclusive);
  }
  const first = ceilMultiple(lo, step, loExclusive);
  if (hi === undefined) return true;
  const cmp = compareDecimal(first, hi);
  return cmp < 0 || (cmp === 0 && !hiExclusive);
}

/** Magnitudes reachable: 0 and every positive value. */
function zeroOrAnyViable(r: Range, step: Decimal | undefined): boolean {
  // y >= 0; the interval is [max(a, 0), b].
  let lo: Decimal = ZERO;
  let loExclusive = false;
  if (r.a !== undefined) {
    const cmp = compareDecimal(r.a, ZERO);
    if (cmp > 0 || (cmp === 0 && r.aExclusive)) {
      lo = r.a;
      loExclusive = r.aExclusive;
    }
  }
  return intervalHas(lo, loExclusive, r.b, r.bExclusive, step);
}

/** Number of decimal digits of a positive bigint. */
function digitCount(n: bigint): number {
  return n.toString().length;
}

/** Magnitudes reachable: the union over k of [s, s+1) x 10^k (s = the significant digits typed). */
function scaledPrefixViable(s: bigint, r: Range, step: Decimal | undefined): boolean {
  if (r.b === undefined) return true; // Large enough k: the interval is inside the range and wide.
  if (r.b.negative || r.b.digits === 0n) return false; // y > 0 always.
  const sDigits = digitCount(s);
  // Largest k with s * 10^k <= b (or < b): estimate by orders of magnitude, then correct.
  let kMax = digitCount(r.b.digits) + r.b.exp - sDigits;
  // (No named closures here: under tsx each costs a defineProperty per call, in a per-byte path.)
  while (!withinUpper(makeDecimal(false, s, kMax), r)) kMax--;
  while (withinUpper(makeDecimal(false, s, kMax + 1), r)) kMax++;
  // Smallest useful k: the interval must reach above a (and above the step, as y > 0 is a multiple).
  let floor: Decimal | undefined = r.a !== undefined && !r.a.negative && r.a.digits !== 0n ? r.a : undefined;
  if (step !== undefined && (floor === undefined || compareDecimal(step, floor) > 0)) floor = step;
  if (floor === undefined) return true; // J_kMax lies above a and below b.
  for (let k = kMax, n = 0; n < 64; k--, n++) {
    const high = makeDecimal(false, s + 1n, k);
    if (compareDecimal(high, floor) <= 0) return false; // Every lower k is entirely below the floor.
    let lo = makeDecimal(false, s, k);
    let loExclusive = false;
    if (r.a !== undefined) {
      const cmp = compareDecimal(r.a, lo);
      if (cmp > 0 || (cmp === 0 && r.aExclusive)) {
        lo = r.a;
        loExclusive = r.aExclusive;
      }
    }
    let hi = high;
    let hiExclusive = true;
    const cmp = compareDecimal(r.b, hi);
    if (cmp < 0 || (cmp === 0 && r.bExclusive)) {
      hi = r.b;
      hiExclusive = r.bExclusive;
    }
    if (intervalHas(lo, loExclusive, hi, hiExclusive, step)) return true;
  }
  return true; // Beyond the scan: assume viable (pruning is an optimisation, never a rejection).
}

/** x <= b (x < b when b is exclusive), for a range with an upper bound b. */
function withinUpper(x: Decimal, r: Range): boolean {
  const cmp = compareDecimal(x, r.b!);
  return cmp < 0 || (cmp === 0 && !r.bExclusive);
}

function v2(n: bigint): number {
  let c = 0;
  while (n > 0n && n % 2n === 0n) {
    n /= 2n;
    c++;
  }
  return c;
}

function v5(n: bigint): number {
  let c = 0;
  while (n > 0n && n % 5n === 0n) {
    n /= 5n;
    c++;
  }
  return c;
}

/** Magnitudes reachable: |m| x 10^E for the exponents E the typed exponent text can still become. */
function exponentViable(m: Decimal, sign: number, expDigits: string, r: Range, step: Decimal | undefined, maxDigits: number): boolean {
  const mag = makeDecimal(false, m.digits, m.exp);
  const order = digitCount(mag.digits) + mag.exp; // 10^(order-1) <= mag < 10^order
  const value = (E: number) => makeDecimal(false, mag.digits, mag.exp + E);
  // Exponents satisfying the range: an interval [eLo, eHi] since y grows with E.
  let eLo = -Infinity;
  let eHi = Infinity;
  if (r.a !== undefined && !r.a.negative && r.a.digits !== 0n) {
    let E = digitCount(r.a.digits) + r.a.exp - order - 1;
    const ok = (k: number) => {
      const cmp = compareDecimal(value(k), r.a!);
      return cmp > 0 || (cmp === 0 && !r.aExclusive);
    };
    while (ok(E)) E--;
    while (!ok(E)) E++;
    eLo = E;
  } else if (r.a !== undefined && r.a.digits === 0n && r.aExclusive) {
    eLo = -Infinity; // y > 0 holds for every E.
  }
  if (r.b !== undefined) {
    if (r.b.negative || r.b.digits === 0n) return false;
    let E = digitCount(r.b.digits) + r.b.exp - order + 1;
    const ok = (k: number) => {
      const cmp = compareDecimal(value(k), r.b!);
      return cmp < 0 || (cmp === 0 && !r.bExclusive);
    };
    while (!ok(E)) E--;
    while (ok(E + 1)) E++;
    eHi = E;
  }
  if (step !== undefined) {
    // y = M * 10^(p+E) is a multiple of N * 10^q from some E on (multiples of a step stay multiples
    // when multiplied by 10): N = 2^i 5^j r with r coprime to 10 needs r | M.
    let N = step.digits;
    const i = v2(N);
    const j = v5(N);
    N /= 2n ** BigInt(i) * 5n ** BigInt(j);
    if (mag.digits % N !== 0n) return false;
    const t0 = Math.max(i - v2(mag.digits), j - v5(mag.digits), 0);
    eLo = Math.max(eLo, step.exp - mag.exp + t0);
  }
  if (eLo > eHi) return false;
  return exponentSetMeets(sign, expDigits, eLo, eHi, maxDigits);
}

/** Whether an exponent with sign `sign` (0 = not typed yet) and digits starting with `digits` can lie in [lo, hi]. */
function exponentSetMeets(sign: number, digits: string, lo: number, hi: number, maxDigits: number): boolean {
  const room = maxDigits - digits.length;
  const largest = 10 ** maxDigits - 1;
  const significant = digits.replace(/^0+/, '');
  if (significant === '') {
    // Any exponent when nothing is typed; else 0 up to the magnitudes the digits left can spell.
    if (digits === '' && sign === 0) return lo <= largest && hi >= -largest;
    const most = room <= 0 ? 0 : 10 ** room - 1;
    return sign < 0 ? lo <= 0 && hi >= -most : hi >= 0 && lo <= most;
  }
  const x = Number(significant);
  if (!Number.isSafeInteger(x)) return true;
  // Values with that digit prefix: [x * 10^j, (x + 1) * 10^j - 1] for j >= 0, negated for '-'.
  const [a, b] = sign < 0 ? [-hi, -lo] : [lo, hi];
  for (let j = 0, scale = 1; j <= room; j++, scale *= 10) {
    const from = x * scale;
    const to = (x + 1) * scale - 1;
    if (from > b) return false;
    if (to >= a) return true;
  }
  return false; // The exponent's digits ran out below the range.
}
