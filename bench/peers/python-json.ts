/**
 * MaskBench instances were written by Python's `json.dumps` (separators ", " and ": ", ensure_ascii,
 * Python's float repr), and the tokens a model sees depend on that exact text. This is a minimal
 * reproduction shared by every engine's harness (formwork's bench/maskbench.ts and the peers' drivers,
 * through maskbench-files.ts): a lossless JSON parser (numbers keep their source text, objects keep key
 * order with Python's duplicate-key rule) and a `json.dumps` writer, so all engines see byte-identical
 * instances. bench/json-instance.ts only re-exports it under the older harness's names.
 */
import { InputError } from '../../src/errors.js';

/** A JSON number kept as its source text (an integer literal stays an exact Python int). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** Objects keep insertion order; a repeated key keeps its first position and its last value (Python dicts). */
export type JsonObject = Map<string, LosslessJson>;

export type LosslessJson = null | boolean | string | JsonNumber | LosslessJson[] | JsonObject;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters inside strings
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * Parses JSON text without losing number text or key order. Like Python's `json.loads` it also accepts
 * the non-standard `NaN`, `Infinity` and `-Infinity` (Python's `json.dump` writes them for non-finite
 * floats, and a few MaskBench files contain them).
 */
export function parseLosslessJson(text: string, source = 'JSON text'): LosslessJson {
  let position = 0;
  const fail = (message: string): never => {
    throw new InputError(`${message} at offset ${position}`, { where: source });
  };
  const skipWhitespace = (): void => {
    WHITESPACE.lastIndex = position;
    WHITESPACE.exec(text);
    position = WHITESPACE.lastIndex;
  };
  const parseString = (): string => {
    STRING.lastIndex = position;
    const match = STRING.exec(text);
    if (match === null) return fail('malformed string');
    position = STRING.lastIndex;
    // The matched literal is valid JSON on its own; lone surrogates (\ud800) survive as in Python.
    return JSON.parse(match[0]) as string;
  };
  const parseValue = (depth: number): LosslessJson => {
    if (depth > 10_000) fail('nesting deeper than 10000 levels');
    skipWhitespace();
    const character = text[position];
    if (character === '{') {
      position++;
      const object: JsonObject = new Map();
      skipWhitespace();
      if (text[position] === '}') {
        position++;
        return object;
      }
      for (;;) {
        skipWhitespace();
        if (text[position] !== '"') fail('expected a property name');
        const key = parseString();
        skipWhitespace();
        if (text[position] !== ':') fail('expected ":"');
        position++;
        object.set(key, parseValue(depth + 1));
        skipWhitespace();
        if (text[position] === ',') {
          position++;
          continue;
        }
        if (text[position] === '}') {
          position++;
          return object;
        }
        fail('expected "," or "}"');
      }
    }
    if (character === '[') {
      position++;
      const array: LosslessJson[] = [];
      skipWhitespace();
      if (text[position] === ']') {
        position++;
        return array;
      }
      for (;;) {
        array.push(parseValue(depth + 1));
        skipWhitespace();
        if (text[position] === ',') {
          position++;
          continue;
        }
        if (text[position] === ']') {
          position++;
          return array;
        }
        fail('expected "," or "]"');
      }
    }
    if (character === '"') return parseString();
    for (const [literal, value] of LITERALS) {
      if (text.startsWith(literal, position)) {
        position += literal.length;
        return value;
      }
    }
    NUMBER.lastIndex = position;
    const match = NUMBER.exec(text);
    if (match === null) return fail('unexpected character');
    position = NUMBER.lastIndex;
    return new JsonNumber(match[0]);
  };
  const value = parseValue(0);
  skipWhitespace();
  if (position !== text.length) fail('unexpected text after the JSON value');
  return value;
}

const LITERALS: readonly (readonly [string, LosslessJson])[] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['NaN', new JsonNumber('NaN')],
  ['Infinity', new JsonNumber('Infinity')],
  ['-Infinity', new JsonNumber('-Infinity')],
];

const INTEGER = /^-?\d+$/;

/**
 * Python's `repr(float)`: the shortest digits that round-trip (the same digits JavaScript prints), in
 * positional notation when the decimal exponent is in [-4, 16), otherwise `d.ddde+XX` with at least two
 * exponent digits; a whole number keeps ".0".
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const exponential = value.toExponential(); // "-1.2345e+16": the shortest round-trip digits
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exponential);
  if (match === null) throw new Error(`unexpected number format ${exponential}`);
  const [, sign, first, rest = '', exponentText] = match;
  const digits = first + rest;
  const exponent = Number(exponentText);
  // CPython's float_repr_style 'short': positional when -4 <= exponent < 16.
  if (exponent < -4 || exponent >= 16) {
    const mantissa = rest.length > 0 ? `${first}.${rest}` : first;
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  const pointAt = exponent + 1; // digits before the decimal point
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return `${sign}${digits}${'0'.repeat(pointAt - digits.length)}.0`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/** A number's text as Python prints it after `json.loads`: ints exactly, floats by repr. */
function pythonNumber(number: JsonNumber): string {
  if (INTEGER.test(number.text)) return BigInt(number.text).toString();
  if (number.text === 'NaN') return 'NaN';
  return pythonFloatRepr(Number(number.text));
}

/** A string as `json.dumps(..., ensure_ascii=True)` writes it: everything outside ' '..'~' escaped. */
export function pythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const character = text[i];
    if (character === '"') out += '\\"';
    else if (character === '\\') out += '\\\\';
    else if (code >= 0x20 && code <= 0x7e) out += character;
    else if (character === '\n') out += '\\n';
    else if (character === '\r') out += '\\r';
    else if (character === '\t') out += '\\t';
    else if (character === '\b') out += '\\b';
    else if (character === '\f') out += '\\f';
    else out += `\\u${code.toString(16).padStart(4, '0')}`; // UTF-16 units: astral chars become surrogate pairs
  }
  return out + '"';
}

/** `json.dumps(value)` with Python's defaults (", ", ": ", ensure_ascii=True, allow_nan=True). */
export function pythonJsonDumps(value: LosslessJson): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return pythonJsonString(value);
  if (value instanceof JsonNumber) return pythonNumber(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const members: string[] = [];
  for (const [key, member] of value) members.push(`${pythonJsonString(key)}: ${pythonJsonDumps(member)}`);
  return `{${members.join(', ')}}`;
}

/**
 * Compact JSON that keeps number source text and key order, for handing a schema to an engine exactly as
 * written (JSON.parse would reorder integer-like keys, which changes property order in a grammar).
 */
export function stringifyLossless(value: LosslessJson): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyLossless).join(',')}]`;
  const members: string[] = [];
  for (const [key, member] of value) members.push(`${JSON.stringify(key)}:${stringifyLossless(member)}`);
  return `{${members.join(',')}}`;
}
