import { describe, expect, it } from 'vitest';
import { CompileError, LimitError } from '../../../src/errors.js';
import { compileJsonSchema } from '../../../src/grammar/jsonschema/index.js';

function compileError(schema: unknown, options = {}): CompileError {
  try {
    compileJsonSchema(schema, options);
  } catch (error) {
    if (error instanceof CompileError) return error;
    throw error;
  }
  throw new Error('expected a CompileError');
}

describe('compile errors name the keyword and its JSON pointer', () => {
  it('rejects what is not a schema', () => {
    expect(compileError([1, 2]).pointer).toBe('');
    const e = compileError({ properties: { a: { type: 5 } } });
    expect(e.pointer).toBe('/properties/a/type');
    expect(e.message).toMatch(/meta-schema/);
  });

  it('unresolvable and remote references', () => {
    const local = compileError({ properties: { a: { $ref: '#/$defs/missing' } } });
    expect(local.pointer).toBe('/properties/a');
    expect(local.keyword).toBe('$ref');
    const remote = compileError({ $ref: 'https://example.com/other.json' });
    expect(remote.message).toMatch(/remotes/);
    const c = compileJsonSchema({ $ref: 'https://example.com/other.json' }, { remotes: { 'https://example.com/other.json': { type: 'string' } } });
    expect(c.validate('x')).toBe(true);
    expect(c.validate(1)).toBe(false);
  });

  it('cycles with no base case', () => {
    expect(compileError({ $ref: '#' }).message).toMatch(/cycle/);
    expect(compileError({ $defs: { a: { anyOf: [{ $ref: '#/$defs/b' }] }, b: { allOf: [{ $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' }).message).toMatch(/cycle/);
    // Recursion through a property is fine.
    expect(() => compileJsonSchema({ properties: { next: { $ref: '#' } } })).not.toThrow();
  });

  it('schemas with an empty language', () => {
    expect(compileError(false).message).toMatch(/empty language/);
    expect(compileError({ allOf: [{ type: 'string' }, { type: 'number' }] }).message).toMatch(/empty language/);
    expect(compileJsonSchema(false, { allowEmpty: true }).validate(null)).toBe(false);
  });

  it('strict mode refuses a pattern it cannot enforce; lenient mode warns', () => {
    const e = compileError({ properties: { a: { pattern: '(abc' } } });
    expect(e.pointer).toBe('/properties/a');
    expect(e.keyword).toBe('pattern');
    const lenient = compileJsonSchema({ properties: { a: { pattern: '(abc' } } }, { strict: false, finalValidation: false });
    expect(lenient.warnings.join('\n')).toMatch(/pattern/);
    expect(lenient.coverage.find((c) => c.keyword === 'pattern')?.enforcement).toBe('ignored');
  });

  it('patterns with lookahead at the edges are enforced by masks; lookbehind is checked when the string completes', () => {
    const c = compileJsonSchema({ pattern: '^(?!foo)[a-z]+$' });
    expect(c.validate('bar')).toBe(true);
    expect(c.validate('foobar')).toBe(false);
    expect(c.coverage.find((x) => x.keyword === 'pattern')?.enforcement).toBe('mask');
    const behind = compileJsonSchema({ pattern: '(?<=a)b' });
    expect([behind.validate('ab'), behind.validate('b'), behind.validate('cb')]).toEqual([true, false, false]);
    expect(behind.coverage.find((x) => x.keyword === 'pattern')?.enforcement).toBe('completion-check');
  });

  it('patternProperties with lookaround classify keys when they complete', () => {
    const c = compileJsonSchema({ patternProperties: { '^(?!pattern$).*$': { type: 'string' } }, additionalProperties: false });
    expect([c.validate({ a: 'x' }), c.validate({ pattern: 'x' }), c.validate({ a: 1 }), c.validate({ patterns: 'y' })]).toEqual([true, false, false, true]);
  });
});

describe('coverage: how each keyword is enforced', () => {
  it('reports mask, completion-check and ignored keywords by pointer', () => {
    const { coverage } = compileJsonSchema({
      type: 'object',
      properties: { tags: { type: 'array', uniqueItems: true }, kind: { not: { const: 'x' } }, when: { format: 'date' } },
      'x-custom': 1,
    });
    const at = (pointer: string) => coverage.find((c) => c.pointer === pointer)?.enforcement;
    expect(at('/type')).toBe('mask');
    expect(at('/properties/tags/uniqueItems')).toBe('completion-check');
    expect(at('/properties/kind/not')).toBe('completion-check');
    expect(at('/properties/when/format')).toBe('mask');
    expect(at('/x-custom')).toBe('ignored');
  });
});

describe('dialects', () => {
  it('reads draft-07 by $schema, and falls back to it for documents only valid as draft-07', () => {
    const d7 = compileJsonSchema({ $schema: 'http://json-schema.org/draft-07/schema#', items: [{ type: 'string' }], additionalItems: false });
    expect(d7.draft).toBe('7');
    expect(d7.validate(['a'])).toBe(true);
    expect(d7.validate(['a', 'b'])).toBe(false);
    const fallback = compileJsonSchema({ items: [{ type: 'string' }] });
    expect(fallback.draft).toBe('7');
    expect(fallback.warnings.join()).toMatch(/draft-07/);
    // Draft-07: $ref makes its siblings inert.
    expect(compileJsonSchema({ $schema: 'http://json-schema.org/draft-07/schema#', definitions: { s: { type: 'string' } }, $ref: '#/definitions/s', minLength: 5 }, { finalValidation: false }).validate('ab')).toBe(true);
  });
});

describe('pathological schemas compile within limits or fail clearly', () => {
  it('very deep nesting', () => {
    let deep: unknown = { type: 'string' };
    for (let i = 0; i < 5000; i++) deep = { properties: { a: deep } };
    expect(() => compileJsonSchema(deep)).toThrow(LimitError);
    let ok: unknown = { type: 'string' };
    for (let i = 0; i < 200; i++) ok = { properties: { a: ok } };
    expect(() => compileJsonSchema(ok)).not.toThrow();
  });

  it('10,000 properties and a 20,000-value enum', () => {
    // (validate() also builds ajv's validator for the final check, which dominates the time here)
    const properties: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) properties[`p${i}`] = { type: 'integer' };
    const c = compileJsonSchema({ properties, additionalProperties: false });
    expect(c.validate({ p9999: 1 })).toBe(true);
    expect(c.validate({ q: 1 })).toBe(false);
    const values = Array.from({ length: 20_000 }, (_, i) => `v${i}`);
    const e = compileJsonSchema({ enum: values });
    expect(e.validate('v19999')).toBe(true);
    expect(e.validate('v20000')).toBe(false);
    expect(() => compileJsonSchema({ enum: values }, { limits: { maxEnum: 1000 } })).toThrow(LimitError);
  });
});
