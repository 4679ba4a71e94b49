import type { JSONSchemaType } from 'ajv';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { z } from 'zod';

/**
 * How the type of `value` follows from the schema a caller passes, without casts:
 * - a zod v4 schema: `z.output<typeof schema>`;
 * - an ajv `JSONSchemaType<T>` (explicit T): T;
 * - a JSON Schema literal written inline or `as const`: inferred by json-schema-to-ts (`FromSchema`);
 * - a schema only known at run time (`object`, parsed from a file): `unknown`.
 */
export type { JSONSchema, JSONSchemaType, FromSchema };

/** Any zod v4 schema (classic or mini). */
export type ZodSchema = z.ZodType;

/** A JSON Schema given as a plain value whose shape the type system does not know. */
export type RuntimeJsonSchema = boolean | Readonly<Record<string, unknown>>;

/** Every kind of schema `generate()` takes. */
export type SchemaInput = ZodSchema | JSONSchema | RuntimeJsonSchema;

/** The value type of a schema (see above). */
export type InferSchema<S> = S extends ZodSchema ? z.output<S> : S extends JSONSchema ? FromSchema<S> : unknown;

/**
 * What a value looks like while its JSON is still being generated: objects miss properties, arrays
 * miss elements, and the last string may be cut short. Every partial is a prefix of the final value.
 */
export type DeepPartial<T> = T extends readonly (infer E)[]
  ? DeepPartial<E>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
