import { describe, expect, it } from 'vitest';
import { JSON_SYSTEM_PREFIX, PROSE_BUDGET_CHARS, SHAPE_SEPARATOR, compactSchema, jsonSchemaPrompt, schemaOutline } from '../../../src/engine/prompts/json-schema-prompt.js';
import { InputError } from '../../../src/errors.js';

describe('compactSchema', () => {
  it('writes one line without whitespace and drops annotation-only keywords', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.com/person',
      $comment: 'internal',
      type: 'object',
      properties: { name: { type: 'string', examples: ['Ann'] }, age: { type: 'integer', minimum: 0 } },
      required: ['name'],
    };
    expect(compactSchema(schema)).toBe('{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}},"required":["name"]}');
  });

  it('keeps property names that look like keywords, and enum/const data untouched', () => {
    const schema = {
      type: 'object',
      properties: { description: { type: 'string' }, $id: { type: 'integer' }, kind: { enum: [{ examples: 1 }, 'x'] }, c: { const: { title: 't' } } },
    };
    expect(JSON.parse(compactSchema(schema))).toEqual(schema);
  });

  it('keeps descriptions while the schema is short and drops them when it is long', () => {
    const short = { type: 'object', description: 'A person', properties: { a: { type: 'string', title: 'A' } } };
    expect(compactSchema(short)).toContain('"description":"A person"');
    const long = { ...short, properties: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, { type: 'string', description: `Field number ${i}` }])) };
    expect(JSON.stringify(long).length).toBeGreaterThan(PROSE_BUDGET_CHARS);
    const compact = compactSchema(long);
    expect(compact).not.toContain('description');
    expect(Object.keys(JSON.parse(compact).properties)).toHaveLength(40);
  });

  it('accepts boolean schemas and rejects non-schemas', () => {
    expect(compactSchema(true)).toBe('true');
    expect(() => compactSchema([1])).toThrow(InputError);
    expect(() => compactSchema('{}')).toThrow(InputError);
  });
});

describe('schemaOutline', () => {
  it('spells every property in order with its type, like the answer it asks for', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1 },
        age: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string' } },
        status: { enum: ['on', 'off', null] },
        home: { type: 'object', properties: { city: { type: ['string', 'null'] } } },
        v: { const: 3 },
      },
      required: ['name'],
    };
    expect(schemaOutline(schema)).toBe('{"name": string, "age": integer, "tags": [string], "status": "on"|"off"|null, "home": {"city": string|null}, "v": 3}');
  });

  it('covers unions, tuples, local $refs (recursion bounded), and schemas without types', () => {
    expect(schemaOutline({ anyOf: [{ type: 'integer' }, { type: 'object' }] })).toBe('integer|object');
    expect(schemaOutline({ type: 'array', prefixItems: [{ type: 'number' }, { type: 'boolean' }] })).toBe('[number, boolean]');
    expect(schemaOutline({ $defs: { p: { type: 'integer' } }, properties: { x: { $ref: '#/$defs/p' }, y: { $ref: 'other.json' } } })).toBe('{"x": integer, "y": any}');
    const recursive = { $defs: { n: { type: 'object', properties: { next: { $ref: '#/$defs/n' } } } }, $ref: '#/$defs/n' };
    expect(schemaOutline(recursive)).toBe('{"next": {"next": any}}');
    expect(schemaOutline(true)).toBe('any');
    expect(schemaOutline({})).toBe('any');
    expect(schemaOutline({ enum: [1, 2, 3, 4, 5, 6, 7] })).toBe('1|2|3|4|5|6|...');
  });
});

describe('jsonSchemaPrompt', () => {
  it('puts the compact schema and its outline in the system message and the prompt in the user message', () => {
    const messages = jsonSchemaPrompt({ type: 'object', properties: { ok: { type: 'boolean' } } }, 'Is it ok?');
    expect(messages).toEqual([
      { role: 'system', content: `${JSON_SYSTEM_PREFIX}{"type":"object","properties":{"ok":{"type":"boolean"}}}${SHAPE_SEPARATOR}{"ok": boolean}` },
      { role: 'user', content: 'Is it ok?' },
    ]);
  });
});
