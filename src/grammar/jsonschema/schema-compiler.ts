import { CompileError, LimitError, RegexError } from '../../errors.js';
import { parseDecimal, type Decimal } from './decimal.js';
import { formatSpec } from './formats.js';
import { numberConstraint, type NumberConstraint, type NumberKeywords } from './number-constraint.js';
import { patternComponent } from './pattern-component.js';
import {
  and,
  FALSE,
  not,
  or,
  SchemaNode,
  T_ALL,
  T_ARRAY,
  T_BOOLEAN,
  T_NULL,
  T_NUMBER,
  T_OBJECT,
  T_STRING,
  TRUE,
  type ArrayConstraint,
  type Atom,
  type Expr,
  type ObjectConstraint,
  type PatternSchema,
  type StringConstraint,
} from './schema-ir.js';
import { isObject, pointerToken, type SchemaLocation, type SchemaRegistry } from './schema-resources.js';
import { PredicateComponent, TrieComponent, type StringComponent } from './string-component.js';

/** How a keyword is enforced (see CompiledJsonSchema.coverage). */
export type Enforcement = 'mask' | 'completion-check' | 'ignored';

export interface CoverageEntry {
  readonly pointer: string;
  readonly keyword: string;
  readonly enforcement: Enforcement;
  readonly note?: string;
}

export interface CompilerLimits {
  /** Subschemas compiled (including every dynamic-scope variant). Default 200,000. */
  readonly maxNodes: number;
  /** Values in one enum. Default 100,000. */
  readonly maxEnum: number;
  /** Properties of one object schema. Default 100,000. */
  readonly maxProperties: number;
  /** Length of one pattern. Default 100,000 characters. */
  readonly maxPatternLength: number;
  /** Nesting depth of the schema document (objects and arrays). Default 1,000. */
  readonly maxSchemaDepth: number;
}

export const DEFAULT_LIMITS: CompilerLimits = { maxNodes: 200_000, maxEnum: 100_000, maxProperties: 100_000, maxPatternLength: 100_000, maxSchemaDepth: 1000 };

export interface CompilerOptions {
  readonly strict: boolean;
  readonly limits: CompilerLimits;
  /** Number texts in 'bounded' form; `type: integer` then admits only plain integers (number-shape.ts). */
  readonly boundedNumbers: boolean;
}

const TYPE_BITS: Record<string, number> = {
  null: T_NULL,
  boolean: T_BOOLEAN,
  number: T_NUMBER,
  integer: T_NUMBER,
  string: T_STRING,
  array: T_ARRAY,
  object: T_OBJECT,
};

/** Keywords that are only annotations (or structure already handled): never reported. */
const ANNOTATIONS = new Set([
  '$schema', '$id', '$anchor', '$dynamicAnchor', '$comment', '$defs', 'definitions', '$vocabulary', 'title',
  'description', 'default', 'examples', 'readOnly', 'writeOnly', 'deprecated', 'contentMediaType',
  'contentEncoding', 'contentSchema', '$recursiveAnchor', 'id', 'then', 'else', 'minContains', 'maxContains',
  'unevaluatedProperties', 'unevaluatedItems',
]);

/**
 * Translates schema documents into the IR (schema-ir.ts): one SchemaNode per (subschema, dynamic scope),
 * compiled eagerly so that every error (bad pattern, unresolvable `$ref`, a cycle with no base case)
 * surfaces at compile time with its JSON pointer, while automata are built lazily on first use.
 */
export class SchemaCompiler {
  readonly coverage: CoverageEntry[] = [];
  readonly warnings: string[] = [];
  private readonly registry: SchemaRegistry;
  private readonly options: CompilerOptions;
  private readonly memo = new Map<unknown, Map<string, SchemaNode>>();
  private readonly literalMemo = new Map<string, SchemaNode>();
  private nodeCount = 0;
  private atomCount = 0;
  /** Same-value edges (node -> nodes its formula expands in place), for the cycle check. */
  private readonly inPlace = new Map<SchemaNode, SchemaNode[]>();
  /** Every node a node's keywords mention (in place or for a child value): reachability. */
  private readonly edges = new Map<SchemaNode, SchemaNode[]>();
  private readonly compiling: SchemaNode[] = [];
  /** Nodes whose keywords are reported (each location once, whatever the dynamic scope). */
  private readonly reported = new Set<unknown>();

  constructor(registry: SchemaRegistry, options: CompilerOptions) {
    this.registry = registry;
    this.options = options;
  }

  compileRoot(): SchemaNode {
    const root = this.registry.root;
    const node = this.node(root, this.extendScope('', root));
    this.checkCycles(node);
    return node;
  }

  /** Dynamic scope key: the resources entered, outermost first (only tracked when `$dynamicRef` is used). */
  private extendScope(scope: string, location: SchemaLocation): string {
    if (!this.registry.usesDynamicScope) return '';
    const uri = location.resource.uri;
    const parts = scope === '' ? [] : scope.split('\n');
    if (parts.includes(uri)) return scope;
    return scope === '' ? uri : `${scope}\n${uri}`;
  }

  private report(location: SchemaLocation, keyword: string, enforcement: Enforcement, note?: string): void {
    if (this.reported.has(location.schema)) return;
    this.coverage.push({ pointer: `${location.where}/${pointerToken(keyword)}`, keyword, enforcement, ...(note ? { note } : {}) });
  }

  /** Refuses a keyword (strict) or ignores it with a warning (lenient). */
  private refuse(location: SchemaLocation, keyword: string, message: string, cause?: unknown): void {
    if (this.options.strict) throw new CompileError(message, { pointer: location.where, keyword, cause });
    this.warnings.push(`${location.where || '/'}: ${keyword}: ${message} (ignored)`);
    this.report(location, keyword, 'ignored', message);
  }

  private newNode(where: string): SchemaNode {
    if (++this.nodeCount > this.options.limits.maxNodes) {
      throw new LimitError(`schema has more than ${this.options.limits.maxNodes} subschemas (limits.maxNodes)`, { limit: 'maxNodes' });
    }
    return new SchemaNode(this.nodeCount, where);
  }

  private newAtom(where: string, parts: Omit<Atom, 'id' | 'where'>): Atom {
    return { id: ++this.atomCount, where, ...parts };
  }

  node(location: SchemaLocation, scope: string): SchemaNode {
    const key = location.schema === true || location.schema === false ? `${location.schema}` : location.schema;
    let byScope = this.memo.get(key);
    if (byScope === undefined) {
      byScope = new Map();
      this.memo.set(key, byScope);
    }
    let node = byScope.get(scope);
    const from = this.compiling[this.compiling.length - 1];
    if (node !== undefined) {
      if (from !== undefined) this.edges.get(from)!.push(node);
      return node;
    }
    node = this.newNode(location.where);
    if (from !== undefined) this.edges.get(from)!.push(node);
    byScope.set(scope, node);
    const inPlace: SchemaNode[] = [];
    this.inPlace.set(node, inPlace);
    this.edges.set(node, []);
    this.compiling.push(node);
    node.expr = this.compile(location, scope, inPlace);
    this.compiling.pop();
    this.reported.add(location.schema);
    return node;
  }

  private child(parent: SchemaLocation, scope: string, sub: unknown, path: (string | number)[]): SchemaNode {
    const location = this.registry.child(parent, sub, path);
    return this.node(location, this.extendScope(scope, location));
  }

  private compile(loc: SchemaLocation, scope: string, inPlace: SchemaNode[]): Expr {
    const s = loc.schema;
    if (s === true) return TRUE;
    if (s === false) return FALSE;
    if (!isObject(s)) {
      throw new CompileError(`a schema must be an object or a boolean, got ${JSON.stringify(s)?.slice(0, 40)}`, { pointer: loc.where });
    }
    const draft = loc.draft;
    const parts: Expr[] = [];
    if (typeof s.$ref === 'string') {
      parts.push(this.refNode(loc, scope, inPlace, this.registry.resolve(s.$ref, loc, '$ref'), '$ref'));
      // Draft-07: `$ref` overrides every sibling keyword.
      if (draft === '7') return parts[0];
    }
    if (draft === '2020-12' && typeof s.$dynamicRef === 'string') {
      parts.push(this.refNode(loc, scope, inPlace, this.resolveDynamic(s.$dynamicRef, loc, scope), '$dynamicRef'));
    }
    if (draft === '2020-12' && typeof s.$recursiveRef === 'string') {
      parts.push(this.refNode(loc, scope, inPlace, this.registry.resolve(s.$recursiveRef, loc, '$recursiveRef'), '$recursiveRef'));
    }

    const atom = this.compileAtom(loc, s, scope);
    if (atom !== undefined) parts.push({ k: 'atom', atom });

    if (Array.isArray(s.allOf)) {
      parts.push(and(s.allOf.map((v, i) => this.subNode(loc, scope, inPlace, v, ['allOf', i]))));
      this.report(loc, 'allOf', 'mask');
    }
    if (Array.isArray(s.anyOf)) {
      parts.push(or(s.anyOf.map((v, i) => this.subNode(loc, scope, inPlace, v, ['anyOf', i])), this.registry.usesUnevaluated));
      this.report(loc, 'anyOf', 'mask');
    }
    if (Array.isArray(s.oneOf)) {
      const items = s.oneOf.map((v, i) => this.subNode(loc, scope, inPlace, v, ['oneOf', i])).filter((e) => e.k !== 'false');
      parts.push(items.length === 0 ? FALSE : items.length === 1 ? items[0] : { k: 'one', items });
      this.report(loc, 'oneOf', items.length > 1 ? 'completion-check' : 'mask');
    }
    if ('not' in s) {
      parts.push(not(this.subNode(loc, scope, inPlace, s.not, ['not']), this.registry.usesUnevaluated));
      this.report(loc, 'not', 'completion-check');
    }
    const level = draft === '7' ? this.registry.level : 2020;
    if (level < 7) {
      // if/then/else (draft-07) and const/contains/propertyNames (draft-06) are unknown keywords in
      // the older dialects this document declares.
    } else if ('if' in s && ('then' in s || 'else' in s)) {
      const cond = this.subNode(loc, scope, inPlace, s.if, ['if']);
      const then = 'then' in s ? this.subNode(loc, scope, inPlace, s.then, ['then']) : TRUE;
      const otherwise = 'else' in s ? this.subNode(loc, scope, inPlace, s.else, ['else']) : TRUE;
      parts.push({ k: 'ite', cond, then, else: otherwise });
      this.report(loc, 'if', 'completion-check');
    } else if ('if' in s) {
      // `if` alone decides nothing, but its annotations count for unevaluated*.
      const cond = this.subNode(loc, scope, inPlace, s.if, ['if']);
      if (this.registry.usesUnevaluated) parts.push({ k: 'ite', cond, then: TRUE, else: TRUE });
    }
    if (draft === '2020-12' && isObject(s.dependentSchemas)) {
      for (const [name, v] of Object.entries(s.dependentSchemas)) {
        // An if/then: the dependent schema's annotations count only when the property is present.
        parts.push({ k: 'ite', cond: { k: 'haskey', name }, then: this.subNode(loc, scope, inPlace, v, ['dependentSchemas', name]), else: TRUE });
      }
      this.report(loc, 'dependentSchemas', 'completion-check');
    }
    if (isObject(s.dependencies)) {
      for (const [name, v] of Object.entries(s.dependencies)) {
        if (!Array.isArray(v)) parts.push({ k: 'ite', cond: { k: 'haskey', name }, then: this.subNode(loc, scope, inPlace, v, ['dependencies', name]), else: TRUE });
      }
    }
    if ('enum' in s) {
      if (!Array.isArray(s.enum)) throw new CompileError('"enum" must be an array', { pointer: loc.where, keyword: 'enum' });
      if (s.enum.length > this.options.limits.maxEnum) {
        throw new LimitError(`enum at ${loc.where || '/'} has ${s.enum.length} values (limits.maxEnum ${this.options.limits.maxEnum})`, { limit: 'maxEnum' });
      }
      parts.push(this.enumExpr(s.enum, `${loc.where}/enum`));
      this.report(loc, 'enum', 'mask');
    }
    if ('const' in s && level >= 6) {
      parts.push(this.enumExpr([s.const], `${loc.where}/const`));
      this.report(loc, 'const', 'mask');
    }
    // Subschemas that only carry annotations still get compiled (errors in them are errors).
    for (const k of ['$defs', 'definitions']) {
      if (isObject(s[k])) for (const [name, v] of Object.entries(s[k] as object)) this.child(loc, scope, v, [k, name]);
    }
    for (const k of Object.keys(s)) {
      if (!ANNOTATIONS.has(k) && !KNOWN[draft].has(k)) this.report(loc, k, 'ignored', 'unknown keyword (annotation)');
    }
    return and(parts);
  }
  /** The node of a reference's target, compiled in place under `loc` (no named closures: see subNode). */
  private refNode(loc: SchemaLocation, scope: string, inPlace: SchemaNode[], target: SchemaLocation, keyword: string): Expr {
    const n = this.node(target, this.extendScope(scope, target));
    inPlace.push(n);
    this.report(loc, keyword, 'mask');
    return { k: 'node', node: n };
  }

  /**
   * The node of subschema `v` at `path` below `loc`, compiled in place. A method rather than a closure
   * in `compile`: under tsx (`keepNames`) each named closure costs a defineProperty per call, ~10% of
   * compiling a large schema (CPU profile of four MaskBench schemas of 50-150 kB).
   */
  private subNode(loc: SchemaLocation, scope: string, inPlace: SchemaNode[], v: unknown, path: (string | number)[]): Expr {
    const n = this.child(loc, scope, v, path);
    inPlace.push(n);
    return { k: 'node', node: n };
  }


  /** `$dynamicRef`: the static target, unless it is a dynamic anchor the outer dynamic scope overrides. */
  private resolveDynamic(ref: string, loc: SchemaLocation, scope: string): SchemaLocation {
    const target = this.registry.resolve(ref, loc, '$dynamicRef');
    const hash = ref.indexOf('#');
    const fragment = hash < 0 ? '' : ref.slice(hash + 1);
    if (fragment === '' || fragment.startsWith('/')) return target;
    if (!isObject(target.schema) || target.schema.$dynamicAnchor !== fragment) return target;
    const resources = scope === '' ? [] : scope.split('\n');
    for (const uri of resources) {
      const outer = this.registry.dynamicAnchor(uri, fragment);
      if (outer !== undefined) return outer;
    }
    return target;
  }

  private compileAtom(loc: SchemaLocation, s: Record<string, unknown>, scope: string): Atom | undefined {
    let types = T_ALL;
    let integer = false;
    if ('type' in s) {
      const list = Array.isArray(s.type) ? s.type : [s.type];
      types = 0;
      let number = false;
      for (const t of list) {
        if (typeof t !== 'string' || !(t in TYPE_BITS)) {
          throw new CompileError(`unknown type ${JSON.stringify(t)}`, { pointer: loc.where, keyword: 'type' });
        }
        types |= TYPE_BITS[t];
        if (t === 'number') number = true;
        if (t === 'integer') integer = true;
      }
      if (number) integer = false;
      this.report(loc, 'type', 'mask');
    }
    const str = this.compileString(loc, s);
    const num = this.compileNumber(loc, s, integer);
    const obj = this.compileObject(loc, s, scope);
    const arr = this.compileArray(loc, s, scope);
    if (types === T_ALL && str === undefined && num === undefined && obj === undefined && arr === undefined) return undefined;
    return this.newAtom(loc.where, { types, booleans: 3, str, num, obj, arr });
  }

  private compileString(loc: SchemaLocation, s: Record<string, unknown>): StringConstraint | undefined {
    let minLength = 0;
    let maxLength = Infinity;
    const components: StringComponent[] = [];
    const predicates: ((t: string) => boolean)[] = [];
    if (typeof s.minLength === 'number') {
      minLength = s.minLength;
      this.report(loc, 'minLength', 'mask');
    }
    if (typeof s.maxLength === 'number') {
      maxLength = s.maxLength;
      this.report(loc, 'maxLength', 'mask');
    }
    if (typeof s.pattern === 'string') {
      const c = this.pattern(loc, s.pattern, 'pattern', true);
      if (typeof c === 'function') {
        predicates.push(c);
        this.report(loc, 'pattern', 'completion-check', 'assertions (lookaround, \\b, back-references) have no automaton: checked on the complete string');
      } else if (c !== undefined) {
        components.push(c);
        this.report(loc, 'pattern', 'mask');
      }
    }
    if (typeof s.format === 'string') {
      const name = s.format;
      const f = formatSpec(name);
      if (f === undefined) {
        this.report(loc, 'format', 'ignored', `format "${name}" is not defined by the specification: annotation only`);
      } else {
        components.push(...f.components);
        predicates.push(...f.predicates);
        minLength = Math.max(minLength, f.minLength);
        maxLength = Math.min(maxLength, f.maxLength);
        this.report(loc, 'format', f.predicates.length > 0 ? 'completion-check' : 'mask');
      }
    }
    if (loc.draft === '7') this.compileContent(loc, s, components, predicates);
    if (minLength === 0 && maxLength === Infinity && components.length === 0 && predicates.length === 0) return undefined;
    return { minLength, maxLength, components, predicates };
  }

  /**
   * Draft-07 content assertions (the draft-07 suite asserts them; 2020-12 makes them annotations):
   * base64 (RFC 4648, padded) as an automaton, application/json of the decoded text as a completion check.
   * Other encodings and media types are annotations.
   */
  private compileContent(loc: SchemaLocation, s: Record<string, unknown>, components: StringComponent[], predicates: ((t: string) => boolean)[]): void {
    const base64 = s.contentEncoding === 'base64';
    if (base64) {
      components.push(patternComponent('^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$', { semantics: 'search' }));
      this.report(loc, 'contentEncoding', 'mask');
    }
    if (s.contentMediaType === 'application/json') {
      predicates.push((text) => {
        try {
          JSON.parse(base64 ? Buffer.from(text, 'base64').toString('utf8') : text);
          return true;
        } catch {
          return false;
        }
      });
      this.report(loc, 'contentMediaType', 'completion-check');
    }
  }

  /**
   * The automaton of a pattern. A pattern using constructs no finite automaton matches (lookaround,
   * word boundaries, back-references) becomes, when `predicate` is allowed, a completion check with
   * JavaScript's own RegExp (Unicode mode, as ajv compiles it): exact, but decided only when the string
   * completes. The string's length bounds the backtracking work.
   */
  private pattern(loc: SchemaLocation, pattern: string, keyword: string): StringComponent | undefined;
  private pattern(loc: SchemaLocation, pattern: string, keyword: string, predicate: true): StringComponent | ((text: string) => boolean) | undefined;
  private pattern(loc: SchemaLocation, pattern: string, keyword: string, predicate = false): StringComponent | ((text: string) => boolean) | undefined {
    if (pattern.length > this.options.limits.maxPatternLength) {
      throw new LimitError(`pattern at ${loc.where || '/'} is ${pattern.length} characters long (limits.maxPatternLength)`, { limit: 'maxPatternLength' });
    }
    try {
      return patternComponent(pattern, { semantics: 'search' });
    } catch (error) {
      if (!(error instanceof RegexError) && !(error instanceof LimitError)) throw error;
      if (predicate && error instanceof RegexError) {
        const re = jsRegExp(pattern);
        if (re !== undefined) return (text: string) => re.test(text);
      }
      this.refuse(loc, keyword, `${keyword} ${JSON.stringify(pattern)} cannot be compiled: ${error.message}`, error);
      return undefined;
    }
  }

  private compileNumber(loc: SchemaLocation, s: Record<string, unknown>, integer: boolean): NumberConstraint | undefined {
    const k: NumberKeywords = { integer, bounded: this.options.boundedNumbers };
    let any = integer;
    any = this.takeNumberKeyword(loc, s, k, 'minimum') || any;
    any = this.takeNumberKeyword(loc, s, k, 'maximum') || any;
    any = this.takeNumberKeyword(loc, s, k, 'multipleOf') || any;
    if (typeof s.exclusiveMinimum === 'boolean' || typeof s.exclusiveMaximum === 'boolean') {
      // Draft-04 form: a flag on minimum/maximum.
      if (s.exclusiveMinimum === true && k.minimum) k.exclusiveMinimum = k.minimum.splice(0);
      if (s.exclusiveMaximum === true && k.maximum) k.exclusiveMaximum = k.maximum.splice(0);
    } else {
      any = this.takeNumberKeyword(loc, s, k, 'exclusiveMinimum') || any;
      any = this.takeNumberKeyword(loc, s, k, 'exclusiveMaximum') || any;
    }
    return any ? numberConstraint(k) : undefined;
  }

  /** Copies numeric keyword `name` of `s` into `k` when it is a number; whether it was. */
  private takeNumberKeyword(loc: SchemaLocation, s: Record<string, unknown>, k: NumberKeywords, name: 'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum' | 'multipleOf'): boolean {
    const v = s[name];
    if (typeof v !== 'number') return false;
    if (!Number.isFinite(v)) throw new CompileError(`${name} must be a finite number`, { pointer: loc.where, keyword: name });
    if (name === 'multipleOf' && !(v > 0)) throw new CompileError('multipleOf must be > 0', { pointer: loc.where, keyword: name });
    (k[name] ??= []).push(v);
    this.report(loc, name, 'mask');
    return true;
  }

  private compileObject(loc: SchemaLocation, s: Record<string, unknown>, scope: string): ObjectConstraint | undefined {
    const draft = loc.draft;
    let unevaluated: SchemaNode | undefined;
    const properties = new Map<string, SchemaNode>();
    const patterns: PatternSchema[] = [];
    let additional: SchemaNode | undefined;
    let propertyNames: SchemaNode | undefined;
    let required: string[] = [];
    const dependentRequired: [string, string[]][] = [];
    let minProperties = 0;
    let maxProperties = Infinity;
    let any = false;
    if (isObject(s.properties)) {
      const names = Object.keys(s.properties);
      if (names.length > this.options.limits.maxProperties) {
        throw new LimitError(`"properties" at ${loc.where || '/'} has ${names.length} entries (limits.maxProperties)`, { limit: 'maxProperties' });
      }
      for (const name of names) properties.set(name, this.child(loc, scope, s.properties[name], ['properties', name]));
      any = true;
      this.report(loc, 'properties', 'mask');
    }
    if (isObject(s.patternProperties)) {
      for (const [p, v] of Object.entries(s.patternProperties)) {
        const node = this.child(loc, scope, v, ['patternProperties', p]);
        const c = this.pattern(loc, p, 'patternProperties', true);
        if (typeof c === 'function') {
          patterns.push({ component: new PredicateComponent(`/${p}/`, c), node });
          this.report(loc, 'patternProperties', 'completion-check', `${JSON.stringify(p)} has assertions no automaton expresses: keys are matched when complete`);
        } else if (c !== undefined) patterns.push({ component: c, node });
      }
      any = true;
      this.report(loc, 'patternProperties', 'mask');
    }
    if ('additionalProperties' in s) {
      additional = this.child(loc, scope, s.additionalProperties, ['additionalProperties']);
      any = true;
      this.report(loc, 'additionalProperties', 'mask');
    }
    if ('propertyNames' in s && (loc.draft === '2020-12' || this.registry.level >= 6)) {
      propertyNames = this.child(loc, scope, s.propertyNames, ['propertyNames']);
      any = true;
      this.report(loc, 'propertyNames', 'mask');
    }
    if (Array.isArray(s.required)) {
      required = [...new Set(s.required.filter((r): r is string => typeof r === 'string'))];
      if (required.length > 0) any = true;
      this.report(loc, 'required', 'mask');
    }
    if (draft === '2020-12' && isObject(s.dependentRequired)) {
      for (const [name, v] of Object.entries(s.dependentRequired)) {
        if (Array.isArray(v)) dependentRequired.push([name, v.filter((r): r is string => typeof r === 'string')]);
      }
      any = true;
      this.report(loc, 'dependentRequired', 'mask');
    }
    if (isObject(s.dependencies)) {
      for (const [name, v] of Object.entries(s.dependencies)) {
        if (Array.isArray(v)) dependentRequired.push([name, v.filter((r): r is string => typeof r === 'string')]);
      }
      any = true;
      this.report(loc, 'dependencies', 'mask');
    }
    if (typeof s.minProperties === 'number') {
      minProperties = s.minProperties;
      any = true;
      this.report(loc, 'minProperties', 'mask');
    }
    if (typeof s.maxProperties === 'number') {
      maxProperties = s.maxProperties;
      any = true;
      this.report(loc, 'maxProperties', 'mask');
    }
    if (draft === '2020-12' && 'unevaluatedProperties' in s) {
      unevaluated = this.child(loc, scope, s.unevaluatedProperties, ['unevaluatedProperties']);
      any = true;
      this.report(loc, 'unevaluatedProperties', 'completion-check');
    }
    if (!any) return undefined;
    return { properties, patterns, additional, propertyNames, required, dependentRequired, minProperties, maxProperties, unevaluated };
  }

  private compileArray(loc: SchemaLocation, s: Record<string, unknown>, scope: string): ArrayConstraint | undefined {
    const draft = loc.draft;
    let prefix: SchemaNode[] = [];
    let items: SchemaNode | undefined;
    let contains: SchemaNode | undefined;
    let minContains = 1;
    let maxContains = Infinity;
    let minItems = 0;
    let maxItems = Infinity;
    let unique = false;
    let unevaluated: SchemaNode | undefined;
    let any = false;
    if (draft === '2020-12') {
      if (Array.isArray(s.prefixItems)) {
        prefix = s.prefixItems.map((v, i) => this.child(loc, scope, v, ['prefixItems', i]));
        any = true;
        this.report(loc, 'prefixItems', 'mask');
      }
      if ('items' in s) {
        if (Array.isArray(s.items)) throw new CompileError('"items" must be a schema in draft 2020-12 (use prefixItems)', { pointer: loc.where, keyword: 'items' });
        items = this.child(loc, scope, s.items, ['items']);
        any = true;
        this.report(loc, 'items', 'mask');
      }
    } else {
      if (Array.isArray(s.items)) {
        prefix = s.items.map((v, i) => this.child(loc, scope, v, ['items', i]));
        if ('additionalItems' in s) {
          items = this.child(loc, scope, s.additionalItems, ['additionalItems']);
          this.report(loc, 'additionalItems', 'mask');
        }
        any = true;
        this.report(loc, 'items', 'mask');
      } else if ('items' in s) {
        items = this.child(loc, scope, s.items, ['items']);
        any = true;
        this.report(loc, 'items', 'mask');
      }
      if ('additionalItems' in s && !Array.isArray(s.items)) this.child(loc, scope, s.additionalItems, ['additionalItems']);
    }
    if ('contains' in s && (loc.draft === '2020-12' || this.registry.level >= 6)) {
      contains = this.child(loc, scope, s.contains, ['contains']);
      if (draft === '2020-12') {
        if (typeof s.minContains === 'number') minContains = s.minContains;
        if (typeof s.maxContains === 'number') maxContains = s.maxContains;
      }
      any = true;
      this.report(loc, 'contains', 'mask');
      if (draft === '2020-12' && 'minContains' in s) this.report(loc, 'minContains', 'mask');
      if (draft === '2020-12' && 'maxContains' in s) this.report(loc, 'maxContains', 'mask');
    }
    if (typeof s.minItems === 'number') {
      minItems = s.minItems;
      any = true;
      this.report(loc, 'minItems', 'mask');
    }
    if (typeof s.maxItems === 'number') {
      maxItems = s.maxItems;
      any = true;
      this.report(loc, 'maxItems', 'mask');
    }
    if (s.uniqueItems === true) {
      unique = true;
      any = true;
      this.report(loc, 'uniqueItems', 'completion-check');
    }
    if (draft === '2020-12' && 'unevaluatedItems' in s) {
      unevaluated = this.child(loc, scope, s.unevaluatedItems, ['unevaluatedItems']);
      any = true;
      this.report(loc, 'unevaluatedItems', 'completion-check');
    }
    if (!any) return undefined;
    return { prefix, items, contains, minContains, maxContains, minItems, maxItems, unique, unevaluated };
  }

  /**
   * `enum` / `const` with JSON equality: scalars become one atom (string trie, exact decimal numbers,
   * booleans, null), objects and arrays become structural schemas (every key, any order; every item),
   * so `{"b":1,"a":2}` matches const `{"a":2,"b":1}` and `1.0` matches 1.
   */
  private enumExpr(values: unknown[], where: string): Expr {
    let types = 0;
    let booleans = 0;
    const strings: string[] = [];
    const numbers: Decimal[] = [];
    const structured: Expr[] = [];
    for (const v of values) {
      if (v === null) types |= T_NULL;
      else if (typeof v === 'boolean') {
        types |= T_BOOLEAN;
        booleans |= v ? 2 : 1;
      } else if (typeof v === 'number') {
        const d = parseDecimal(String(v));
        if (d !== undefined) {
          types |= T_NUMBER;
          numbers.push(d);
        }
      } else if (typeof v === 'string') {
        types |= T_STRING;
        strings.push(v);
      } else if (Array.isArray(v) || isObject(v)) {
        structured.push({ k: 'node', node: this.literalNode(v, where) });
      }
    }
    const alternatives: Expr[] = [];
    if (types !== 0) {
      const str: StringConstraint | undefined =
        strings.length > 0 ? { minLength: 0, maxLength: Infinity, components: [new TrieComponent('enum', strings)], predicates: [] } : undefined;
      const num = numbers.length > 0 ? numberConstraint({ values: numbers, bounded: this.options.boundedNumbers }) : undefined;
      alternatives.push({ k: 'atom', atom: this.newAtom(where, { types, booleans, str, num, obj: undefined, arr: undefined }) });
    }
    alternatives.push(...structured);
    return or(alternatives);
  }

  /** A synthesized schema matching exactly the JSON value `v` (objects and arrays). */
  private literalNode(v: unknown, where: string): SchemaNode {
    const key = canonicalJson(v);
    const known = this.literalMemo.get(key);
    if (known !== undefined) return known;
    const node = this.newNode(where);
    this.literalMemo.set(key, node);
    const falseNode = this.newNode(where);
    falseNode.expr = FALSE;
    const valueNode = (x: unknown, at: string): SchemaNode => {
      if (Array.isArray(x) || isObject(x)) return this.literalNode(x, at);
      const n = this.newNode(at);
      n.expr = this.enumExpr([x], at);
      return n;
    };
    if (Array.isArray(v)) {
      const prefix = v.map((x, i) => valueNode(x, `${where}/${i}`));
      const arr: ArrayConstraint = {
        prefix,
        items: falseNode,
        contains: undefined,
        minContains: 1,
        maxContains: Infinity,
        minItems: v.length,
        maxItems: v.length,
        unique: false,
        unevaluated: undefined,
      };
      node.expr = { k: 'atom', atom: this.newAtom(where, { types: T_ARRAY, booleans: 3, str: undefined, num: undefined, obj: undefined, arr }) };
    } else {
      const o = v as Record<string, unknown>;
      const properties = new Map<string, SchemaNode>();
      for (const k of Object.keys(o)) properties.set(k, valueNode(o[k], `${where}/${pointerToken(k)}`));
      const obj: ObjectConstraint = {
        properties,
        patterns: [],
        additional: falseNode,
        propertyNames: undefined,
        required: Object.keys(o),
        dependentRequired: [],
        minProperties: 0,
        maxProperties: Infinity,
        unevaluated: undefined,
      };
      node.expr = { k: 'atom', atom: this.newAtom(where, { types: T_OBJECT, booleans: 3, str: undefined, num: undefined, obj, arr: undefined }) };
    }
    return node;
  }

  /**
   * A cycle of in-place references (`$ref`, allOf, anyOf, ... that never descend into a child value)
   * has no base case: validation would recurse forever. Such schemas are refused at compile time.
   */
  private checkCycles(root: SchemaNode): void {
    // Only what a document can reach matters: a cycle in an unused definition is harmless.
    const reachable = new Set<SchemaNode>([root]);
    const queue = [root];
    while (queue.length > 0) {
      for (const next of this.edges.get(queue.pop()!) ?? []) {
        if (!reachable.has(next)) {
          reachable.add(next);
          queue.push(next);
        }
      }
    }
    const state = new Map<SchemaNode, number>(); // 1 = on stack, 2 = done
    for (const start of reachable) {
      if (state.get(start) === 2) continue;
      const stack: [SchemaNode, number][] = [[start, 0]];
      state.set(start, 1);
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        const edges = this.inPlace.get(top[0]) ?? [];
        if (top[1] < edges.length) {
          const next = edges[top[1]++];
          const st = state.get(next);
          if (st === 1) {
            throw new CompileError('reference cycle with no base case: this schema refers to itself without descending into a property or item', {
              pointer: next.where,
              keyword: '$ref',
            });
          }
          if (st === undefined) {
            state.set(next, 1);
            stack.push([next, 0]);
          }
        } else {
          state.set(top[0], 2);
          stack.pop();
        }
      }
    }
  }
}

/** The pattern as JavaScript compiles it (Unicode mode, else legacy syntax), or undefined. */
function jsRegExp(pattern: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // try the next syntax
    }
  }
  return undefined;
}

/** JSON text with sorted keys (equal JSON values give equal text). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const COMMON = [
  '$ref', 'type', 'enum', 'const', 'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'properties', 'patternProperties', 'additionalProperties',
  'propertyNames', 'required', 'minProperties', 'maxProperties', 'items', 'contains', 'minItems', 'maxItems',
  'uniqueItems', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'dependencies',
];
const KNOWN: Record<'2020-12' | '7', Set<string>> = {
  '2020-12': new Set([
    ...COMMON, '$dynamicRef', '$recursiveRef', 'prefixItems', 'dependentRequired', 'dependentSchemas',
    'unevaluatedProperties', 'unevaluatedItems',
  ]),
  '7': new Set([...COMMON, 'additionalItems']),
};
