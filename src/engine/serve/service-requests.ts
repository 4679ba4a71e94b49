import { InputError } from '../../errors.js';
import type { SamplerKind } from '../../sampler/run-sampler.js';
import type { GrammarSpec, JsonOutputOptions } from '../generate/constraint.js';
import type { AnyGenerateOptions } from '../generate/generate-options.js';
import type { ChatMessage } from '../prompts/chat-format.js';

/**
 * The JSON bodies the service takes, checked field by field: a wrong type, an unknown field or a value
 * out of range is an InputError naming the field (answered 400), never a crash further in.
 */

/** `POST /v1/sql`: a question to answer with a query, or a query to run (read-only). */
export type SqlRequest =
  | ({ readonly kind: 'question'; readonly database: string; readonly question: string } & SqlGenerationFields)
  | { readonly kind: 'query'; readonly database: string; readonly sql: string; readonly maxRows?: number };

interface SqlGenerationFields {
  readonly sampler?: SamplerKind;
  readonly particles?: number;
  readonly temperature?: number;
  readonly seed?: number;
  readonly maxTokens?: number;
  readonly maskFuel?: number;
  readonly sampleRows?: number;
  readonly maxRows?: number;
  readonly check?: boolean;
  readonly grammar?: 'schema' | 'plain' | 'none';
}

/** `POST /v1/generate`: generate() options without the model (the service's). */
export type GenerateRequest = Omit<AnyGenerateOptions, 'model' | 'signal' | 'search'>;

export interface RequestLimits {
  /** Largest maxTokens a request may ask for. */
  readonly maxTokens: number;
  /** Largest number of SMC particles. */
  readonly maxParticles: number;
}

const SAMPLERS: readonly SamplerKind[] = ['awrs', 'masked', 'smc', 'greedy', 'sample'];

export function parseSqlRequest(body: unknown, limits: RequestLimits): SqlRequest {
  const o = object(body);
  if (o.sql !== undefined) {
    allowOnly(o, ['database', 'sql', 'maxRows']);
    return { kind: 'query', database: string(o, 'database'), sql: string(o, 'sql'), maxRows: integer(o, 'maxRows', 0, 100_000) };
  }
  allowOnly(o, ['database', 'question', 'sampler', 'particles', 'temperature', 'seed', 'maxTokens', 'maskFuel', 'sampleRows', 'maxRows', 'check', 'grammar']);
  return {
    kind: 'question',
    database: string(o, 'database'),
    question: string(o, 'question'),
    ...sampling(o, limits),
    sampleRows: integer(o, 'sampleRows', 0, 10),
    maxRows: integer(o, 'maxRows', 0, 100_000),
    check: boolean(o, 'check'),
    grammar: choice(o, 'grammar', ['schema', 'plain', 'none'] as const),
  };
}

export function parseGenerateRequest(body: unknown, limits: RequestLimits): GenerateRequest {
  const o = object(body);
  allowOnly(o, ['prompt', 'messages', 'system', 'schema', 'grammar', 'regex', 'json', 'schemaPrompt', 'chatTemplate', 'sampler', 'particles', 'temperature', 'topK', 'topP', 'seed', 'maxTokens', 'maskFuel']);
  const constraints = ['schema', 'grammar', 'regex'].filter((k) => o[k] !== undefined);
  if (constraints.length > 1) throw new InputError(`give at most one of schema, grammar, regex (got ${constraints.join(', ')})`, { where: 'body' });
  if ((o.prompt === undefined) === (o.messages === undefined)) throw new InputError('give prompt (a string) or messages (an array), not both', { where: 'body' });
  return {
    prompt: o.prompt === undefined ? undefined : string(o, 'prompt'),
    messages: o.messages === undefined ? undefined : messages(o.messages),
    system: optionalString(o, 'system'),
    schema: o.schema === undefined ? undefined : jsonSchema(o.schema),
    grammar: o.grammar === undefined ? undefined : grammar(o.grammar),
    regex: optionalString(o, 'regex'),
    json: o.json === undefined ? undefined : jsonOptions(o.json),
    schemaPrompt: boolean(o, 'schemaPrompt'),
    chatTemplate: boolean(o, 'chatTemplate'),
    ...sampling(o, limits),
    topK: integer(o, 'topK', 1, 1_000_000),
    topP: number(o, 'topP', 0, 1),
  };
}

function sampling(o: Record<string, unknown>, limits: RequestLimits) {
  const sampler = choice(o, 'sampler', SAMPLERS);
  const particles = integer(o, 'particles', 1, limits.maxParticles);
  if (particles !== undefined && particles > 1 && sampler !== 'smc') throw new InputError('particles > 1 needs sampler "smc"', { where: 'particles' });
  return {
    sampler,
    particles,
    temperature: number(o, 'temperature', 0, 100),
    seed: integer(o, 'seed', 0, 2 ** 32 - 1),
    maxTokens: integer(o, 'maxTokens', 1, limits.maxTokens),
    // No upper cap: the default is unlimited, so no fuel asks for more work per mask than that.
    maskFuel: integer(o, 'maskFuel', 0, Number.MAX_SAFE_INTEGER),
  };
}

function object(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InputError('the request body must be a JSON object', { where: 'body' });
  return body as Record<string, unknown>;
}

function allowOnly(o: Record<string, unknown>, fields: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!fields.includes(key)) throw new InputError(`unknown field (fields: ${fields.join(', ')})`, { where: key });
  }
}

function string(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') throw new InputError('must be a non-empty string', { where: key });
  return v;
}

function optionalString(o: Record<string, unknown>, key: string): string | undefined {
  return o[key] === undefined ? undefined : string(o, key);
}

function boolean(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new InputError('must be true or false', { where: key });
  return v;
}

function integer(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InputError(max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer in ${min}..${max}`, { where: key });
  }
  return v;
}

function number(o: Record<string, unknown>, key: string, above: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= above || v > max) throw new InputError(`must be a number in (${above}, ${max}]`, { where: key });
  return v;
}

function choice<C extends string>(o: Record<string, unknown>, key: string, choices: readonly C[]): C | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) throw new InputError(`must be one of ${choices.join(', ')}`, { where: key });
  return v as C;
}

function messages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw new InputError('must be a non-empty array of { role, content }', { where: 'messages' });
  return value.map((m, i) => {
    const where = `messages[${i}]`;
    if (m === null || typeof m !== 'object') throw new InputError('must be { role, content }', { where });
    const { role, content } = m as Record<string, unknown>;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') throw new InputError('role must be system, user or assistant', { where });
    if (typeof content !== 'string') throw new InputError('content must be a string', { where });
    return { role, content };
  });
}

function jsonSchema(value: unknown): unknown {
  if (typeof value === 'boolean' || (value !== null && typeof value === 'object' && !Array.isArray(value))) return value;
  throw new InputError('must be a JSON Schema (an object or a boolean)', { where: 'schema' });
}

function grammar(value: unknown): GrammarSpec {
  if (typeof value === 'string') return value;
  const o = object(value);
  allowOnly(o, ['source', 'syntax', 'start']);
  return { source: string(o, 'source'), syntax: choice(o, 'syntax', ['gbnf', 'lark'] as const), start: optionalString(o, 'start') };
}

function jsonOptions(value: unknown): JsonOutputOptions {
  const o = object(value);
  allowOnly(o, ['whitespace', 'propertyOrder', 'maxWhitespaceRun', 'strict', 'numbers']);
  return {
    whitespace: choice(o, 'whitespace', ['flexible', 'compact'] as const),
    propertyOrder: choice(o, 'propertyOrder', ['any', 'schema'] as const),
    maxWhitespaceRun: integer(o, 'maxWhitespaceRun', 0, 1024),
    strict: boolean(o, 'strict'),
    numbers: choice(o, 'numbers', ['bounded', 'exact'] as const),
  };
}
