import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ByteMachine } from '../../../src/grammar/automaton/byte-machine.js';
import { compileJsonSchema, type JsonSchemaOptions } from '../../../src/grammar/jsonschema/index.js';
import { repoRoot, sharedData, skipUnlessSharedData } from '../../support/shared-data.js';
import { rng } from '../../support/seeded-rng.js';

/**
 * The automaton's contract for samplers: every state it lets a document reach has a completion (a
 * byte string after which it accepts). A state without one is a dead end: a sampler that walks in
 * never gets out. The regression cases below are the dead ends found in generation runs; the
 * randomized test walks the machines of many schemas byte by byte and searches a completion from
 * every prefix it reaches.
 */

/** Bytes tried first by the completion search: the ones that close or fill values quickly. */
const PREFERRED = Buffer.from('"}]0:,1a{[tfn-.e5Z9T+ \n');
const ORDER = [...PREFERRED, ...Array.from({ length: 256 }, (_, b) => b).filter((b) => !PREFERRED.includes(b))];

type Verdict = 'complete' | 'none' | 'unknown';

/**
 * Depth-first search for a completion, states deduplicated by mask key; 'unknown' when the node
 * budget runs out (never counted as a dead end).
 */
function completion<S>(m: ByteMachine<S>, start: S, budget = 5000, maxDepth = 300): { verdict: Verdict; text?: string } {
  const seen = new Set<unknown>();
  let nodes = 0;
  const path: number[] = [];
  const dfs = (s: S, depth: number): Verdict => {
    if (m.accepts(s)) return 'complete';
    if (depth >= maxDepth) return 'unknown';
    const key = m.maskKey?.(s);
    if (key !== undefined) {
      if (seen.has(key)) return 'none';
      seen.add(key);
    }
    let unknown = false;
    for (const b of ORDER) {
      if (++nodes > budget) return 'unknown';
      const t = m.step(s, b);
      if (t === undefined) continue;
      path.push(b);
      const v = dfs(t, depth + 1);
      if (v === 'complete') return v;
      path.pop();
      if (v === 'unknown') unknown = true;
      if (nodes > budget) return 'unknown';
    }
    return unknown ? 'unknown' : 'none';
  };
  const verdict = dfs(start, 0);
  return { verdict, text: verdict === 'complete' ? Buffer.from(path).toString('latin1') : undefined };
}

/** Feeds `text` and returns the state after it (fails the test when the machine refuses a byte). */
function feed<S>(m: ByteMachine<S>, text: string): S | undefined {
  let s: S | undefined = m.initial;
  for (const b of Buffer.from(text, 'utf8')) {
    if (s === undefined) return undefined;
    s = m.step(s, b);
  }
  return s;
}

/**
 * Asserts that every prefix of `text` the machine accepts byte by byte has a completion, and returns
 * the length of the prefix it accepted (the rest was refused, as a dead end should be).
 */
function assertLivePrefixes(schema: unknown, text: string, options: JsonSchemaOptions = {}): number {
  const m = compileJsonSchema(schema, options).machine;
  const bytes = Buffer.from(text, 'utf8');
  let s = m.initial;
  for (let i = 0; i < bytes.length; i++) {
    const t = m.step(s, bytes[i]);
    if (t === undefined) return i;
    const { verdict } = completion(m, t);
    expect(verdict, `no completion after ${JSON.stringify(bytes.subarray(0, i + 1).toString('latin1'))}`).not.toBe('none');
    s = t;
  }
  return bytes.length;
}

describe('dead ends found in generation runs are refused at the byte that enters them', () => {
  const closed = { type: 'object', properties: { a: { type: 'integer' } }, additionalProperties: false };

  it('a comma after the last possible property', () => {
    expect(assertLivePrefixes(closed, '{"a":1,')).toBe(6);
    expect(feed(compileJsonSchema(closed).machine, '{"a":1}')).toBeDefined();
    const maxed = { type: 'object', maxProperties: 1 };
    expect(assertLivePrefixes(maxed, '{"x":1,')).toBe(6);
    // Every property used, directory/file oneOf (schemas/examples/tree.schema.json's shape).
    const tree = JSON.parse(readFileSync(join(repoRoot, 'schemas/examples/tree.schema.json'), 'utf8')) as unknown;
    expect(assertLivePrefixes(tree, '{"name":")","kind":"directory","size":-0,"children":[],')).toBeLessThan(52);
  });

  it('a key whose name would decide a oneOf / not over required properties against the document', () => {
    // The first shape of schemas/examples/tree.schema.json: a directory must not have a size.
    const node = {
      type: 'object',
      properties: { name: { type: 'string' }, kind: { enum: ['file', 'directory'] }, size: { type: 'integer' }, children: { type: 'array' } },
      required: ['name', 'kind'],
      additionalProperties: false,
      oneOf: [
        { properties: { kind: { const: 'file' } }, required: ['size'], not: { required: ['children'] } },
        { properties: { kind: { const: 'directory' } }, required: ['children'], not: { required: ['size'] } },
      ],
    };
    expect(assertLivePrefixes(node, '{"name":"a","kind":"directory","s')).toBe(32);
    expect(assertLivePrefixes(node, '{"name":"a","kind":"directory","children":[]}')).toBe(45);
    expect(assertLivePrefixes(node, '{"name":"a","kind":"file","size":1}')).toBe(35);
    expect(assertLivePrefixes(node, '{"name":"a","kind":"file","size":1,')).toBe(34);
  });

  it('a comma after maxItems items, and after prefixItems closed by items: false', () => {
    expect(assertLivePrefixes({ type: 'array', maxItems: 2 }, '[1,2,')).toBe(4);
    expect(assertLivePrefixes({ type: 'array', prefixItems: [{ type: 'integer' }], items: false }, '[1,')).toBe(2);
    expect(assertLivePrefixes({ type: 'array', prefixItems: [{ type: 'integer' }], items: false }, '[1]')).toBe(3);
  });

  it('\\u escapes inside strings that an enum, a pattern, a format or closed property names constrain', () => {
    expect(assertLivePrefixes({ enum: ['a', 'b'] }, '"\\u000')).toBe(5);
    expect(assertLivePrefixes({ enum: ['a', 'b'] }, '"\\u0061"')).toBe(8);
    expect(assertLivePrefixes({ enum: ['a', 'b'] }, '"a\\')).toBe(2);
    expect(assertLivePrefixes({ enum: ['😀', 'b'] }, '"\\ud83d\\ude00"')).toBe(14);
    expect(assertLivePrefixes({ enum: ['😀', 'b'] }, '"\\ud83e')).toBe(6);
    expect(assertLivePrefixes({ type: 'object', properties: { abc: {} }, additionalProperties: false }, '{"a\\uc10')).toBe(5);
    expect(assertLivePrefixes({ type: 'object', properties: { abc: {} }, additionalProperties: false }, '{"a\\u0062c":1}')).toBe(14);
    expect(assertLivePrefixes({ type: 'string', pattern: '^[a-z]+$' }, '"ab\\u006a"')).toBe(10);
    expect(assertLivePrefixes({ type: 'string', maxLength: 2 }, '"ab\\')).toBe(3);
  });

  it('date-time: a leap second fixes the offset digits (UTC must be 23:59)', () => {
    const dt = { type: 'string', format: 'date-time' };
    expect(assertLivePrefixes(dt, '"0428-03-30t01:41:60-22:5\\u9Af')).toBe(24);
    expect(assertLivePrefixes(dt, '"0428-03-30t01:41:60-22:18"')).toBe(27);
    expect(assertLivePrefixes(dt, '"2024-03-30T15:59:60-08:01"')).toBe(25);
  });

  it('numbers: integers in plain form with at most 19 digits; fractions and exponents bounded and finite', () => {
    const int = { type: 'integer' };
    expect(assertLivePrefixes(int, '10442.5')).toBe(5);
    expect(assertLivePrefixes(int, '1e5')).toBe(1);
    expect(assertLivePrefixes(int, '-0')).toBe(1);
    expect(assertLivePrefixes(int, '1234567890123456789')).toBe(19);
    expect(assertLivePrefixes(int, '12345678901234567890')).toBe(19);
    expect(assertLivePrefixes({ type: 'integer', minimum: 1, maximum: 10000 }, '0')).toBe(0);
    const num = { type: 'number' };
    expect(assertLivePrefixes(num, `0.${'0'.repeat(30)}`)).toBe(26);
    expect(assertLivePrefixes(num, '619.705580013283200e013')).toBe(23);
    expect(assertLivePrefixes(num, '1e308')).toBe(4);
    expect(assertLivePrefixes(num, '0.5e307')).toBe(7);
    expect(assertLivePrefixes(num, '1e+100')).toBe(6);
    expect(assertLivePrefixes(num, '1e-999')).toBe(6);
    // A zero mantissa cannot be scaled; typed exponent digits leave only so many values.
    expect(assertLivePrefixes({ minimum: 30 }, '0E38')).toBe(1);
    expect(assertLivePrefixes({ const: 9007199254740992 }, '9.007199254740992e+00')).toBe(20);
    expect(assertLivePrefixes({ const: 9007199254740992 }, '9.007199254740992e+015')).toBe(22);
    expect(assertLivePrefixes({ const: 2 }, `0.${'0'.repeat(23)}2e011`)).toBe(28);
    // 'exact' keeps every JSON number text the keywords allow (conformance harnesses).
    expect(assertLivePrefixes(int, '1.0', { numbers: 'exact' })).toBe(3);
    expect(assertLivePrefixes(int, '1e2', { numbers: 'exact' })).toBe(3);
  });

  it('a literal that would repeat an item under uniqueItems is refused at its first byte', () => {
    expect(assertLivePrefixes({ type: 'array', uniqueItems: true }, '[true, t')).toBe(7);
    expect(assertLivePrefixes({ type: 'array', uniqueItems: true }, '[true, false, null]')).toBe(19);
  });

  it('whitespace runs are bounded (default 64 bytes, maxWhitespaceRun changes it)', () => {
    expect(assertLivePrefixes({ type: 'array' }, `[${' '.repeat(70)}]`)).toBe(65);
    expect(assertLivePrefixes({ type: 'array' }, `[${' '.repeat(9)}]`, { maxWhitespaceRun: 8 })).toBe(9);
    expect(assertLivePrefixes({ type: 'array' }, '[ ]', { whitespace: 'compact' })).toBe(1);
  });
});

/** Random walks over allowed bytes (biased towards structure); every reached prefix must have a completion. */
function walkSchema(schema: unknown, seed: number, walks: number, length: number): string[] {
  let m: ByteMachine<unknown>;
  try {
    m = compileJsonSchema(schema, { allowEmpty: true }).machine as ByteMachine<unknown>;
  } catch {
    return [];
  }
  const random = rng(seed);
  const deadEnds: string[] = [];
  for (let w = 0; w < walks && deadEnds.length === 0; w++) {
    let s = m.initial;
    const path: number[] = [];
    for (let i = 0; i < length; i++) {
      const allowed: number[] = [];
      for (let b = 0; b < 256; b++) if (m.step(s, b) !== undefined) allowed.push(b);
      if (allowed.length === 0) break;
      const structural = allowed.filter((b) => PREFERRED.includes(b));
      const pool = structural.length > 0 && random() < 0.6 ? structural : allowed;
      const b = pool[Math.floor(random() * pool.length)];
      s = m.step(s, b)!;
      path.push(b);
      if (completion(m, s, 1500, 120).verdict === 'none') {
        deadEnds.push(Buffer.from(path).toString('latin1'));
        break;
      }
    }
  }
  return deadEnds;
}

describe('randomized liveness: random walks over allowed bytes never reach a state without a completion', () => {
  it('schemas/examples', () => {
    const dir = join(repoRoot, 'schemas', 'examples');
    const found: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
      for (const d of walkSchema(schema, 7, 1, 80)) found.push(`${file}: ${JSON.stringify(d)}`);
    }
    expect(found).toEqual([]);
  });

  const skip = skipUnlessSharedData('json-schema-test-suite');
  it.skipIf(skip)('JSON Schema Test Suite (draft 2020-12) schemas', () => {
    const dir = sharedData('json-schema-test-suite/tests/draft2020-12');
    const files = [
      'additionalProperties', 'const', 'contains', 'dependentRequired', 'enum', 'format', 'items', 'maxItems',
      'maxLength', 'maxProperties', 'minimum', 'multipleOf', 'oneOf', 'pattern', 'patternProperties', 'prefixItems',
      'properties', 'propertyNames', 'required', 'uniqueItems',
    ];
    const found: string[] = [];
    let seed = 1;
    for (const name of files) {
      const groups = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as { description: string; schema: unknown }[];
      for (const g of groups) {
        for (const d of walkSchema(g.schema, seed++, 1, 30)) found.push(`${name} / ${g.description}: ${JSON.stringify(d)}`);
      }
    }
    expect(found).toEqual([]);
  });
});
