import { describe, expect, it } from 'vitest';
import { jsonEqualityKeys } from '../../../src/grammar/jsonschema/json-equality.js';

/** uniqueItems compares items by these keys: equal JSON values share a key, different ones do not. */
describe('jsonEqualityKeys', () => {
  const same = (a: string, b: string) => {
    const x = jsonEqualityKeys(a);
    const y = jsonEqualityKeys(b);
    return x[0] === y[0] || x[1] === y[1];
  };

  it('equates strings by their decoded text, whatever the spelling', () => {
    expect(same('"a"', '"\\u0061"')).toBe(true);
    expect(same(' "a" ', '"a"')).toBe(true);
    expect(same('"é"', '"\\u00e9"')).toBe(true);
    expect(same('"\\ud83d\\ude00"', '"😀"')).toBe(true);
    expect(same('"a"', '"b"')).toBe(false);
    expect(same('"1"', '1')).toBe(false);
    expect(same('"true"', 'true')).toBe(false);
    expect(same('"[]"', '[]')).toBe(false);
  });

  it('gives a string the same keys inside a container as alone', () => {
    // An array of one string equals another such array exactly when the strings are equal.
    expect(same('["\\u0061"]', '["a"]')).toBe(true);
    expect(same('{"k": "\\u0061"}', '{"k":"a"}')).toBe(true);
    expect(jsonEqualityKeys('"x"')).toEqual(['"x"', '"x"']);
  });

  it('compares numbers as exact decimals and as JavaScript numbers', () => {
    expect(same('1.0', '1')).toBe(true);
    expect(same('1e400', '2e400')).toBe(true); // both Infinity for ajv
    expect(same('0.1', '0.10')).toBe(true);
    expect(same('1', '2')).toBe(false);
  });
});
