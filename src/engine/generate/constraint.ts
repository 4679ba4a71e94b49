import { z } from 'zod';
import { InputError } from '../../errors.js';
import type { ByteMachine } from '../../grammar/automaton/byte-machine.js';
import type { TokenAutomaton } from '../../grammar/automaton/token-automaton.js';
import { createTokenAutomaton } from '../../grammar/automaton/trie-token-automaton.js';
import { compileGrammar } from '../../grammar/cfg/index.js';
import { compileJsonSchema, jsonSchemaAutomaton, type CompiledJsonSchema, type NumberForm } from '../../grammar/jsonschema/index.js';
import { compileRegex } from '../../grammar/regex/index.js';
import type { Vocabulary } from '../../grammar/vocab/vocabulary.js';
import type { ZodSchema } from './schema-types.js';

/** A grammar: GBNF text, or `{ source, syntax, start }` for Lark or a start rule other than the default. */
export type GrammarSpec = string | { readonly source: string; readonly syntax?: 'gbnf' | 'lark'; readonly start?: string; readonly name?: string };

/** How JSON output may be laid out (see compileJsonSchema). */
export interface JsonOutputOptions {
  /** 'flexible' (default): JSON whitespace between tokens, as models write it. 'compact': none. */
  readonly whitespace?: 'flexible' | 'compact';
  /** 'any' (default): properties in any order; 'schema': in the order the schema lists them. */
  readonly propertyOrder?: 'any' | 'schema';
  /** Longest whitespace run between two JSON tokens (default 64). */
  readonly maxWhitespaceRun?: number;
  /** Default true: a keyword formwork cannot enforce exactly is a CompileError (with its JSON pointer). */
  readonly strict?: boolean;
  /**
   * 'bounded' (default): number text a sampler cannot run away in (integers as plain digits, bounded
   * fraction and exponent, always finite); 'exact': every JSON number text. See docs/json-schema.md.
   */
  readonly numbers?: NumberForm;
}

/** Exactly one of these (or none: free text). */
export interface ConstraintSpec {
  readonly schema?: unknown;
  readonly grammar?: GrammarSpec;
  readonly regex?: string | RegExp;
  readonly json?: JsonOutputOptions;
}

export type ConstraintKind = 'schema' | 'grammar' | 'regex' | 'none';

/** The result of checking a complete output. */
export type OutputCheck = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly errors: readonly string[] };

/** A compiled constraint, ready for any number of generations with one model. */
export interface Constraint {
  readonly kind: ConstraintKind;
  /** undefined for free text. */
  readonly automaton: TokenAutomaton<unknown> | undefined;
  /** The JSON Schema (a zod schema converted), for the schema-describing system prompt. */
  readonly jsonSchema: unknown;
  /**
   * Validates a complete output and returns the value (parsed JSON for schemas, else the text).
   * `bytes` are the exact bytes of the generated tokens (`text` is their UTF-8 decoding).
   */
  check(text: string, bytes: Uint8Array): OutputCheck;
}

/** The compiled, cacheable part of a constraint (everything but a zod schema's own parse). */
interface CompiledConstraint {
  readonly kind: ConstraintKind;
  readonly automaton: TokenAutomaton<unknown> | undefined;
  readonly jsonSchema: unknown;
  check(text: string, bytes: Uint8Array): OutputCheck;
}

/**
 * Compiled constraints of one model, least recently used first out. Compiling is cheap next to
 * generation (masks are built lazily), but a schema's ajv validator and the masks cached under its
 * machine are worth keeping across calls.
 */
export class ConstraintCache {
  private readonly entries = new Map<string, CompiledConstraint>();

  constructor(readonly capacity = 64) {}

  get size(): number {
    return this.entries.size;
  }

  getOrCompile(key: string, compile: () => CompiledConstraint): CompiledConstraint {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const compiled = compile();
    this.entries.set(key, compiled);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return compiled;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** True for zod v4 schemas (classic and mini both carry `_zod`). */
export function isZodSchema(value: unknown): value is ZodSchema {
  return value !== null && typeof value === 'object' && '_zod' in value;
}

/** zod -> JSON Schema conversions, once per schema object. */
const zodJsonSchemas = new WeakMap<object, unknown>();

/**
 * The JSON Schema of a zod schema (draft 2020-12, as `z.toJSONSchema` writes it). The output type's
 * schema is the tighter one (objects closed, defaults required), and its values parse; a schema with
 * transforms has no output schema, so the model then writes the INPUT type and zod's parse transforms.
 */
export function zodToJsonSchema(schema: ZodSchema): unknown {
  let json = zodJsonSchemas.get(schema);
  if (json === undefined) {
    try {
      json = z.toJSONSchema(schema);
    } catch {
      try {
        json = z.toJSONSchema(schema, { io: 'input' });
      } catch (cause) {
        throw new InputError(`this zod schema has no JSON Schema equivalent (${(cause as Error).message})`, { where: 'schema' });
      }
    }
    zodJsonSchemas.set(schema, json);
  }
  return json;
}

/** Compiles (or finds in `cache`) the constraint of `spec` for `vocabulary`. */
export function resolveConstraint(spec: ConstraintSpec, vocabulary: Vocabulary, cache: ConstraintCache): Constraint {
  const given = (['schema', 'grammar', 'regex'] as const).filter((k) => spec[k] !== undefined);
  if (given.length > 1) throw new InputError(`give one of schema, grammar, regex (got ${given.join(' and ')})`, { where: 'generate' });

  if (spec.schema !== undefined) {
    const zodSchema = isZodSchema(spec.schema) ? spec.schema : undefined;
    const jsonSchema = zodSchema !== undefined ? zodToJsonSchema(zodSchema) : spec.schema;
    if (!(typeof jsonSchema === 'boolean' || (jsonSchema !== null && typeof jsonSchema === 'object' && !Array.isArray(jsonSchema)))) {
      throw new InputError('schema must be a JSON Schema (object or boolean) or a zod schema', { where: 'schema' });
    }
    const json = spec.json ?? {};
    const key = `schema\0${JSON.stringify([json.whitespace, json.propertyOrder, json.maxWhitespaceRun, json.strict, json.numbers])}\0${JSON.stringify(jsonSchema)}`;
    const compiled = cache.getOrCompile(key, () => compileSchemaConstraint(jsonSchema, json, vocabulary));
    if (zodSchema === undefined) return compiled;
    return {
      ...compiled,
      check(text, bytes) {
        const checked = compiled.check(text, bytes);
        if (!checked.ok) return checked;
        // zod's own parse gives the value its output type (defaults, transforms, branded types).
        const parsed = zodSchema.safeParse(checked.value);
        if (parsed.success) return { ok: true, value: parsed.data };
        return { ok: false, errors: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`) };
      },
    };
  }

  if (spec.grammar !== undefined) {
    const grammar = typeof spec.grammar === 'string' ? { source: spec.grammar } : spec.grammar;
    if (typeof grammar.source !== 'string') throw new InputError('grammar must be GBNF text or { source, syntax }', { where: 'grammar' });
    const syntax = grammar.syntax ?? 'gbnf';
    const key = `grammar\0${syntax}\0${grammar.start ?? ''}\0${grammar.source}`;
    return cache.getOrCompile(key, () => {
      const machine = compileGrammar(grammar.source, { syntax, start: grammar.start, sourceName: grammar.name });
      return textConstraint('grammar', machine, vocabulary);
    });
  }

  if (spec.regex !== undefined) {
    const pattern = typeof spec.regex === 'string' ? spec.regex : spec.regex.source;
    const flags = typeof spec.regex === 'string' ? '' : spec.regex.flags;
    if (typeof pattern !== 'string') throw new InputError('regex must be a string or a RegExp', { where: 'regex' });
    return cache.getOrCompile(`regex\0${flags}\0${pattern}`, () => {
      const machine = compileRegex(pattern, { semantics: 'full', flags });
      return textConstraint('regex', machine, vocabulary);
    });
  }

  return { kind: 'none', automaton: undefined, jsonSchema: undefined, check: (text) => ({ ok: true, value: text }) };
}

function compileSchemaConstraint(jsonSchema: unknown, json: JsonOutputOptions, vocabulary: Vocabulary): CompiledConstraint {
  const compiled: CompiledJsonSchema = compileJsonSchema(jsonSchema, {
    strict: json.strict ?? true,
    whitespace: json.whitespace,
    propertyOrder: json.propertyOrder,
    maxWhitespaceRun: json.maxWhitespaceRun,
    numbers: json.numbers,
  });
  const automaton = jsonSchemaAutomaton(compiled, vocabulary) as TokenAutomaton<unknown>;
  return {
    kind: 'schema',
    automaton,
    jsonSchema,
    check(text) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        return { ok: false, errors: [`not JSON: ${(error as Error).message}`] };
      }
      // ajv (when it can compile the schema) and the schema machine's own semantics, both.
      if (!compiled.validate(value)) return { ok: false, errors: ['the value does not validate against the schema (ajv)'] };
      return { ok: true, value };
    },
  };
}

/** A grammar or regex: the output is the text, checked by running its bytes through the machine again. */
function textConstraint(kind: 'grammar' | 'regex', machine: ByteMachine<unknown>, vocabulary: Vocabulary): CompiledConstraint {
  const automaton = createTokenAutomaton(machine, vocabulary) as TokenAutomaton<unknown>;
  return {
    kind,
    automaton,
    jsonSchema: undefined,
    check(text, bytes) {
      let state: unknown = machine.initial;
      for (let i = 0; i < bytes.length && state !== undefined; i++) state = machine.step(state, bytes[i]);
      if (state !== undefined && machine.accepts(state)) return { ok: true, value: text };
      return { ok: false, errors: [`the text is not a complete match of the ${kind}`] };
    },
  };
}
