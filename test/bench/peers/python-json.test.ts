import { describe, expect, it } from 'vitest';

import {
  JsonNumber,
  parseLosslessJson,
  pythonFloatRepr,
  pythonJsonDumps,
  stringifyLossless,
} from '../../../bench/peers/python-json.js';
import { InputError } from '../../../src/errors.js';

describe('Python json.dumps reproduction', () => {
  // Expected values printed by CPython 3.11: json.dumps(json.loads(text)).
  const numbers: [string, string][] = [
    ['1.0', '1.0'],
    ['0.0001', '0.0001'],
    ['0.00001', '1e-05'],
    ['1e16', '1e+16'],
    ['1e15', '1000000000000000.0'],
    ['123456789012345678', '123456789012345678'],
    ['1.5e300', '1.5e+300'],
    ['-0.0', '-0.0'],
    ['1e-7', '1e-07'],
    ['12345678901234567.0', '1.2345678901234568e+16'],
    ['2.5E-3', '0.0025'],
    ['1e400', 'Infinity'],
    ['-1e400', '-Infinity'],
    ['-0', '0'],
    ['1.0e2', '100.0'],
    ['3.141592653589793', '3.141592653589793'],
    ['5e-324', '5e-324'],
    ['1.7976931348623157e308', '1.7976931348623157e+308'],
    ['9007199254740993', '9007199254740993'],
    ['9007199254740993.0', '9007199254740992.0'],
    ['123.456e5', '12345600.0'],
    ['NaN', 'NaN'],
    ['-Infinity', '-Infinity'],
    // The exponent forms D's first serializer kept as written (8 of 10,345 MaskBench instances).
    ['1.6e-5', '1.6e-05'],
    ['0.000016', '1.6e-05'],
    ['1E39', '1e+39'],
    ['1e+039', '1e+39'],
    ['123456789012345', '123456789012345'],
    ['123456789012345.0', '123456789012345.0'],
    ['1.23456789012345e14', '123456789012345.0'],
    ['1e-4', '0.0001'],
  ];
  it.each(numbers)('writes the number %s as %s', (source, expected) => {
    expect(pythonJsonDumps(parseLosslessJson(source))).toBe(expected);
  });

  it('keeps key order (integer-like keys too) and resolves duplicate keys like a Python dict', () => {
    const text = '{"b": 1, "1": [true, null, "\\u00e9\\ud83d\\ude00\\u007f\\t\\\\\\"/\\u0001"], "b": 2, "e": {}, "f": [], "g": "\\ud800x"}';
    // CPython: {"b": 2, "1": [true, null, "\u00e9\ud83d\ude00\u007f\t\\\"/\u0001"], "e": {}, "f": [], "g": "\ud800x"}
    expect(pythonJsonDumps(parseLosslessJson(text))).toBe(
      '{"b": 2, "1": [true, null, "\\u00e9\\ud83d\\ude00\\u007f\\t\\\\\\"/\\u0001"], "e": {}, "f": [], "g": "\\ud800x"}',
    );
  });

  it('serializes a schema compactly with its original number text and key order', () => {
    const value = parseLosslessJson('{ "2": {"minimum": 1.50}, "1": [1e2, -0] }');
    expect(stringifyLossless(value)).toBe('{"2":{"minimum":1.50},"1":[1e2,-0]}');
    expect(((value as Map<string, unknown>).get('1') as JsonNumber[])[0]).toEqual(new JsonNumber('1e2'));
  });

  it('matches repr for floats directly', () => {
    expect(pythonFloatRepr(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(pythonFloatRepr(1e22)).toBe('1e+22');
    expect(pythonFloatRepr(-1234.5)).toBe('-1234.5');
  });

  it('names the offset of malformed input', () => {
    expect(() => parseLosslessJson('{"a": [1, 2,]}', 'file.json')).toThrow(InputError);
    expect(() => parseLosslessJson('{"a": [1, 2,]}', 'file.json')).toThrow(/file\.json: unexpected character at offset 12/);
    expect(() => parseLosslessJson('[1] 2')).toThrow(/unexpected text after the JSON value at offset 4/);
    expect(() => parseLosslessJson('"tab\there"')).toThrow(/malformed string/);
  });
});

describe('one serializer for formwork and the peers', () => {
  it("formwork's harness names (bench/json-instance.ts) write exactly what the peers' serializer writes", async () => {
    const { parseLossless, serializePython } = await import('../../../bench/json-instance.js');
    const text = '{"a": [1e-7, 1.6e-5, 1E39, 0.0001, 123456789012345.0, 1], "b": "\\u00e9"}';
    expect(serializePython(parseLossless(text))).toBe('{"a": [1e-07, 1.6e-05, 1e+39, 0.0001, 123456789012345.0, 1], "b": "\\u00e9"}');
    expect(serializePython(parseLossless(text))).toBe(pythonJsonDumps(parseLosslessJson(text)));
    expect(() => parseLossless('{"a": }')).toThrow(SyntaxError);
  });
});
