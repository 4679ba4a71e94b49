/**
 * JSON instances exactly as MaskBench serialized them (Python's `json.dumps`). There is ONE serializer,
 * bench/peers/python-json.ts, used by formwork's harness and the peers' alike so that every engine is
 * forced through byte-identical text; this module keeps the names the older harness code and its tests
 * use. (The earlier copy here kept number source text, which mis-wrote instances whose files spell a
 * float differently from Python's repr, e.g. `1e-7` for `1e-07`.)
 */
import { InputError } from '../src/errors.js';
import { JsonNumber, parseLosslessJson, pythonJsonDumps, pythonJsonString, type LosslessJson } from './peers/python-json.js';

export type { LosslessJson };

/** Parses JSON text (plus Python's NaN / Infinity) keeping number text and key order; SyntaxError like JSON.parse. */
export function parseLossless(text: string): LosslessJson {
  try {
    return parseLosslessJson(text);
  } catch (error) {
    if (error instanceof InputError) throw new SyntaxError(error.message, { cause: error });
    throw error;
  }
}

/** `json.dumps(value)` with Python's defaults: ", " and ": ", ensure_ascii, Python's int and float text. */
export const serializePython: (value: LosslessJson) => string = pythonJsonDumps;

/** Python's json.dumps string escaping with ensure_ascii=True. */
export const pythonString: (text: string) => string = pythonJsonString;

/** The value as JavaScript data (numbers rounded to doubles, as JSON.parse would). */
export function toPlainJson(value: LosslessJson): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value instanceof JsonNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(toPlainJson);
  const out: Record<string, unknown> = {};
  for (const [key, member] of value) Object.defineProperty(out, key, { value: toPlainJson(member), enumerable: true, writable: true, configurable: true });
  return out;
}
