import ajv2020Module from 'ajv/dist/2020.js';
import ajvModule from 'ajv';
import type { Draft } from './schema-resources.js';

// CommonJS packages: under NodeNext the default import is module.exports, whose `default` is the export.
const Ajv2020 = ajv2020Module.default;
const AjvDraft7 = ajvModule.default;

/**
 * Checks a schema document against its dialect's meta-schema (with ajv's precompiled meta-schema
 * validators, built once per process). Returns the first violation, or undefined when valid.
 */
export interface MetaSchemaError {
  readonly pointer: string;
  readonly keyword: string;
  readonly message: string;
}

const META_URI: Record<Draft, string> = {
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
  '7': 'http://json-schema.org/draft-07/schema',
};

const validators = new Map<Draft, (schema: unknown) => MetaSchemaError | undefined>();

function validatorFor(draft: Draft): (schema: unknown) => MetaSchemaError | undefined {
  let v = validators.get(draft);
  if (v === undefined) {
    const ajv = draft === '2020-12' ? new Ajv2020({ strict: false, logger: false }) : new AjvDraft7({ strict: false, logger: false });
    const meta = ajv.getSchema(META_URI[draft]);
    if (meta === undefined) throw new Error(`ajv has no meta-schema ${META_URI[draft]}`);
    v = (schema: unknown) => {
      if (meta(schema)) return undefined;
      const e = meta.errors?.[0];
      return {
        pointer: e?.instancePath ?? '',
        keyword: e?.instancePath.split('/').pop() ?? '',
        message: e ? `${e.instancePath || '/'} ${e.message ?? 'is invalid'}` : 'does not match the meta-schema',
      };
    };
    validators.set(draft, v);
  }
  return v;
}

export function validateAgainstMetaSchema(schema: unknown, draft: Draft): MetaSchemaError | undefined {
  return validatorFor(draft)(schema);
}
