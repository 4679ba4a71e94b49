import ajv2020Module from 'ajv/dist/2020.js';
import ajvModule from 'ajv';
import ajvFormatsModule from 'ajv-formats';
import { ASSERTED_FORMATS, formatPredicate } from './formats.js';
import { DEFAULT_BASE, isObject, legacyLevel, type Draft } from './schema-resources.js';

// CommonJS packages: under NodeNext the default import is module.exports, whose `default` is the export.
const Ajv2020 = ajv2020Module.default;
const AjvDraft7 = ajvModule.default;
const addFormats = ajvFormatsModule.default;

/**
 * The reference validator: ajv (draft 2020-12 or draft-07) with ajv-formats asserting the formats the
 * specification defines. The machine uses it as the final check of every complete document, so a bug
 * in the automaton can never let an invalid document through. It is compiled lazily: ajv generates
 * code per schema (milliseconds), and many machines never complete a document.
 */
export interface ReferenceValidator {
  /** Validates a whole document; throws when ajv could not compile the schema (see `available`). */
  validate(value: unknown): boolean;
  /** False when ajv cannot compile this schema (then `reason` says why). Compiles on first call. */
  available(): boolean;
  readonly reason: string | undefined;
}

type AjvInstance = InstanceType<typeof Ajv2020>;

/** Formats of ajv-formats that the specification does not define: annotations, as everywhere else. */
const NON_STANDARD = ['int32', 'int64', 'float', 'double', 'byte', 'password', 'binary', 'url', 'json-pointer-uri-fragment', 'iso-time', 'iso-date-time'];

/** ECMA-262 patterns as ajv compiles them, except that non-Unicode-only syntax falls back as ours does. */
function regExpEngine(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch {
    return new RegExp(pattern, flags.replace('u', ''));
  }
}
regExpEngine.code = 'new RegExp';

function collectFormats(schema: unknown, out: Set<string>): void {
  if (Array.isArray(schema)) for (const s of schema) collectFormats(s, out);
  else if (isObject(schema)) {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'format' && typeof v === 'string') out.add(v);
      collectFormats(v, out);
    }
  }
}

/**
 * Whether a string anywhere but under `$schema` names json-schema.org: a reference (or a base URI that
 * a relative reference resolves against) that may reach one of ajv's meta-schemas. Without one, ajv is
 * built without them (measured: ~0.3 ms of its ~1.5 ms per schema).
 */
function mentionsMetaSchemas(schema: unknown): boolean {
  if (typeof schema === 'string') return schema.includes('json-schema.org');
  if (Array.isArray(schema)) return schema.some(mentionsMetaSchemas);
  if (isObject(schema)) {
    for (const [k, v] of Object.entries(schema)) if (k !== '$schema' && mentionsMetaSchemas(v)) return true;
  }
  return false;
}

/**
 * The document as ajv should read it. ajv 8 knows draft-07 (not 04/06) and, even in draft-07 mode,
 * applies the siblings of `$ref`, which draft-07 ignores; so draft-07-family documents are handed over
 * with `$ref` siblings dropped, draft-04 `id` renamed `$id`, and the keywords their dialect does not
 * have (if/then/else before draft-07, const/contains/propertyNames before draft-06) removed.
 */
function forAjv(schema: unknown, draft: Draft): unknown {
  if (draft !== '7' || !isObject(schema)) return schema;
  const level = legacyLevel(schema);
  const rewrite = (s: unknown): unknown => {
    if (!isObject(s)) return s;
    if (typeof s.$ref === 'string') return { $ref: s.$ref };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (level < 7 && (k === 'if' || k === 'then' || k === 'else')) continue;
      if (level < 6 && (k === 'const' || k === 'contains' || k === 'propertyNames')) continue;
      out[level === 4 && k === 'id' && typeof v === 'string' ? '$id' : k] = v;
    }
    for (const k of ['additionalProperties', 'propertyNames', 'contains', 'not', 'if', 'then', 'else', 'additionalItems']) {
      if (k in out) out[k] = rewrite(out[k]);
    }
    if ('items' in out) out.items = Array.isArray(out.items) ? out.items.map(rewrite) : rewrite(out.items);
    for (const k of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(out[k])) out[k] = (out[k] as unknown[]).map(rewrite);
    for (const k of ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']) {
      const m = out[k];
      if (isObject(m)) out[k] = Object.fromEntries(Object.entries(m).map(([name, v]) => [name, Array.isArray(v) ? v : rewrite(v)]));
    }
    return out;
  };
  const root = rewrite(schema) as Record<string, unknown>;
  if (level < 7) root.$schema = 'http://json-schema.org/draft-07/schema#';
  return root;
}

/**
 * `$async: true` is ajv's own keyword, not JSON Schema: it asks ajv for a validator that returns a
 * Promise, which a synchronous check would read as "valid" whatever the document. It has no validation
 * meaning, so the copy handed to ajv drops it (ajv honours it only at the root of a schema).
 */
function withoutAsync(schema: unknown): unknown {
  if (!isObject(schema) || !('$async' in schema)) return schema;
  const { $async: _async, ...rest } = schema;
  return rest;
}

export function referenceValidator(
  root: unknown,
  draft: Draft,
  remotes: Record<string, unknown> | undefined,
): ReferenceValidator {
  let main: ((v: unknown) => boolean) | undefined;
  let reason: string | undefined;
  let tried = false;

  const build = () => {
    if (tried) return;
    tried = true;
    try {
      // Only the verdict is read: no error messages, and unoptimized code (ajv's optimizer passes cost
      // more than they save on one document per generation; measured on 300 MaskBench schemas: compile
      // p50 ~2.0 -> ~0.9 ms, mean ~9.7 -> ~3.3 ms, the same verdicts on every instance).
      // ajv's meta-schemas are only needed when a reference can reach one (validateSchema is off).
      const meta = mentionsMetaSchemas(root) || Object.values(remotes ?? {}).some(mentionsMetaSchemas);
      const options = { strict: false, validateSchema: false, logger: false as const, messages: false, meta, code: { regExp: regExpEngine, optimize: false } };
      const instance = (draft === '2020-12' ? new Ajv2020(options) : new AjvDraft7(options)) as AjvInstance;
      addFormats(instance, { mode: 'full', keywords: false });
      for (const name of NON_STANDARD) instance.addFormat(name, true);
      // Formats ajv-formats lacks: ajv checks them with this module's own definitions.
      for (const name of ['iri', 'iri-reference', 'idn-hostname', 'idn-email']) instance.addFormat(name, formatPredicate(name)!);
      const used = new Set<string>();
      collectFormats(root, used);
      for (const r of Object.values(remotes ?? {})) collectFormats(r, used);
      for (const name of used) {
        if (!ASSERTED_FORMATS.has(name)) instance.addFormat(name, true);
      }
      for (const [uri, schema] of Object.entries(remotes ?? {})) {
        try {
          instance.addSchema(withoutAsync(forAjv(schema, draft)) as object, uri);
        } catch {
          // A remote ajv cannot read (another dialect): references to it will fail to compile below.
        }
      }
      const doc = withoutAsync(forAjv(root, draft));
      if (typeof doc === 'boolean') {
        main = () => doc;
      } else {
        instance.addSchema(doc as object, DEFAULT_BASE);
        const v = instance.getSchema(DEFAULT_BASE);
        if (v === undefined) throw new Error('ajv did not register the schema');
        main = (value) => {
          const verdict: unknown = v(value);
          // A validator that answers anything but a boolean (a Promise, say) has not decided: never read it as valid.
          if (typeof verdict !== 'boolean') throw new Error(`ajv answered ${typeof verdict} instead of true/false`);
          return verdict;
        };
      }
    } catch (error) {
      reason = `ajv cannot compile this schema: ${(error as Error).message}`;
    }
  };

  return {
    validate(value) {
      build();
      if (main === undefined) throw new Error(reason);
      return main(value);
    },
    available() {
      build();
      return main !== undefined;
    },
    get reason() {
      return reason;
    },
  };
}
