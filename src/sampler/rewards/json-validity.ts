import ajv2020Module from 'ajv/dist/2020.js';
import ajvModule from 'ajv';
import ajvFormatsModule from 'ajv-formats';
import { CompileError } from '../../errors.js';
import type { ByteMachine } from '../../grammar/automaton/byte-machine.js';
import { compileJsonSchema } from '../../grammar/jsonschema/index.js';
import { textReward, type Reward } from './reward.js';

// CommonJS packages: under NodeNext the default import is module.exports, whose `default` is the export.
const Ajv2020 = ajv2020Module.default;
const AjvDraft7 = ajvModule.default;
const addFormats = ajvFormatsModule.default;

export interface JsonValidityOptions {
  readonly name?: string;
}

/**
 * 1 when the text is one JSON document (surrounding whitespace allowed) that validates against
 * `schema` (any JSON when no schema is given), else 0. Finished texts are checked by ajv (draft
 * 2020-12, or draft-07 when `$schema` says so) with ajv-formats, compiled once when the reward is made,
 * so a schema ajv rejects is a CompileError here rather than a 0 for every text.
 *
 * Partial texts score 1 while some completion can still be a valid document, else 0, as decided by
 * the project's JSON Schema machine (src/grammar/jsonschema, lenient mode): it rejects a prefix at the
 * first byte no valid document can continue with (a wrong type, a number out of range, a missing
 * required key at `}`). The machine is built on the first partial call, so final-only use never needs it.
 */
export function jsonValidity(schema: unknown = true, options: JsonValidityOptions = {}): Reward {
  const validate = compileAjv(schema);
  let machine: ByteMachine<unknown> | undefined;
  const encoder = new TextEncoder();
  return textReward(options.name ?? 'json', {
    final: (text) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return 0;
      }
      return validate(value) ? 1 : 0;
    },
    partial: (text) => {
      machine ??= compileJsonSchema(schema, { strict: false }).machine as ByteMachine<unknown>;
      const bytes = encoder.encode(text);
      let state: unknown = machine.initial;
      for (let i = 0; i < bytes.length; i++) {
        state = machine.step(state, bytes[i]);
        if (state === undefined) return 0;
      }
      return 1;
    },
  });
}

function compileAjv(schema: unknown): (value: unknown) => boolean {
  const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  const draft7 = typeof declared === 'string' && /draft-0[4-7]/.test(declared);
  const ajv = draft7 ? new AjvDraft7({ strict: false, allErrors: false }) : new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv);
  // ajv 8 knows no draft-04/06 meta-schema: read those documents as draft-07, as the schema compiler does.
  const readable = draft7 && !/draft-07/.test(declared) ? { ...(schema as object), $schema: 'http://json-schema.org/draft-07/schema#' } : schema;
  try {
    const validate = ajv.compile(readable as object | boolean);
    return (value) => validate(value) === true;
  } catch (cause) {
    throw new CompileError(`ajv cannot compile the schema: ${cause instanceof Error ? cause.message : String(cause)}`, { pointer: '', cause });
  }
}
