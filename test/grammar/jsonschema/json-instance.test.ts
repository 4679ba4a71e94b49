import { describe, expect, it } from 'vitest';
import { parseLossless, serializePython, toPlainJson } from '../../../bench/json-instance.js';

describe('MaskBench instances as Python json.dumps wrote them', () => {
  it('keeps number text and key order, and escapes like ensure_ascii', () => {
    const text = '{"b": [1.0, 1e-05, 1e+100, -0.0, 12345678901234567890], "2": {}, "1": [], "s": "\\u00e9\\ud83d\\ude00\\n\\u007f\\"\\\\/"}';
    const v = parseLossless(text);
    // Python's json.dumps of the same value (computed with CPython 3.11):
    expect(serializePython(v)).toBe('{"b": [1.0, 1e-05, 1e+100, -0.0, 12345678901234567890], "2": {}, "1": [], "s": "\\u00e9\\ud83d\\ude00\\n\\u007f\\"\\\\/"}');
    expect(Object.keys(toPlainJson(v) as object)).toEqual(['1', '2', 'b', 's']);
  });

  it('reads pretty-printed files (the benchmark files are indented)', () => {
    expect(serializePython(parseLossless('{\n  "a": [\n    1,\n    "x"\n  ]\n}'))).toBe('{"a": [1, "x"]}');
    expect(() => parseLossless('{"a": }')).toThrow(SyntaxError);
  });
});
