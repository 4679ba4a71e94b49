import { createRequire } from 'node:module';
import { CompileError } from '../../errors.js';

/** The dialects the compiler understands; draft-04 and draft-06 documents are read as draft-07. */
export type Draft = '2020-12' | '7';

/** Where a subschema lives: its value, the base URI it resolves references against, and pointers. */
export interface SchemaLocation {
  readonly schema: unknown;
  /** Absolute URI (no fragment) of the innermost resource (`$id`) containing the schema. */
  readonly base: string;
  readonly resource: SchemaResource;
  /** JSON pointer of the schema inside its resource. */
  readonly pointer: string;
  /** Human-facing location: the JSON pointer from the compiled document, or `uri#pointer` elsewhere. */
  readonly where: string;
  readonly draft: Draft;
}

/** One schema resource: a document root or a subschema with its own `$id`. */
export interface SchemaResource {
  readonly uri: string;
  readonly root: unknown;
  readonly draft: Draft;
  /** `$anchor` / `$dynamicAnchor` / draft-07 `"$id": "#name"` targets. */
  readonly anchors: Map<string, SchemaLocation>;
  readonly dynamicAnchors: Map<string, SchemaLocation>;
  /** Human-facing prefix of locations inside this resource. */
  readonly wherePrefix: string;
}

const require = createRequire(import.meta.url);
let builtins: Map<string, unknown> | undefined;

/**
 * The dialects' own meta-schemas (shipped with ajv), so that `{"$ref": "https://json-schema.org/draft/2020-12/schema"}`
 * resolves without a `remotes` entry.
 */
function builtinDocuments(): Map<string, unknown> {
  if (builtins === undefined) {
    builtins = new Map();
    const add = (path: string) => {
      const doc = require(path) as Record<string, unknown>;
      builtins!.set(String(doc.$id ?? doc.id).replace(/#$/, ''), doc);
    };
    add('ajv/dist/refs/json-schema-2020-12/schema.json');
    for (const m of ['applicator', 'content', 'core', 'format-annotation', 'meta-data', 'unevaluated', 'validation']) {
      add(`ajv/dist/refs/json-schema-2020-12/meta/${m}.json`);
    }
    add('ajv/dist/refs/json-schema-draft-07.json');
  }
  return builtins;
}

/** Base URI of a document that has no `$id`: relative references against it cannot reach anything real. */
export const DEFAULT_BASE = 'https://formwork.invalid/schema.json';

const DRAFT_2020_URIS = ['https://json-schema.org/draft/2020-12/schema', 'https://json-schema.org/draft/2019-09/schema'];
const DRAFT_7_URIS = [
  'http://json-schema.org/draft-07/schema',
  'http://json-schema.org/draft-06/schema',
  'http://json-schema.org/draft-04/schema',
];

/** The dialect a `$schema` value names, or undefined for an unknown one. */
export function draftOfMetaSchema(uri: unknown): Draft | undefined {
  if (typeof uri !== 'string') return undefined;
  const plain = uri.replace(/#$/, '');
  if (DRAFT_2020_URIS.includes(plain)) return '2020-12';
  if (DRAFT_7_URIS.includes(plain)) return '7';
  return undefined;
}

/**
 * The draft-07-family dialect a document declares: 4, 6 or 7 (keywords introduced later are unknown
 * keywords there: `if`/`then`/`else` before 7, `const`/`contains`/`propertyNames` before 6).
 */
export function legacyLevel(schema: unknown): 4 | 6 | 7 {
  if (!isObject(schema) || typeof schema.$schema !== 'string') return 7;
  const plain = schema.$schema.replace(/#$/, '');
  return plain === DRAFT_7_URIS[2] ? 4 : plain === DRAFT_7_URIS[1] ? 6 : 7;
}

/** True for draft-04 documents, whose `id` keyword plays the role of `$id`. */
function isDraft4(schema: unknown): boolean {
  return isObject(schema) && typeof schema.$schema === 'string' && schema.$schema.replace(/#$/, '') === DRAFT_7_URIS[2];
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Escapes one JSON pointer token. */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Keywords whose value is one subschema, per dialect. */
const SINGLE_2020 = [
  'additionalProperties', 'propertyNames', 'contains', 'not', 'if', 'then', 'else', 'items',
  'unevaluatedItems', 'unevaluatedProperties', 'contentSchema',
];
const SINGLE_7 = ['additionalProperties', 'propertyNames', 'contains', 'not', 'if', 'then', 'else', 'additionalItems'];
/** Keywords whose value is an array of subschemas. */
const ARRAY_2020 = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const ARRAY_7 = ['allOf', 'anyOf', 'oneOf'];
/** Keywords whose value maps names to subschemas. */
const MAP_2020 = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const MAP_7 = ['properties', 'patternProperties', 'definitions', '$defs'];

/** Calls `visit` for every direct subschema of `schema` under the dialect's keywords. */
export function forEachSubschema(
  schema: Record<string, unknown>,
  draft: Draft,
  visit: (sub: unknown, path: (string | number)[]) => void,
): void {
  const single = draft === '2020-12' ? SINGLE_2020 : SINGLE_7;
  const arrays = draft === '2020-12' ? ARRAY_2020 : ARRAY_7;
  const maps = draft === '2020-12' ? MAP_2020 : MAP_7;
  for (const k of single) {
    if (k in schema) {
      const v = schema[k];
      if (k === 'items' && Array.isArray(v)) continue;
      visit(v, [k]);
    }
  }
  for (const k of arrays) {
    const v = schema[k];
    if (Array.isArray(v)) v.forEach((s, i) => visit(s, [k, i]));
  }
  for (const k of maps) {
    const v = schema[k];
    if (isObject(v)) for (const name of Object.keys(v)) visit(v[name], [k, name]);
  }
  if (draft === '7') {
    const items = schema.items;
    if (Array.isArray(items)) items.forEach((s, i) => visit(s, ['items', i]));
    else if ('items' in schema) visit(items, ['items']);
    const deps = schema.dependencies;
    if (isObject(deps)) {
      for (const name of Object.keys(deps)) if (!Array.isArray(deps[name])) visit(deps[name], ['dependencies', name]);
    }
  }
}

/** Resolves `ref` against `base` (RFC 3986), keeping URNs and other opaque bases working for fragments. */
export function resolveUri(ref: string, base: string): string | undefined {
  if (ref.startsWith('#')) return base.replace(/#.*$/, '') + ref;
  try {
    return new URL(ref, base).href;
  } catch {
    try {
      return new URL(ref).href;
    } catch {
      return undefined;
    }
  }
}

function splitFragment(uri: string): [string, string] {
  const hash = uri.indexOf('#');
  return hash < 0 ? [uri, ''] : [uri.slice(0, hash), uri.slice(hash + 1)];
}

/**
 * Every schema resource reachable from a document: `$id`s, anchors, and documents given as remotes,
 * with `$ref` resolution. Remote documents are only read from `remotes`: nothing is fetched.
 */
export class SchemaRegistry {
  private readonly resources = new Map<string, SchemaResource>();
  private readonly locations = new Map<object, SchemaLocation>();
  private readonly remotes: Map<string, unknown>;
  readonly root: SchemaLocation;
  /** True when some resource uses `$dynamicRef` / `$dynamicAnchor` (the compiler then tracks dynamic scope). */
  usesDynamicScope = false;
  /** True when some schema uses unevaluatedProperties / unevaluatedItems (annotations then matter). */
  usesUnevaluated = false;
  /** The compiled document's draft-07-family level (see legacyLevel). */
  readonly level: 4 | 6 | 7;

  constructor(root: unknown, draft: Draft, remotes: Record<string, unknown> | undefined) {
    this.remotes = new Map();
    for (const [uri, schema] of Object.entries(remotes ?? {})) this.remotes.set(splitFragment(uri)[0], schema);
    this.level = legacyLevel(root);
    this.root = this.addDocument(root, DEFAULT_BASE, draft, '');
  }

  /** Registers a document (compiled root or remote) and every resource inside it. */
  private addDocument(schema: unknown, uri: string, defaultDraft: Draft, wherePrefix: string): SchemaLocation {
    const draft = (isObject(schema) ? draftOfMetaSchema(schema.$schema) : undefined) ?? defaultDraft;
    const resource = this.newResource(uri, schema, draft, wherePrefix);
    const location: SchemaLocation = { schema, base: uri, resource, pointer: '', where: wherePrefix, draft };
    this.walk(location, draft4Document(schema));
    return this.locations.get(schema as object) ?? location;
  }

  private newResource(uri: string, root: unknown, draft: Draft, wherePrefix: string): SchemaResource {
    const resource: SchemaResource = { uri, root, draft, anchors: new Map(), dynamicAnchors: new Map(), wherePrefix };
    if (!this.resources.has(uri)) this.resources.set(uri, resource);
    return resource;
  }

  /** Location of a schema object met while walking (first registration wins). */
  locationOf(schema: object): SchemaLocation | undefined {
    return this.locations.get(schema);
  }

  /** The location of subschema `sub` reached from `parent` through `path` (keywords and indexes). */
  child(parent: SchemaLocation, sub: unknown, path: (string | number)[]): SchemaLocation {
    if (isObject(sub)) {
      const known = this.locations.get(sub);
      if (known !== undefined) return known;
    }
    const suffix = path.map((p) => '/' + pointerToken(p)).join('');
    return {
      schema: sub,
      base: parent.base,
      resource: parent.resource,
      pointer: parent.pointer + suffix,
      where: parent.where + suffix,
      draft: parent.draft,
    };
  }

  private walk(loc: SchemaLocation, draft4: boolean): void {
    const schema = loc.schema;
    if (!isObject(schema)) return;
    if (this.locations.has(schema)) return;
    let here = loc;
    const draft = loc.draft;
    // Draft-07: a `$ref` makes every sibling keyword (including `$id`) inert.
    const refOnly = draft === '7' && typeof schema.$ref === 'string';
    const idValue = refOnly ? undefined : draft4 ? (schema.id ?? schema.$id) : schema.$id;
    if (typeof idValue === 'string') {
      const resolved = resolveUri(idValue, loc.base);
      if (resolved === undefined) {
        throw new CompileError(`"$id" ${JSON.stringify(idValue)} is not a valid URI reference`, { pointer: loc.where, keyword: '$id' });
      }
      const [uri, fragment] = splitFragment(resolved);
      if (draft === '7' && fragment !== '' && !fragment.startsWith('/')) {
        // Draft-07 plain-name fragment: an anchor in the current resource (a base change too when the URI part is new).
        if (uri !== loc.base) here = this.enterResource(loc, uri, schema);
        here.resource.anchors.set(fragment, here);
      } else if (uri !== loc.base || loc.pointer !== '') {
        here = this.enterResource(loc, uri, schema);
      }
    }
    this.locations.set(schema, here);
    if (refOnly) return;
    if (draft === '2020-12') {
      if (typeof schema.$anchor === 'string') here.resource.anchors.set(schema.$anchor, here);
      if (typeof schema.$dynamicAnchor === 'string') {
        here.resource.anchors.set(schema.$dynamicAnchor, here);
        here.resource.dynamicAnchors.set(schema.$dynamicAnchor, here);
        this.usesDynamicScope = true;
      }
      if (typeof schema.$dynamicRef === 'string') this.usesDynamicScope = true;
      if ('unevaluatedProperties' in schema || 'unevaluatedItems' in schema) this.usesUnevaluated = true;
    }
    forEachSubschema(schema, draft, (sub, path) => {
      const suffix = path.map((p) => '/' + pointerToken(p)).join('');
      // A nested `$schema` switches dialect only at a resource root (it needs an `$id`).
      let subDraft = draft;
      if (isObject(sub) && typeof sub.$id === 'string') subDraft = draftOfMetaSchema(sub.$schema) ?? draft;
      this.walk(
        { schema: sub, base: here.base, resource: here.resource, pointer: here.pointer + suffix, where: here.where + suffix, draft: subDraft },
        draft4,
      );
    });
  }

  private enterResource(loc: SchemaLocation, uri: string, schema: Record<string, unknown>): SchemaLocation {
    const draft = loc.draft;
    const resource = this.newResource(uri, schema, draft, loc.where);
    return { schema, base: uri, resource, pointer: '', where: loc.where, draft };
  }

  /** Resolves a `$ref` / `$dynamicRef` value found at `from`; throws CompileError when it leads nowhere. */
  resolve(ref: string, from: SchemaLocation, keyword: string): SchemaLocation {
    const absolute = resolveUri(ref, from.base);
    if (absolute === undefined) {
      throw new CompileError(`${keyword} ${JSON.stringify(ref)} is not a valid URI reference`, { pointer: from.where, keyword });
    }
    const [uri, fragment] = splitFragment(absolute);
    let resource = this.resources.get(uri);
    if (resource === undefined) {
      const remote = this.remotes.get(uri) ?? builtinDocuments().get(uri);
      if (remote === undefined) {
        const hint = uri.startsWith(DEFAULT_BASE.replace(/schema\.json$/, ''))
          ? 'no resource in this document has that URI'
          : 'remote references are only resolved from the `remotes` option';
        throw new CompileError(`cannot resolve ${keyword} ${JSON.stringify(ref)} (${absolute}): ${hint}`, { pointer: from.where, keyword });
      }
      this.addDocument(remote, uri, from.draft, `${uri}#`);
      resource = this.resources.get(uri)!;
    }
    if (fragment === '') return this.locationOfResourceRoot(resource);
    if (fragment.startsWith('/')) {
      const target = this.followPointer(resource, fragment);
      if (target === undefined) {
        throw new CompileError(`${keyword} ${JSON.stringify(ref)}: JSON pointer ${fragment} does not exist`, { pointer: from.where, keyword });
      }
      return target;
    }
    const anchor = resource.anchors.get(decodeURIComponent(fragment));
    if (anchor === undefined) {
      throw new CompileError(`${keyword} ${JSON.stringify(ref)}: no anchor "${fragment}" in ${uri}`, { pointer: from.where, keyword });
    }
    return anchor;
  }

  /** The outermost resource of the dynamic scope that declares `$dynamicAnchor: name`, if any. */
  dynamicAnchor(resourceUri: string, name: string): SchemaLocation | undefined {
    return this.resources.get(resourceUri)?.dynamicAnchors.get(name);
  }

  resourceByUri(uri: string): SchemaResource | undefined {
    return this.resources.get(uri);
  }

  private locationOfResourceRoot(resource: SchemaResource): SchemaLocation {
    const root = resource.root;
    if (isObject(root)) {
      const known = this.locations.get(root);
      if (known !== undefined) return known;
    }
    return { schema: root, base: resource.uri, resource, pointer: '', where: resource.wherePrefix, draft: resource.draft };
  }

  private followPointer(resource: SchemaResource, fragment: string): SchemaLocation | undefined {
    let tokens: string[];
    try {
      tokens = decodeURIComponent(fragment).split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    } catch {
      return undefined;
    }
    let current = this.locationOfResourceRoot(resource);
    let value: unknown = current.schema;
    for (const token of tokens) {
      if (Array.isArray(value)) {
        if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= value.length) return undefined;
        value = value[Number(token)];
      } else if (isObject(value)) {
        if (!Object.prototype.hasOwnProperty.call(value, token)) return undefined;
        value = value[token];
      } else {
        return undefined;
      }
      const known = isObject(value) ? this.locations.get(value) : undefined;
      current = known ?? {
        schema: value,
        base: current.base,
        resource: current.resource,
        pointer: current.pointer + '/' + pointerToken(token),
        where: current.where + '/' + pointerToken(token),
        draft: current.draft,
      };
    }
    if (isObject(value) && !this.locations.has(value)) {
      // A schema reached only through a pointer (e.g. under an unknown keyword): register what it contains.
      this.walk(current, false);
      return this.locations.get(value) ?? current;
    }
    return current;
  }
}

function draft4Document(schema: unknown): boolean {
  return isDraft4(schema);
}
