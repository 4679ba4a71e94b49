import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ajv2020Module from 'ajv/dist/2020.js';
import ajvModule from 'ajv';
import ajvFormatsModule from 'ajv-formats';
import { vi } from 'vitest';
import { FunctionDecoder } from '../../../src/engine/decoder/function-decoder.js';
import { Model } from '../../../src/engine/generate/model.js';
import { DEFAULT_CHAT_TEMPLATE } from '../../../src/engine/prompts/chat-format.js';
import { TrieTokenAutomaton } from '../../../src/grammar/automaton/trie-token-automaton.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { repoRoot } from '../../support/shared-data.js';

/**
 * Models and schemas for the API tests.
 *
 * - jsonMindedModel: a byte-level toy model (token 0 = EOS, token 1 + b = byte b) given as a function,
 *   whose next-token preferences hardly depend on the prefix and favour closing what is open (EOS,
 *   `"`, `}`, `]`) over going on. Under any schema it finishes quickly, and it is fast and exact. Given
 *   `names` (propertyNames(schema)), it spells those names when it writes an object key, preferring
 *   names it has not written yet: open objects with required properties then complete too.
 * - defaultModelDir: models/default, the trained default model (ONNX Llama, byte-level BPE tokenizer,
 *   the default chat template), read in place.
 */
export function jsonMindedModel(options: { maxLength?: number; eosBias?: number; names?: readonly string[] } = {}): Model {
  const names = (options.names ?? []).filter((n) => /^[\x20-\x7e]*$/.test(n) && !/["\\]/.test(n));
  const tokens = [new Uint8Array(0), ...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b))];
  const vocabulary = vocabularyFromBytes(tokens, { eosIds: [0] });
  const preference = new Float64Array(257);
  for (let b = 0; b < 256; b++) {
    const c = String.fromCharCode(b);
    // Escapes are rare in real outputs; numbers and words end soon; commas and colons come before more text.
    preference[1 + b] =
      c === '"' ? 10 : c === '}' || c === ']' || c === ')' ? 9 : c === ':' ? 4 : c === ',' ? 2.5 : /[0-9a-z]/.test(c) ? 0 : c === '{' || c === '[' ? 1 : c === ' ' ? -2 : c === '\\' || b < 0x20 || b > 0x7e ? -8 : 0;
  }
  const eosBias = options.eosBias ?? 12;
  const decoder = new FunctionDecoder(
    (prefix) => {
      const logits = Float64Array.from(preference);
      logits[0] = eosBias;
      // A little dependence on the previous byte, so that sampled outputs differ in more than one place.
      const last = prefix.length > 0 ? prefix[prefix.length - 1] : 0;
      logits[1 + 0x61 + ((last * 7) % 26)] += 1.5;
      if (names.length > 0) spellKey(prefix, names, logits);
      return logits;
    },
    { vocabSize: 257, eosIds: [0], maxLength: options.maxLength ?? 4096 },
  );
  return Model.fromParts({ decoder, vocabulary, chatTemplate: DEFAULT_CHAT_TEMPLATE, name: 'json-minded' });
}

const ASSISTANT = '<|assistant|>';

/** Inside an object key, boosts the next byte of a known property name (unused names first). */
function spellKey(prefix: readonly number[], names: readonly string[], logits: Float64Array): void {
  let text = '';
  for (const id of prefix) if (id > 0) text += String.fromCharCode(id - 1);
  const generated = text.slice(text.lastIndexOf(ASSISTANT) + ASSISTANT.length);
  const key = keyBeingWritten(generated);
  if (key === undefined) return;
  const candidates = names.filter((n) => n.startsWith(key));
  const unused = candidates.filter((n) => !generated.includes(`"${n}":`));
  const name = (unused.length > 0 ? unused : candidates)[0];
  if (name === undefined) return;
  if (name === key) logits[1 + 0x22] = 13;
  else logits[1 + name.charCodeAt(key.length)] = 12;
}

/** The text of the object key being written at the end of `json`, or undefined when not in a key. */
function keyBeingWritten(json: string): string | undefined {
  const stack: string[] = [];
  let inString = false;
  let isKey = false;
  let escape = false;
  let expectKey = false;
  let current = '';
  for (const c of json) {
    if (inString) {
      if (escape) escape = false;
      else if (c === '\\') escape = true;
      else if (c === '"') inString = false;
      else current += c;
      continue;
    }
    if (c === '"') {
      inString = true;
      isKey = expectKey;
      expectKey = false;
      current = '';
    } else if (c === '{' || c === '[') {
      stack.push(c);
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] === '{';
    } else if (c === ':') {
      expectKey = false;
    }
  }
  return inString && isKey ? current : undefined;
}

/** Property names of a schema, at any depth: required ones first. */
export function propertyNames(schema: unknown): string[] {
  const required = new Set<string>();
  const all = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (Array.isArray(record.required)) for (const n of record.required) if (typeof n === 'string') required.add(n);
    if (record.properties !== null && typeof record.properties === 'object') for (const n of Object.keys(record.properties)) all.add(n);
    for (const [key, value] of Object.entries(record)) if (key !== 'enum' && key !== 'const' && key !== 'examples' && key !== 'default') walk(value);
  };
  walk(schema);
  return [...required, ...[...all].filter((n) => !required.has(n))];
}

/** The trained default model, shipped in the repository (models/default/README.md). */
export const defaultModelDir: string = join(repoRoot, 'models', 'default');

const Ajv2020 = ajv2020Module.default;
const AjvDraft7 = ajvModule.default;
const addFormats = ajvFormatsModule.default;

/**
 * An independent validator (ajv + formats, for the draft the schema's `$schema` names: draft-07, else
 * 2020-12), as a user would check the values they get.
 */
export function independentValidator(schema: unknown): (value: unknown) => boolean {
  const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  const draft7 = typeof declared === 'string' && /draft-07/.test(declared);
  const ajv = draft7 ? new AjvDraft7({ strict: false, allErrors: false }) : new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv);
  const validate = ajv.compile(schema as object);
  return (value) => validate(value) as boolean;
}

/** Schemas every sampler is run over: the project's examples (schemas/examples) and a few of our own. */
export function exampleSchemas(): { name: string; schema: unknown }[] {
  const dir = join(repoRoot, 'schemas', 'examples');
  const shipped = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: `schemas/examples/${f}`, schema: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown }));
  return [...shipped, ...OWN_SCHEMAS];
}

const OWN_SCHEMAS: { name: string; schema: unknown }[] = [
  {
    name: 'person (required, closed)',
    schema: {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer', minimum: 0, maximum: 130 }, email: { type: 'string', format: 'email' } },
      required: ['name', 'age'],
      additionalProperties: false,
    },
  },
  { name: 'enum', schema: { enum: ['red', 'green', 'blue', 42, null] } },
  { name: 'integer range', schema: { type: 'integer', minimum: -5, maximum: 1000, multipleOf: 5 } },
  { name: 'array of numbers', schema: { type: 'array', items: { type: 'number' }, minItems: 1, maxItems: 4 } },
  { name: 'string pattern', schema: { type: 'string', pattern: '^[A-Z]{2}-[0-9]{3}$' } },
  { name: 'date', schema: { type: 'string', format: 'date' } },
  {
    name: 'nested with $defs',
    schema: {
      type: 'object',
      $defs: { point: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, required: ['x', 'y'], additionalProperties: false } },
      properties: { from: { $ref: '#/$defs/point' }, to: { $ref: '#/$defs/point' }, label: { type: 'string', maxLength: 8 } },
      required: ['from', 'to'],
      additionalProperties: false,
    },
  },
  { name: 'anyOf', schema: { anyOf: [{ type: 'boolean' }, { type: 'string', maxLength: 3 }, { type: 'array', items: { type: 'integer' }, maxItems: 2 }] } },
  { name: 'tuple', schema: { type: 'array', prefixItems: [{ type: 'string', maxLength: 4 }, { type: 'integer' }], items: false, minItems: 2 } },
  { name: 'open object', schema: { type: 'object', properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['id', 'tags'] } },
];

/** The fuel of every mask computed while `body` runs (a spy on the trie token automaton's `mask`). */
export async function maskFuelsOf(body: () => Promise<unknown>): Promise<number[]> {
  const fuels: number[] = [];
  const mask = TrieTokenAutomaton.prototype.mask;
  const spy = vi.spyOn(TrieTokenAutomaton.prototype, 'mask').mockImplementation(function (this: TrieTokenAutomaton<unknown>, state, out) {
    fuels.push(this.fuel);
    return mask.call(this, state, out);
  });
  try {
    await body();
  } finally {
    spy.mockRestore();
  }
  return fuels;
}
