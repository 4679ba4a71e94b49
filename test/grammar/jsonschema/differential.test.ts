import ajv2020Module from 'ajv/dist/2020.js';
import ajvFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { compileJsonSchema } from '../../../src/grammar/jsonschema/index.js';
import type { SchemaState } from '../../../src/grammar/jsonschema/schema-machine.js';
import { rng as prng } from '../../support/seeded-rng.js';

const Ajv2020 = ajv2020Module.default;
const addFormats = ajvFormatsModule.default;

/**
 * Differential check against ajv on random instances: the machine alone (final validation off) must
 * agree with ajv, or, for formats (where the machine is the intersection of the RFCs and ajv-formats),
 * never accept what ajv rejects.
 */

const STRINGS = ['', 'a', 'ab', 'abc', 'wifi', 'x-y', 'é', '😀', 'a b', 'A1', '2020-01-01', 'a@b.co', '10.0.0.1', 'name', 'type', 'kind'];
const KEYS = ['a', 'b', 'c', 'name', 'type', 'kind', 'x-a', 'id'];

function randomValue(random: () => number, depth: number): unknown {
  const r = random();
  if (depth > 2 || r < 0.45) {
    const s = random();
    if (s < 0.1) return null;
    if (s < 0.2) return random() < 0.5;
    if (s < 0.55) return Math.floor(random() * 21) - 5 + (random() < 0.2 ? 0.5 : 0);
    return STRINGS[Math.floor(random() * STRINGS.length)];
  }
  if (r < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const o: Record<string, unknown> = {};
  const n = Math.floor(random() * 4);
  for (let i = 0; i < n; i++) o[KEYS[Math.floor(random() * KEYS.length)]] = randomValue(random, depth + 1);
  return o;
}

const schemas: unknown[] = [
  { type: 'object', properties: { a: { type: 'integer' }, name: { type: 'string', minLength: 1 } }, required: ['name'] },
  { type: 'object', additionalProperties: false, patternProperties: { '^x-': {} }, properties: { id: { type: ['integer', 'string'] } } },
  { anyOf: [{ type: 'string', maxLength: 2 }, { type: 'number', minimum: 0 }, { type: 'array', minItems: 2 }] },
  { oneOf: [{ type: 'number', multipleOf: 2 }, { type: 'number', multipleOf: 3 }, { type: 'string', pattern: '^a' }] },
  { not: { anyOf: [{ type: 'object' }, { type: 'string', pattern: 'b' }] } },
  { if: { type: 'object', required: ['kind'] }, then: { properties: { kind: { enum: ['a', 'abc'] } } }, else: { type: ['array', 'null'] } },
  { type: 'array', items: { enum: [1, 'a', null, [1], { a: 1 }] }, uniqueItems: true },
  // (Next to prefixItems or items, ajv 8 accepts [] under `contains` although minContains defaults to 1.)
  { type: 'array', contains: { const: 1 }, maxContains: 2 },
  { properties: { a: {} }, dependentRequired: { a: ['b'] }, dependentSchemas: { c: { minProperties: 3 } }, propertyNames: { maxLength: 3 }, maxProperties: 3 },
  { properties: { a: true }, allOf: [{ properties: { b: true } }], anyOf: [{ properties: { c: true }, required: ['c'] }, true], unevaluatedProperties: false },
  // (ajv 8 mishandles anyOf and contains annotations for unevaluatedItems; the test suite covers those.)
  { prefixItems: [{ type: 'string' }], allOf: [{ prefixItems: [true, { type: 'array' }] }], unevaluatedItems: { type: 'number' } },
  { $defs: { t: { anyOf: [{ type: 'integer' }, { type: 'array', items: { $ref: '#/$defs/t' }, maxItems: 2 }] } }, $ref: '#/$defs/t' },
  { type: 'object', properties: { a: { type: 'number', exclusiveMinimum: -2, maximum: 5.5 }, b: { type: 'integer', multipleOf: 5 } } },
];

const formatSchemas: unknown[] = [{ type: 'array', items: { anyOf: [{ format: 'date' }, { format: 'email' }, { format: 'ipv4' }, { format: 'hostname' }] } }];

function machineAccepts(schema: unknown, text: string): boolean {
  const { machine } = compileJsonSchema(schema, { finalValidation: false, allowEmpty: true });
  let s: SchemaState | undefined = machine.initial;
  for (const b of Buffer.from(text, 'utf8')) {
    s = machine.step(s, b);
    if (s === undefined) return false;
  }
  return machine.accepts(s);
}

describe('the machine agrees with ajv on random instances', () => {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);

  schemas.forEach((schema, k) => {
    it(`schema ${k}`, () => {
      const validate = ajv.compile(schema as object);
      const random = prng(1000 + k);
      let valid = 0;
      const { machine } = compileJsonSchema(schema, { finalValidation: false, allowEmpty: true });
      for (let n = 0; n < 300; n++) {
        const value = randomValue(random, 0);
        const text = JSON.stringify(value);
        let s: SchemaState | undefined = machine.initial;
        for (const b of Buffer.from(text, 'utf8')) if (s !== undefined) s = machine.step(s, b);
        const ours = s !== undefined && machine.accepts(s);
        const theirs = validate(value) as boolean;
        if (theirs) valid++;
        expect([text, ours]).toEqual([text, theirs]);
      }
      expect(valid).toBeGreaterThan(0);
    });
  });

  it('formats: never accepts what ajv-formats rejects', () => {
    const schema = formatSchemas[0];
    const validate = ajv.compile(schema as object);
    const random = prng(7);
    const pool = ['2020-02-29', '2021-02-29', 'a@b.co', 'a..b@c.d', '1.2.3.4', '01.2.3.4', 'ab-c.d', '-a.b', 'xn--a', 'a_b.c', 'é@x.com'];
    for (let n = 0; n < 200; n++) {
      const value = Array.from({ length: 1 + Math.floor(random() * 2) }, () => pool[Math.floor(random() * pool.length)]);
      const text = JSON.stringify(value);
      if (machineAccepts(schema, text)) expect([text, validate(value)]).toEqual([text, true]);
    }
  });
});
