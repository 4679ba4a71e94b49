import type { JSONSchemaType } from 'ajv';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { generate, streamGenerate, type DeepPartial, type GenerateResult, type InferSchema } from '../../src/index.js';

/**
 * The output type of generate() follows from the schema without casts (issue 6): const JSON Schema
 * literals (json-schema-to-ts), zod v4 schemas, ajv's JSONSchemaType<T>; grammars, regexes and free
 * text give strings. vitest type-checks this file (vitest.config.ts: typecheck.include).
 */

interface Person {
  name: string;
  age: number;
  email?: string;
}

const personSchema: JSONSchemaType<Person> = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' }, email: { type: 'string', nullable: true } },
  required: ['name', 'age'],
  additionalProperties: false,
};

describe('generate<T>() value types', () => {
  it('infers a const JSON Schema literal written inline', () => {
    const result = generate({
      prompt: 'x',
      schema: {
        type: 'object',
        properties: { title: { type: 'string' }, year: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
        required: ['title', 'year'],
        additionalProperties: false,
      },
    });
    expectTypeOf(result).resolves.toEqualTypeOf<GenerateResult<{ title: string; year: number; tags?: string[] }>>();
  });

  it('infers a schema declared `as const` elsewhere', () => {
    const schema = { type: 'array', items: { enum: ['red', 'green'] } } as const;
    expectTypeOf(generate({ prompt: 'x', schema })).resolves.toHaveProperty('value').toEqualTypeOf<('red' | 'green')[]>();
    expectTypeOf<InferSchema<typeof schema>>().toEqualTypeOf<('red' | 'green')[]>();
  });

  it('infers zod v4 schemas (z.output)', () => {
    const schema = z.object({ name: z.string(), score: z.number().optional(), kind: z.enum(['a', 'b']) });
    expectTypeOf(generate({ prompt: 'x', schema })).resolves.toHaveProperty('value').toEqualTypeOf<{ name: string; score?: number | undefined; kind: 'a' | 'b' }>();
    const transformed = z.string().transform((s) => s.length);
    expectTypeOf(generate({ prompt: 'x', schema: transformed })).resolves.toHaveProperty('value').toEqualTypeOf<number>();
  });

  it('takes an explicit T with ajv JSONSchemaType<T>, inferred or given', () => {
    expectTypeOf(generate({ prompt: 'x', schema: personSchema })).resolves.toHaveProperty('value').toEqualTypeOf<Person>();
    expectTypeOf(generate<Person>({ prompt: 'x', schema: personSchema })).resolves.toHaveProperty('value').toEqualTypeOf<Person>();
  });

  it('gives unknown for a schema only known at run time', () => {
    const loaded = JSON.parse('{"type":"object"}') as Record<string, unknown>;
    expectTypeOf(generate({ prompt: 'x', schema: loaded })).resolves.toHaveProperty('value').toEqualTypeOf<unknown>();
  });

  it('gives strings for grammars, regexes and free text', () => {
    expectTypeOf(generate({ prompt: 'x', grammar: 'root ::= "a"' })).resolves.toHaveProperty('value').toEqualTypeOf<string>();
    expectTypeOf(generate({ prompt: 'x', grammar: { source: 'start: "a"', syntax: 'lark' } })).resolves.toHaveProperty('value').toEqualTypeOf<string>();
    expectTypeOf(generate({ prompt: 'x', regex: /\d+/ })).resolves.toHaveProperty('value').toEqualTypeOf<string>();
    expectTypeOf(generate({ prompt: 'x' })).resolves.toHaveProperty('value').toEqualTypeOf<string>();
  });

  it('refuses two constraints at once and a wrong sampler name', () => {
    // @ts-expect-error schema and regex are exclusive
    void generate({ prompt: 'x', schema: { type: 'string' }, regex: 'a' });
    // @ts-expect-error not a sampler
    void generate({ prompt: 'x', sampler: 'beam' });
  });

  it('carries SMC particles and log Z as optional fields', () => {
    type R = GenerateResult<string>;
    expectTypeOf<R['particles']>().toEqualTypeOf<readonly import('../../src/index.js').ParticleOutput[] | undefined>();
    expectTypeOf<R['logZ']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<R['finishReason']>().toEqualTypeOf<'stop' | 'length'>();
  });
});

describe('streamGenerate() types', () => {
  it('streams deep-partial values of the schema type and resolves to the full result', () => {
    const stream = streamGenerate({ prompt: 'x', schema: z.object({ a: z.object({ b: z.array(z.number()) }), c: z.string() }) });
    type Value = { a: { b: number[] }; c: string };
    expectTypeOf(stream.result).resolves.toHaveProperty('value').toEqualTypeOf<Value>();
    expectTypeOf(stream.partialObjectStream).toEqualTypeOf<AsyncIterable<DeepPartial<Value>>>();
    expectTypeOf(stream.textStream).toEqualTypeOf<AsyncIterable<string>>();
    expectTypeOf<DeepPartial<Value>>().toEqualTypeOf<{ a?: { b?: number[] }; c?: string }>();
  });
});
