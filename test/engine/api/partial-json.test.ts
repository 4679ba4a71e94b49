import { describe, expect, it } from 'vitest';
import { PartialJsonParser, isPartialOf } from '../../../src/engine/generate/partial-json.js';

/** Every snapshot taken while `text` arrives in `chunks`, in order (only when the parser says it changed). */
function partials(text: string, chunk = 1): unknown[] {
  const parser = new PartialJsonParser();
  const out: unknown[] = [];
  for (let i = 0; i < text.length; i += chunk) if (parser.feed(text.slice(i, i + chunk))) out.push(parser.value);
  if (parser.finish()) out.push(parser.value);
  expect(parser.failed).toBe(false);
  return out;
}

/** xorshift32, so the random documents are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 7));
  const strings = ['', 'a', 'héllo', 'q"uote', 'back\\slash', 'line\nbreak', 'tab\t', '😀 emoji', '\u0001ctl', '__proto__'];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return [0, -1, 12, 3.25, -0.5, 1e21, 123456789, 2.5e-7][Math.floor(random() * 8)];
    case 3:
    case 4:
      return strings[Math.floor(random() * strings.length)];
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default: {
      const obj: Record<string, unknown> = {};
      const n = Math.floor(random() * 4);
      for (let i = 0; i < n; i++) {
        const key = strings[Math.floor(random() * strings.length)] + (i > 0 ? String(i) : '');
        Object.defineProperty(obj, key, { value: randomValue(random, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return obj;
    }
  }
}

/** JSON with random whitespace between tokens (as a model with flexible whitespace writes it). */
function spaced(value: unknown, random: () => number): string {
  const ws = () => [' ', '', '\n  ', '\t', ''][Math.floor(random() * 5)];
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => spaced(v, random)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}${ws()}:${ws()}${spaced(v, random)}`);
    return `{${ws()}${entries.join(`${ws()},${ws()}`)}${ws()}}`;
  }
  // \u escapes for some characters, so the parser's escape path runs too.
  return typeof value === 'string' && random() < 0.3 ? JSON.stringify(value).replace(/[^\x20-\x7e]|é/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : JSON.stringify(value);
}

describe('PartialJsonParser', () => {
  it('shows properties once their value starts, strings as they grow, numbers only when complete', () => {
    expect(partials('{"name": "Ada", "age": 36, "tags": ["x", "yz"]}')).toEqual([
      {},
      { name: '' },
      { name: 'A' },
      { name: 'Ad' },
      { name: 'Ada' },
      { name: 'Ada', age: 36 },
      { name: 'Ada', age: 36, tags: [] },
      { name: 'Ada', age: 36, tags: [''] },
      { name: 'Ada', age: 36, tags: ['x'] },
      { name: 'Ada', age: 36, tags: ['x', ''] },
      { name: 'Ada', age: 36, tags: ['x', 'y'] },
      { name: 'Ada', age: 36, tags: ['x', 'yz'] },
    ]);
  });

  it('completes a top-level number only at the end of the input, and literals when spelled out', () => {
    expect(partials('-12.5e3')).toEqual([-12500]);
    expect(partials('[true, null,false]')).toEqual([[], [true], [true, null], [true, null, false]]);
  });

  it('decodes escapes only once complete (\\u needs its four digits)', () => {
    expect(partials('"a\\u00e9\\n"')).toEqual(['', 'a', 'aé', 'aé\n']);
  });

  it('keeps __proto__ an ordinary key, as JSON.parse does', () => {
    const [last] = partials('{"__proto__": {"x": 1}}').slice(-1);
    expect(Object.getPrototypeOf(last)).toBe(Object.prototype);
    expect(last).toEqual(JSON.parse('{"__proto__": {"x": 1}}'));
  });

  it('stops at text that is not JSON and reports it', () => {
    const parser = new PartialJsonParser();
    parser.feed('{"a": tru');
    expect(parser.failed).toBe(false);
    parser.feed('x');
    expect(parser.failed).toBe(true);
    expect(parser.value).toEqual({});
  });

  it('differential: on 400 random documents, every partial is a prefix of JSON.parse and the last one equals it', () => {
    const random = rng(20240607);
    for (let n = 0; n < 400; n++) {
      const value = randomValue(random, 0);
      const text = spaced(value, random);
      const expected = JSON.parse(text);
      const chunk = 1 + Math.floor(random() * 4);
      const seen = partials(text, chunk);
      expect(seen.length).toBeGreaterThan(0);
      for (const partial of seen) expect(isPartialOf(partial, expected), `${JSON.stringify(partial)} of ${text}`).toBe(true);
      expect(seen[seen.length - 1]).toEqual(expected);
    }
  });

  it('partials never alias each other: an earlier snapshot is not changed by later input', () => {
    const parser = new PartialJsonParser();
    parser.feed('{"a": [1, ');
    const early = parser.value;
    const copy = structuredClone(early);
    parser.feed('2, {"b": "cd"}]}');
    expect(early).toEqual(copy);
  });
});

describe('isPartialOf', () => {
  it('accepts prefixes and refuses anything else', () => {
    expect(isPartialOf({ a: 'x' }, { a: 'xy', b: 1 })).toBe(true);
    expect(isPartialOf([1, 'a'], [1, 'ab', 3])).toBe(true);
    expect(isPartialOf([2, 'a'], [1, 'ab'])).toBe(false);
    expect(isPartialOf({ a: 'y' }, { a: 'xy' })).toBe(false);
    expect(isPartialOf({ c: 1 }, { a: 1 })).toBe(false);
    expect(isPartialOf(12, 123)).toBe(false);
    expect(isPartialOf([[1], 2], [[1, 5], 2])).toBe(false);
  });
});
