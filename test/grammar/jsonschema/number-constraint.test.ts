import { describe, expect, it } from 'vitest';
import { compareDecimal, isMultipleOf, parseDecimal } from '../../../src/grammar/jsonschema/decimal.js';
import { checkNumber, numberConstraint, numberViable, type NumberKeywords } from '../../../src/grammar/jsonschema/number-constraint.js';

const d = (s: string) => parseDecimal(s)!;

describe('exact decimals', () => {
  it('normalizes equal values to equal fields', () => {
    expect(d('1.0')).toEqual(d('1'));
    expect(d('100e-2')).toEqual(d('1'));
    expect(d('-0.0')).toEqual(d('0'));
    expect(compareDecimal(d('0.1'), d('0.10000000000000000001'))).toBe(-1);
    expect(compareDecimal(d('-1e400'), d('-2e400'))).toBe(1);
  });

  it('decides multiples exactly, even across huge exponent gaps', () => {
    expect(isMultipleOf(d('0.3'), d('0.1'))).toBe(true);
    expect(isMultipleOf(d('0.0075'), d('0.0001'))).toBe(true);
    expect(isMultipleOf(d('0.00751'), d('0.0001'))).toBe(false);
    expect(isMultipleOf(d('1e308'), d('0.5'))).toBe(true);
    expect(isMultipleOf(d('1e-300'), d('1'))).toBe(false);
    expect(isMultipleOf(d('12391239123'), d('1e-8'))).toBe(true);
  });
});

describe('checkNumber: exact AND ajv double semantics', () => {
  it('integer, bounds and multipleOf', () => {
    const c = numberConstraint({ integer: true, minimum: [0], exclusiveMaximum: [10] });
    expect(['0', '9', '9.0', '5e0', '-0'].map((t) => checkNumber(t, c))).toEqual([true, true, true, true, true]);
    expect(['10', '-1', '0.5', '1e1'].map((t) => checkNumber(t, c))).toEqual([false, false, false, false]);
    // ajv divides doubles: 0.3 / 0.1 = 2.9999999999999996, so ajv (and therefore the machine) says no.
    expect(checkNumber('0.3', numberConstraint({ multipleOf: [0.1] }))).toBe(false);
    expect(checkNumber('4.5', numberConstraint({ multipleOf: [1.5] }))).toBe(true);
    // Numbers beyond doubles are refused (ajv would see Infinity).
    expect(checkNumber('1e400', numberConstraint({}))).toBe(false);
  });

  it('enum values compare by value', () => {
    const c = numberConstraint({ values: [d('1'), d('2.5')] });
    expect(['1', '1.0', '10e-1', '2.50', '2'].map((t) => checkNumber(t, c))).toEqual([true, true, true, true, false]);
  });
});

/** Every JSON number text extending `prefix` by up to `extra` characters. */
function completions(prefix: string, extra: number): string[] {
  const out: string[] = [];
  const chars = '0123456789.eE+-';
  const grow = (s: string, left: number) => {
    if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(s)) out.push(s);
    if (left === 0) return;
    for (const c of chars) {
      const t = s + c;
      if (/^-?(0|[1-9]\d*)?(\.\d*)?([eE][+-]?\d*)?$/.test(t) && !/^-?0\d/.test(t)) grow(t, left - 1);
    }
  };
  grow(prefix, extra);
  return out;
}

describe('numberViable never prunes a prefix that has a valid completion', () => {
  const constraints: NumberKeywords[] = [
    { minimum: [0] },
    { minimum: [0], maximum: [100] },
    { exclusiveMinimum: [-1], exclusiveMaximum: [1] },
    { integer: true, minimum: [10], maximum: [20] },
    { multipleOf: [0.5], minimum: [1], maximum: [3] },
    { multipleOf: [3], integer: true, maximum: [-7] },
    { values: [d('42'), d('-0.5')] },
    { minimum: [1e-3], maximum: [2e-3] },
  ];
  const prefixes = ['-', '0', '-0', '1', '12', '1.', '1.5', '0.0', '4', '9e', '1e-', '2e+', '0.00', '-1', '-7', '21', '4.2'];
  constraints.forEach((k, i) => {
    it(`constraint ${i}`, () => {
      const c = numberConstraint(k);
      for (const prefix of prefixes) {
        const witness = completions(prefix, 4).find((t) => checkNumber(t, c));
        if (witness !== undefined) expect([prefix, witness, numberViable(prefix, c)]).toEqual([prefix, witness, true]);
      }
    });
  });

  it('prunes what no completion can satisfy', () => {
    expect(numberViable('-1', numberConstraint({ minimum: [0] }))).toBe(false);
    expect(numberViable('-0', numberConstraint({ minimum: [0] }))).toBe(true);
    // Every completion of "21" has the significant digits 21...: 21, 2.1, 210, 21.5 - none in [10, 20].
    expect(numberViable('21', numberConstraint({ integer: true, minimum: [10], maximum: [20] }))).toBe(false);
    expect(numberViable('2', numberConstraint({ integer: true, minimum: [10], maximum: [20] }))).toBe(true);
    expect(numberViable('5', numberConstraint({ values: [d('42')] }))).toBe(false);
    expect(numberViable('4', numberConstraint({ values: [d('42')] }))).toBe(true);
  });
});

describe('numberViable with a negative exponent', () => {
  it('knows the value can only shrink', () => {
    expect(numberViable('0.5e-', numberConstraint({ minimum: [10] }))).toBe(false);
    expect(numberViable('1.5e-', numberConstraint({ integer: true, minimum: [0] }))).toBe(false);
    expect(numberViable('-0.5e-', numberConstraint({ maximum: [-10] }))).toBe(false);
    expect(numberViable('5e-', numberConstraint({ minimum: [0.001] }))).toBe(true);
  });
});

describe('numberViable on plain integers (bounded form) agrees with brute force', () => {
  // Bounds within 4 digits: a prefix is viable exactly when some completion of at most 4 more digits
  // satisfies the constraint (longer ones are past every bound), so enumeration decides it.
  const constraints: NumberKeywords[] = [
    { integer: true, bounded: true, minimum: [10], maximum: [20] },
    { integer: true, bounded: true, exclusiveMinimum: [-150], exclusiveMaximum: [150], multipleOf: [7] },
    { integer: true, bounded: true, minimum: [-3000], maximum: [-20] },
    { integer: true, bounded: true, maximum: [999], multipleOf: [4] },
    { integer: true, bounded: true, minimum: [100], exclusiveMaximum: [100.5] },
    // A prefix past the bound on its side of zero stops the search over longer lengths: at the bound,
    // just past it, exclusive and inclusive, on either side.
    { integer: true, bounded: true, minimum: [0], maximum: [255] },
    { integer: true, bounded: true, exclusiveMinimum: [-1000], maximum: [-1] },
    { integer: true, bounded: true, minimum: [-256], exclusiveMaximum: [255], multipleOf: [5] },
    { integer: true, bounded: true, maximum: [1001], multipleOf: [10] },
  ];
  const prefixes = [
    '-', '1', '2', '10', '15', '20', '21', '149', '150', '-1', '-14', '-149', '-150', '-3', '-30', '-300', '-3001', '9', '99', '999', '1000', '100',
    '25', '255', '256', '2550', '-25', '-256', '-257', '-100', '-999', '-1000', '-1001', '1001', '1002', '3',
  ];
  function satisfiable(prefix: string, c: ReturnType<typeof numberConstraint>): boolean {
    const digits = prefix === '-' ? ['1', '2', '3', '4', '5', '6', '7', '8', '9'] : [''];
    const stack = digits.map((first) => prefix + first);
    while (stack.length > 0) {
      const text = stack.pop()!;
      const body = text.startsWith('-') ? text.slice(1) : text;
      if (body !== '' && checkNumber(text, c)) return true;
      if (body.length < prefix.replace('-', '').length + 4 && body !== '0') for (let x = 0; x <= 9; x++) stack.push(text + x);
    }
    return false;
  }
  constraints.forEach((k, i) => {
    it(`constraint ${i}`, () => {
      const c = numberConstraint(k);
      expect(c.plainInteger).toBe(true);
      for (const prefix of prefixes) expect([prefix, numberViable(prefix, c)]).toEqual([prefix, satisfiable(prefix, c)]);
    });
  });
});
