import ajv2020Module from 'ajv/dist/2020.js';
import ajvModule from 'ajv';
import ajvFormatsModule from 'ajv-formats';
import ajvUriModule from 'ajv/dist/runtime/uri.js';
import ajvValidateModule from 'ajv/dist/compile/validate/index.js';
import type { UriResolver } from 'ajv/dist/types/index.js';
import { ASSERTED_FORMATS, formatPredicate } from './formats.js';
import { DEFAULT_BASE, isObject, legacyLevel, type Draft } from './schema-resources.js';

// CommonJS packages: under NodeNext the default import is module.exports, whose `default` is the export.
const Ajv2020 = ajv2020Module.default;
const AjvDraft7 = ajvModule.default;
const addFormats = ajvFormatsModule.default;
const ajvUri = ajvUriModule.default;

/**
 * The reference validator: ajv (draft 2020-12 or draft-07) with ajv-formats asserting the formats the
 * specification defines. The machine uses it as the final check of every complete document, so a bug
 * in the automaton can never let an invalid document through. It is compiled on first use (ajv
 * generates code per schema, milliseconds): jsonSchemaAutomaton asks for it when the automaton is built.
 */
export interface ReferenceValidator {
  /** Validates a whole document; throws when ajv could not compile the schema (see `available`). */
  validate(value: unknown): boolean;
  /** False when ajv cannot compile this schema (then `reason` says why). Compiles on first call. */
  available(): boolean;
  readonly reason: string | undefined;
}

type AjvInstance = InstanceType<typeof Ajv2020>;

/**
 * ajv instances made by this module: their generated code builds no error objects (see below).
 * Other ajv instances in the process (the meta-schema check's, a caller's own) are left alone.
 */
const verdictOnlyInstances = new WeakSet<object>();

/**
 * Verdict-only code. Only the verdict is read, but ajv has no option to skip error reporting: every
 * keyword's failure path builds an error object (instance path, schema path, keyword, params), and
 * generating that code is a good part of a compile. ajv itself skips it under `not`, `if` and
 * `additionalProperties` by setting `createErrors: false` in the schema context; wrapping
 * `validateFunctionCode` (compile/index.js calls it through the module's exports) sets the same flag in
 * the root context of every function generated for this module's instances. A failing validator then
 * still returns false (its `errors` hold empty objects). Measured on the 3,125 MaskBench dev schemas,
 * same process, alternated: compile time -12% in all, p99 29.2 -> 26.8 ms; every instance gets the same
 * verdict. Where a later ajv lays its modules out otherwise the wrapper is not installed, and the
 * validators are as before (with errors): `VERDICT_ONLY` says which.
 */
export const VERDICT_ONLY = installVerdictOnly();

function installVerdictOnly(): boolean {
  type SchemaContext = { self: unknown; createErrors?: boolean };
  const module = ajvValidateModule as unknown as { validateFunctionCode?: (it: SchemaContext) => void };
  const original = module.validateFunctionCode;
  if (typeof original !== 'function') return false;
  module.validateFunctionCode = function validateFunctionCode(it: SchemaContext): void {
    if (verdictOnlyInstances.has(it.self as object)) it.createErrors = false;
    original(it);
  };
  return true;
}

/**
 * ajv hands `new Function` the source `<scope constants>return function validateN(...) {...}`, so V8
 * pre-parses the validator and compiles it fully on its first call: the first document's final check,
 * inside a mask (MaskBench dev: 4 ms on average for the 58 schemas whose final mask took over 4 ms).
 * A parenthesized function expression is compiled eagerly instead, with the rest of ajv's compile; done
 * for the schema's root function, which every validation calls (the functions of referenced schemas
 * stay lazy: a document may never reach them). Measured with verdict-only code, 3,125 schemas, same
 * process: first validation in all 1,392 -> 399 ms, first validations over 2 ms 104 -> 23, compile
 * time in all still 9% below ajv's default code.
 */
export function eagerRootFunction(source: string, env?: { root?: unknown }): string {
  if (env === undefined || env.root !== env) return source;
  const at = source.indexOf('return function ');
  return at < 0 ? source : `${source.slice(0, at)}return (${source.slice(at + 'return '.length)})`;
}

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

/** What the document asks of an ajv instance, found in one walk over every value of it. */
interface AjvNeeds {
  /** Every string under a `format` key: the formats ajv will look up. */
  readonly formats: Set<string>;
  /**
   * Whether a string anywhere but under `$schema` names json-schema.org: a reference (or a base URI
   * that a relative reference resolves against) that may reach one of ajv's meta-schemas. Without
   * one, ajv is built without them (measured: ~0.3 ms of its ~1.5 ms per schema).
   */
  meta: boolean;
  /**
   * Whether any object has an `unevaluatedProperties` or `unevaluatedItems` key (wherever it is: a
   * superset of the keywords ajv compiles). Without one, tracking evaluated properties and items is
   * dead code (only those two keywords read it), so ajv may skip generating it.
   */
  unevaluated: boolean;
}

/** `inSchemaKey`: the value is under a `$schema` key, whose strings do not count for `meta`. */
function scanForAjv(value: unknown, needs: AjvNeeds, inSchemaKey = false): void {
  if (typeof value === 'string') {
    if (!inSchemaKey && value.includes('json-schema.org')) needs.meta = true;
  } else if (Array.isArray(value)) {
    for (const v of value) scanForAjv(v, needs, inSchemaKey);
  } else if (isObject(value)) {
    for (const k in value) {
      const v = value[k];
      if (k === 'format' && typeof v === 'string') needs.formats.add(v);
      if (k === 'unevaluatedProperties' || k === 'unevaluatedItems') needs.unevaluated = true;
      scanForAjv(v, needs, inSchemaKey || k === '$schema');
    }
  }
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

type UriComponent = ReturnType<UriResolver['parse']>;

/**
 * ajv's own URI resolver (fast-uri) behind memos: every compile parses and resolves the same URIs
 * again and again (the base URI, each `$ref` against its base): ~10% of ajv's compile time in a CPU
 * profile of the 300-file MaskBench sample. All three are pure functions of their arguments; parsed components are frozen
 * (fast-uri's serialize copies its argument, ajv only reads them), so one can serve every caller.
 */
const parsedUris = new Map<string, UriComponent>();
const serializedUris = new WeakMap<UriComponent, string>();
const resolvedUris = new Map<string, string>();
/** Entries per memo before it starts over (bounded memory whatever the schemas). */
const URI_MEMO_LIMIT = 4096;

const memoUriResolver: UriResolver = {
  parse(uri) {
    let c = parsedUris.get(uri);
    if (c === undefined) {
      c = Object.freeze(ajvUri.parse(uri));
      if (parsedUris.size >= URI_MEMO_LIMIT) parsedUris.clear();
      parsedUris.set(uri, c);
    }
    return c;
  },
  serialize(component) {
    let s = serializedUris.get(component);
    if (s === undefined) {
      s = ajvUri.serialize(component);
      if (Object.isFrozen(component)) serializedUris.set(component, s);
    }
    return s;
  },
  resolve(base, path) {
    const key = `${base.length}:${base}${path}`;
    let r = resolvedUris.get(key);
    if (r === undefined) {
      r = ajvUri.resolve(base, path);
      if (resolvedUris.size >= URI_MEMO_LIMIT) resolvedUris.clear();
      resolvedUris.set(key, r);
    }
    return r;
  },
};

/**
 * A new ajv instance for one dialect. Only the verdict is read: no error messages, and unoptimized
 * code (ajv's optimizer passes cost more than they save on one document per generation; measured on
 * 300 MaskBench schemas: compile p50 ~2.0 -> ~0.9 ms, mean ~9.7 -> ~3.3 ms, the same verdicts on every
 * instance). Referenced schemas are compiled once each as functions instead of inlined at every
 * `$ref` (`inlineRefs: false`): large schemas reference the same definitions many times, and each
 * `$ref` generated and parsed the definition's code again (MaskBench dev, every 10th file: compile
 * p90 6.4 -> 4.8 ms; its 60 slowest schemas: 3.56 -> 3.35 s in all, ajv being 84% of that time).
 * ajv's meta-schemas are only loaded when `meta` (validateSchema is off). Without `unevaluated`, a
 * draft 2020-12 instance generates no evaluated-property/item tracking, which only
 * `unevaluatedProperties`/`unevaluatedItems` read (Ajv2020 forces the option on; the flag is read
 * when code is generated). The code builds no error objects (VERDICT_ONLY) and compiles the schema's
 * root function eagerly (eagerRootFunction).
 */
function newInstance(draft: Draft, meta: boolean, unevaluated: boolean): AjvInstance {
  const options = { strict: false, validateSchema: false, logger: false as const, messages: false, meta, uriResolver: memoUriResolver, code: { regExp: regExpEngine, optimize: false, process: eagerRootFunction }, inlineRefs: false };
  const instance = (draft === '2020-12' ? new Ajv2020(options) : new AjvDraft7(options)) as AjvInstance;
  if (!unevaluated) instance.opts.unevaluated = false;
  verdictOnlyInstances.add(instance);
  addFormats(instance, { mode: 'full', keywords: false });
  for (const name of NON_STANDARD) instance.addFormat(name, true);
  // Formats ajv-formats lacks: ajv checks them with this module's own definitions.
  for (const name of ['iri', 'iri-reference', 'idn-hostname', 'idn-email']) instance.addFormat(name, formatPredicate(name)!);
  return instance;
}

/**
 * Formats the schema names that the specification does not define (or this module does not assert):
 * annotations, as everywhere else. A name gets `true` before any schema using it compiles, and keeps
 * it, so an instance shared by many schemas never changes a format a compiled validator captured.
 */
function addAnnotationFormats(instance: AjvInstance, formats: ReadonlySet<string>): void {
  for (const name of formats) {
    if (!ASSERTED_FORMATS.has(name)) instance.addFormat(name, true);
  }
}

interface SharedInstance {
  readonly instance: AjvInstance;
  compiled: number;
}

/**
 * ajv instances shared by the schemas compiled without remotes, one per dialect and option set:
 * building one (its vocabularies, rules and formats) cost ~0.25-0.35 ms of a ~1.4 ms ajv compile
 * (MaskBench 300-file sample, p50). Each schema is removed again after its validator is generated,
 * every `$id` it registered with it, so no schema can resolve a reference into another. ajv's value
 * scope still keeps every generated validator (their code indexes into it), so an instance is
 * replaced after SHARED_COMPILES schemas: that bounds what the shared instances hold.
 */
const sharedInstances = new Map<string, SharedInstance>();
const SHARED_COMPILES = 64;

/** The validator of `doc` generated by a shared instance, which is left as it was found. */
function compileShared(doc: object, draft: Draft, needs: AjvNeeds): (value: unknown) => unknown {
  const key = `${draft} ${needs.meta} ${needs.unevaluated}`;
  let entry = sharedInstances.get(key);
  if (entry === undefined || entry.compiled >= SHARED_COMPILES) {
    entry = { instance: newInstance(draft, needs.meta, needs.unevaluated), compiled: 0 };
    sharedInstances.set(key, entry);
  }
  entry.compiled++;
  const { instance } = entry;
  addAnnotationFormats(instance, needs.formats);
  const refs = new Set(Object.keys(instance.refs));
  const schemas = new Set(Object.keys(instance.schemas));
  let compiled = false;
  try {
    instance.addSchema(doc, DEFAULT_BASE);
    const v = instance.getSchema(DEFAULT_BASE);
    if (v === undefined) throw new Error('ajv did not register the schema');
    compiled = true;
    return v;
  } finally {
    instance.removeSchema(DEFAULT_BASE);
    for (const k of Object.keys(instance.refs)) if (!refs.has(k)) delete instance.refs[k];
    for (const k of Object.keys(instance.schemas)) if (!schemas.has(k)) delete instance.schemas[k];
    // A compile that threw may have left state behind that the two sweeps do not know of.
    if (!compiled) sharedInstances.delete(key);
  }
}

/** The validator of `doc` from an instance of its own, with the remote documents registered. */
function compileWithRemotes(doc: object, draft: Draft, needs: AjvNeeds, remotes: Record<string, unknown>): (value: unknown) => unknown {
  const instance = newInstance(draft, needs.meta, needs.unevaluated);
  addAnnotationFormats(instance, needs.formats);
  for (const [uri, schema] of Object.entries(remotes)) {
    try {
      instance.addSchema(withoutAsync(forAjv(schema, draft)) as object, uri);
    } catch {
      // A remote ajv cannot read (another dialect): references to it will fail to compile below.
    }
  }
  instance.addSchema(doc, DEFAULT_BASE);
  const v = instance.getSchema(DEFAULT_BASE);
  if (v === undefined) throw new Error('ajv did not register the schema');
  return v;
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
      const doc = withoutAsync(forAjv(root, draft));
      if (typeof doc === 'boolean') {
        main = () => doc;
        return;
      }
      const needs: AjvNeeds = { formats: new Set(), meta: false, unevaluated: false };
      scanForAjv(root, needs);
      for (const r of Object.values(remotes ?? {})) scanForAjv(r, needs);
      const v =
        remotes === undefined || Object.keys(remotes).length === 0
          ? compileShared(doc as object, draft, needs)
          : compileWithRemotes(doc as object, draft, needs, remotes);
      main = (value) => {
        const verdict: unknown = v(value);
        // A validator that answers anything but a boolean (a Promise, say) has not decided: never read it as valid.
        if (typeof verdict !== 'boolean') throw new Error(`ajv answered ${typeof verdict} instead of true/false`);
        return verdict;
      };
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
