import ajv2020Module from 'ajv/dist/2020.js';
import ajvFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { eagerRootFunction, referenceValidator, VERDICT_ONLY } from '../../../src/grammar/jsonschema/reference-validator.js';

const Ajv2020 = ajv2020Module.default;
const addFormats = ajvFormatsModule.default;

/**
 * Schemas compiled without remotes share ajv instances (reference-validator.ts). Each must be
 * validated as if it had an instance of its own: nothing it registers (`$id`s) may leak into the next
 * schema, and the instance that skips evaluated-property tracking must only serve schemas that never
 * read it.
 */
describe('the reference validator on shared ajv instances', () => {
  const check = (schema: unknown, cases: [unknown, boolean][]) => {
    const ref = referenceValidator(schema, '2020-12', undefined);
    expect(ref.available(), ref.reason).toBe(true);
    for (const [value, valid] of cases) expect(ref.validate(value), JSON.stringify(value)).toBe(valid);
  };

  it('two schemas with the same $id, one after the other, each keep their own meaning', () => {
    for (let round = 0; round < 3; round++) {
      check({ $id: 'https://example.com/same', type: 'string' }, [['x', true], [1, false]]);
      check({ $id: 'https://example.com/same', type: 'number' }, [['x', false], [1, true]]);
      check({ $defs: { a: { $id: 'https://example.com/nested', type: 'boolean' } }, $ref: 'https://example.com/nested' }, [[true, true], [1, false]]);
      check({ $defs: { a: { $id: 'https://example.com/nested', type: 'null' } }, $ref: 'https://example.com/nested' }, [[null, true], [true, false]]);
    }
  });

  it('a reference resolves only within its own schema, never into one compiled before it', () => {
    check({ $defs: { s: { $id: 'https://example.com/only-here', minLength: 2 } }, $ref: 'https://example.com/only-here' }, [['ab', true], ['a', false]]);
    const orphan = referenceValidator({ $ref: 'https://example.com/only-here' }, '2020-12', undefined);
    expect(orphan.available()).toBe(false);
    expect(orphan.reason).toMatch(/ajv cannot compile/);
    // The failed compile leaves nothing behind either.
    check({ $id: 'https://example.com/only-here', type: 'integer' }, [[3, true], [3.5, false]]);
  });

  it('unevaluated* keywords get evaluated-property tracking; schemas without them agree with a plain Ajv2020', () => {
    const plain = new Ajv2020({ strict: false });
    const schemas: unknown[] = [
      { properties: { a: {} }, unevaluatedProperties: false },
      { anyOf: [{ properties: { a: {} } }, { properties: { b: {} } }], unevaluatedProperties: false },
      { prefixItems: [{}], unevaluatedItems: false },
      { anyOf: [true, { properties: { a: { type: 'string' } } }] },
      { oneOf: [{ properties: { a: { type: 'string' } } }, { required: ['b'] }] },
      { properties: { a: { type: 'string' } }, patternProperties: { '^x': { type: 'number' } }, additionalProperties: false },
      { $defs: { n: { properties: { a: { $ref: '#/$defs/n' } }, unevaluatedProperties: false } }, $ref: '#/$defs/n' },
    ];
    const values: unknown[] = [{}, { a: 1 }, { a: 'x' }, { b: 1 }, { a: 'x', b: 1 }, { x1: 2 }, { x1: 'no' }, { a: { a: {} } }, { a: { b: 1 } }, [], [1], [1, 2]];
    // Interleaved, so each kind of shared instance is reused across the others.
    for (let round = 0; round < 2; round++) {
      for (const schema of schemas) check(schema, values.map((v) => [v, plain.validate(schema as object, v)]));
    }
  });

  it('keeps deciding correctly across many schemas (instances are replaced as they fill up)', () => {
    for (let i = 0; i < 150; i++) {
      check({ $id: `https://example.com/n${i % 7}`, type: 'object', properties: { [`k${i}`]: { const: i } }, required: [`k${i}`] }, [
        [{ [`k${i}`]: i }, true],
        [{ [`k${i}`]: i + 1 }, false],
        [{}, false],
      ]);
    }
  });

  it('a validator keeps its verdicts after later schemas reuse (and replace) its instance', () => {
    const first = referenceValidator({ $id: 'https://example.com/kept', $defs: { s: { type: 'string', pattern: '^k' } }, items: { $ref: '#/$defs/s' } }, '2020-12', undefined);
    expect(first.available()).toBe(true);
    for (let i = 0; i < 100; i++) {
      const other = referenceValidator({ $id: 'https://example.com/kept', $defs: { s: { type: 'integer' } }, items: { $ref: '#/$defs/s' } }, '2020-12', undefined);
      expect(other.validate([i])).toBe(true);
    }
    expect(first.validate(['kx', 'ky'])).toBe(true);
    expect(first.validate(['kx', 1])).toBe(false);
    expect(first.validate(['x'])).toBe(false);
  });

  it('formats that are only annotations stay annotations; asserted ones keep asserting', () => {
    check({ format: 'my-own-format' }, [['anything', true]]);
    check({ format: 'int32' }, [['not a number', true]]);
    check({ format: 'ipv4' }, [['1.2.3.4', true], ['1.2.3', false]]);
    check({ format: 'my-own-format' }, [['anything', true]]);
  });
});

/**
 * The reference validator's code builds no error objects (ajv's `createErrors: false` in every root
 * schema context of its own instances) and compiles each schema's root function eagerly. Neither may
 * change a verdict, nor reach ajv instances that are not the reference validator's.
 */
describe('verdict-only, eagerly compiled reference code', () => {
  it('is installed on this ajv', () => {
    expect(VERDICT_ONLY).toBe(true);
  });

  it('agrees with a plain Ajv2020 on every composite keyword, references and formats', () => {
    const plain = new Ajv2020({ strict: false });
    addFormats(plain);
    const schemas: unknown[] = [
      { anyOf: [{ type: 'string', minLength: 2 }, { type: 'integer', minimum: 3 }] },
      { oneOf: [{ type: 'integer' }, { type: 'number', multipleOf: 0.5 }] },
      { not: { type: 'array', maxItems: 1 } },
      { if: { type: 'object', required: ['a'] }, then: { properties: { a: { const: 1 } } }, else: { type: ['array', 'string'] } },
      { type: 'array', contains: { type: 'string' }, minContains: 2, uniqueItems: true },
      { type: 'object', dependentSchemas: { a: { required: ['b'] } }, dependentRequired: { b: ['c'] }, propertyNames: { pattern: '^[a-c]$' } },
      { $defs: { tree: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/tree' } } }, additionalProperties: false } }, $ref: '#/$defs/tree' },
      { type: 'object', properties: { at: { type: 'string', format: 'date-time' } }, additionalProperties: { type: 'boolean' } },
      { allOf: [{ properties: { a: {} } }, { properties: { b: {} } }], unevaluatedProperties: false },
    ];
    const values: unknown[] = [
      'a', 'ab', 2, 3, 2.5, 2.25, [], [1], ['x', 'y'], ['x', 'x'], ['x', 'y', 1], {}, { a: 1 }, { a: 2 }, { a: 1, b: 2 }, { a: 1, b: 2, c: 3 },
      { d: 1 }, { kids: [{ kids: [] }] }, { kids: [{ other: 1 }] }, { at: '2024-01-01T00:00:00Z' }, { at: 'yesterday' }, { at: '2024-01-01T00:00:00Z', x: true }, { x: 1 },
    ];
    for (const schema of schemas) {
      const ref = referenceValidator(schema, '2020-12', undefined);
      expect(ref.available(), ref.reason).toBe(true);
      for (const value of values) expect(ref.validate(value), `${JSON.stringify(schema)} on ${JSON.stringify(value)}`).toBe(plain.validate(schema as object, value));
    }
  });

  it('leaves other ajv instances their error reports', () => {
    referenceValidator({ type: 'object', required: ['a'] }, '2020-12', undefined).available();
    const plain = new Ajv2020({ strict: false });
    const validate = plain.compile({ type: 'object', required: ['a'] });
    expect(validate({})).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'required', params: { missingProperty: 'a' } });
  });

  it('parenthesizes the root function only', () => {
    const source = 'const schema0 = scope.schema[0];return function validate0(data){return data === "return function ";}';
    const root: { root?: unknown } = {};
    root.root = root;
    expect(eagerRootFunction(source, root)).toBe('const schema0 = scope.schema[0];return (function validate0(data){return data === "return function ";})');
    expect(eagerRootFunction(source, { root })).toBe(source);
    expect(eagerRootFunction(source, undefined)).toBe(source);
    expect(eagerRootFunction('return 1', root)).toBe('return 1');
  });
});
