import { decimalKey, parseDecimal } from './decimal.js';
import { canonicalJson } from './schema-compiler.js';

/**
 * Keys for JSON value equality (uniqueItems), from the value's JSON text. Two keys, because two
 * equalities matter: the specification's (numbers compared as exact decimals: `1.0` equals `1`,
 * `1e400` differs from `2e400`) and ajv's (JavaScript values compared after JSON.parse, where both of
 * those are Infinity). Items are duplicates when EITHER key matches, so the machine rejects whatever
 * either reading rejects.
 */
export function jsonEqualityKeys(text: string): [string, string] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [exactKey(text), `\u0000invalid:${text}`];
  }
  // A string (most items of uniqueItems arrays, asked once per closing token a mask walks): both
  // equalities compare its decoded text, and both keys are what exactKey and canonicalJson give.
  if (typeof parsed === 'string') {
    const key = JSON.stringify(parsed);
    return [key, key];
  }
  return [exactKey(text), canonicalJson(parsed)];
}

/** Canonical form with exact numbers and sorted keys, computed from the text itself. */
function exactKey(text: string): string {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const value = (): string => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: [string, string][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return '{}';
      }
      for (;;) {
        ws();
        const k = string();
        ws();
        i++; // ':'
        entries.push([k, value()]);
        ws();
        if (text[i++] === '}') break;
      }
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`;
    }
    if (c === '[') {
      i++;
      const items: string[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return '[]';
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i++] === ']') break;
      }
      return `[${items.join(',')}]`;
    }
    if (c === '"') return string();
    const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|^true|^false|^null/.exec(text.slice(i));
    if (m === null) throw new SyntaxError(`bad JSON at ${i}`);
    i += m[0].length;
    const d = parseDecimal(m[0]);
    return d === undefined ? m[0] : `#${decimalKey(d)}`;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.stringify(JSON.parse(text.slice(start, i)));
  };
  try {
    return value();
  } catch {
    return `\u0000invalid:${text}`;
  }
}
