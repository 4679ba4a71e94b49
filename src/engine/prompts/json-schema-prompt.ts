import { InputError } from '../../errors.js';
import type { ChatMessage } from './chat-format.js';

/**
 * The prompt `generate()` sends for a JSON Schema, and the exact format the default model was
 * trained on (tools/corpus renders every instruction -> JSON pair through this function):
 *
 *   system: JSON_SYSTEM_PREFIX + compactSchema(schema) + SHAPE_SEPARATOR + schemaOutline(schema)
 *   user:   the caller's prompt
 *
 * The schema is serialized without whitespace and without keywords that constrain nothing, because
 * the default model has 512 positions and a schema's tokens compete with the answer's. The outline
 * after it spells the answer's keys in order with their types (`{"name": string, "age": integer}`),
 * laid out like the answer itself: a small model copies the next key from a fixed offset in the
 * outline far more easily than from inside nested subschemas (measured on the default model: keys were
 * repeated or invented when the prompt held the schema alone).
 */

export const JSON_SYSTEM_PREFIX = 'Answer with JSON only. The JSON must match this schema: ';
export const SHAPE_SEPARATOR = '\nShape: ';

/** Keywords that annotate but never constrain an instance; dropped from the prompt. */
const DROPPED_KEYWORDS = new Set(['$schema', '$id', '$comment', 'examples', 'deprecated', 'readOnly', 'writeOnly']);

/** Keywords whose values are free text; dropped when the schema is long (see `compactSchema`). */
const PROSE_KEYWORDS = new Set(['description', 'title']);

/** A compact schema longer than this many characters loses its descriptions and titles. */
export const PROSE_BUDGET_CHARS = 600;

/** Keywords whose value is a map from names to subschemas (the names are data, not keywords). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

function strip(value: unknown, dropProse: boolean, inSchemaMap: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => strip(v, dropProse, false));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (!inSchemaMap && (DROPPED_KEYWORDS.has(key) || (dropProse && PROSE_KEYWORDS.has(key)))) continue;
    // `enum` and `const` hold instance data: never strip inside them.
    if (!inSchemaMap && (key === 'enum' || key === 'const' || key === 'default')) out[key] = child;
    else out[key] = strip(child, dropProse, !inSchemaMap && SCHEMA_MAPS.has(key));
  }
  return out;
}

/**
 * The schema as one line of JSON: annotation-only keywords removed, and `description`/`title` kept
 * only while the result stays within PROSE_BUDGET_CHARS.
 */
export function compactSchema(schema: unknown): string {
  if (typeof schema === 'boolean') return JSON.stringify(schema);
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new InputError('a JSON Schema must be an object or a boolean', { where: 'schema' });
  }
  const withProse = JSON.stringify(strip(schema, false, false));
  if (withProse.length <= PROSE_BUDGET_CHARS) return withProse;
  return JSON.stringify(strip(schema, true, false));
}

/** Outlines stop here: deeper subschemas read `any`, long objects and enums end in `...`. */
const OUTLINE_DEPTH = 4;
const OUTLINE_KEYS = 24;
const OUTLINE_ENUM = 6;

type SchemaObject = Record<string, unknown>;
const isObject = (v: unknown): v is SchemaObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The local subschema a `$ref` of the form `#/...` points at, or undefined. */
function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * The shape of a complete answer: objects as `{"key": T, ...}` (every property, in schema order),
 * arrays as `[T]`, enums and consts as their JSON literals joined by `|`, unions joined by `|`, scalar
 * types by name, anything else `any`. A hint for the model, not a constraint (constraints are the
 * schema's, enforced by formwork's automata).
 */
export function schemaOutline(schema: unknown): string {
  const outline = (node: unknown, depth: number): string => {
    if (node === true || node === undefined) return 'any';
    if (node === false) return 'never';
    if (!isObject(node) || depth > OUTLINE_DEPTH) return 'any';
    if (typeof node.$ref === 'string') {
      const target = resolveRef(schema, node.$ref);
      return target === undefined || target === node ? 'any' : outline(target, depth + 1);
    }
    if (Array.isArray(node.enum)) {
      const values = node.enum.slice(0, OUTLINE_ENUM).map((v) => JSON.stringify(v));
      return values.join('|') + (node.enum.length > OUTLINE_ENUM ? '|...' : '');
    }
    if ('const' in node) return JSON.stringify(node.const);
    for (const key of ['anyOf', 'oneOf'] as const) {
      const options = node[key];
      if (Array.isArray(options) && options.length > 0) return options.map((o) => outline(o, depth + 1)).join('|');
    }
    if (Array.isArray(node.allOf) && node.allOf.length === 1) return outline(node.allOf[0], depth + 1);
    const types = Array.isArray(node.type) ? node.type : typeof node.type === 'string' ? [node.type] : [];
    if (types.length === 0) {
      if (isObject(node.properties)) types.push('object');
      else if ('items' in node || 'prefixItems' in node) types.push('array');
      else return 'any';
    }
    return types.map((type) => typeOutline(node, String(type), depth)).join('|');
  };
  const typeOutline = (node: SchemaObject, type: string, depth: number): string => {
    if (type === 'object') {
      if (!isObject(node.properties)) return 'object';
      const entries = Object.entries(node.properties);
      const parts = entries.slice(0, OUTLINE_KEYS).map(([key, sub]) => `${JSON.stringify(key)}: ${outline(sub, depth + 1)}`);
      if (entries.length > OUTLINE_KEYS) parts.push('...');
      return `{${parts.join(', ')}}`;
    }
    if (type === 'array') {
      if (Array.isArray(node.prefixItems)) return `[${node.prefixItems.map((s) => outline(s, depth + 1)).join(', ')}]`;
      return `[${outline(node.items, depth + 1)}]`;
    }
    return type;
  };
  return outline(schema, 0);
}

/** The chat messages that ask the default model for a JSON value matching `schema`. */
export function jsonSchemaPrompt(schema: unknown, userPrompt: string): ChatMessage[] {
  return [
    { role: 'system', content: JSON_SYSTEM_PREFIX + compactSchema(schema) + SHAPE_SEPARATOR + schemaOutline(schema) },
    { role: 'user', content: userPrompt },
  ];
}
