import type { NumberConstraint } from './number-constraint.js';
import type { StringComponent } from './string-component.js';

/**
 * The intermediate representation of a compiled JSON Schema: every subschema becomes a SchemaNode
 * whose meaning is an Expr, a boolean formula over Atoms. An Atom holds the keywords of one schema that
 * constrain a single value directly (type, string/number/array/object keywords); the in-place
 * applicators (allOf, anyOf, oneOf, not, if/then/else, $ref, dependentSchemas, enum of structures)
 * become the formula. The schema machine evaluates atoms while it reads a value and the formula when
 * something decisive happens, so combinators cost nothing for the common single-atom case.
 */

/** JSON types as bits. `integer` is a number with an integral value (NumberConstraint.integer). */
export const T_NULL = 1;
export const T_BOOLEAN = 2;
export const T_NUMBER = 4;
export const T_STRING = 8;
export const T_ARRAY = 16;
export const T_OBJECT = 32;
export const T_ALL = 63;

export interface StringConstraint {
  readonly minLength: number;
  /** Infinity when unbounded. Lengths count code points, as the specification says. */
  readonly maxLength: number;
  /** All must accept the decoded string: patterns, format automata, the trie of enum strings. */
  readonly components: readonly StringComponent[];
  /** Checks of the complete decoded string that no automaton expresses (rare formats). */
  readonly predicates: readonly ((text: string) => boolean)[];
}

export interface PatternSchema {
  readonly component: StringComponent;
  readonly node: SchemaNode;
}

export interface ObjectConstraint {
  /** Named properties in schema order. */
  readonly properties: ReadonlyMap<string, SchemaNode>;
  readonly patterns: readonly PatternSchema[];
  /** additionalProperties; undefined when absent (any additional property allowed). */
  readonly additional: SchemaNode | undefined;
  readonly propertyNames: SchemaNode | undefined;
  readonly required: readonly string[];
  readonly dependentRequired: readonly (readonly [string, readonly string[]])[];
  readonly minProperties: number;
  readonly maxProperties: number;
  /** unevaluatedProperties (2020-12): applies to keys no successful adjacent/in-place schema evaluated. */
  readonly unevaluated: SchemaNode | undefined;
}

export interface ArrayConstraint {
  readonly prefix: readonly SchemaNode[];
  /** Schema for items after the prefix; undefined = anything. */
  readonly items: SchemaNode | undefined;
  readonly contains: SchemaNode | undefined;
  readonly minContains: number;
  readonly maxContains: number;
  readonly minItems: number;
  readonly maxItems: number;
  readonly unique: boolean;
  /** unevaluatedItems (2020-12): applies to items no successful adjacent/in-place schema evaluated. */
  readonly unevaluated: SchemaNode | undefined;
}

export interface Atom {
  readonly id: number;
  /** Location (JSON pointer) of the schema the keywords come from. */
  readonly where: string;
  /** Allowed JSON types (T_* bits). */
  readonly types: number;
  /** For booleans: bit 1 = false allowed, bit 2 = true allowed (3 = both). */
  readonly booleans: number;
  readonly str: StringConstraint | undefined;
  readonly num: NumberConstraint | undefined;
  readonly obj: ObjectConstraint | undefined;
  readonly arr: ArrayConstraint | undefined;
}

export type Expr =
  | { readonly k: 'true' }
  | { readonly k: 'false' }
  | { readonly k: 'atom'; readonly atom: Atom }
  | { readonly k: 'node'; readonly node: SchemaNode }
  | { readonly k: 'and' | 'or' | 'one'; readonly items: readonly Expr[] }
  | { readonly k: 'not'; readonly item: Expr }
  | { readonly k: 'ite'; readonly cond: Expr; readonly then: Expr; readonly else: Expr }
  /** True when the value is an object with this property (dependentSchemas). */
  | { readonly k: 'haskey'; readonly name: string };

export const TRUE: Expr = Object.freeze({ k: 'true' });
export const FALSE: Expr = Object.freeze({ k: 'false' });

/** A compiled subschema. `expr` is set once compilation of the node finishes (nodes may be cyclic). */
export class SchemaNode {
  readonly id: number;
  readonly where: string;
  expr: Expr = TRUE;

  constructor(id: number, where: string) {
    this.id = id;
    this.where = where;
  }
}

/**
 * Constructors with constant folding. `keep` leaves constant `true` members in place: under
 * unevaluated* the other members of an anyOf still contribute annotations when a `true` member makes
 * the whole anyOf true.
 */
export function and(items: Expr[]): Expr {
  const out: Expr[] = [];
  for (const e of items) {
    if (e.k === 'true') continue;
    if (e.k === 'false') return FALSE;
    if (e.k === 'and') out.push(...e.items);
    else out.push(e);
  }
  if (out.length === 0) return TRUE;
  if (out.length === 1) return out[0];
  return { k: 'and', items: out };
}

export function or(items: Expr[], keep = false): Expr {
  const out: Expr[] = [];
  for (const e of items) {
    if (e.k === 'false') continue;
    if (e.k === 'true' && !keep) return TRUE;
    if (e.k === 'or') out.push(...e.items);
    else out.push(e);
  }
  if (out.length === 0) return FALSE;
  if (out.length === 1) return out[0];
  return { k: 'or', items: out };
}

/** Negation; `keep` preserves `not not X` (annotations never cross a `not`, see `or`). */
export function not(item: Expr, keep = false): Expr {
  if (item.k === 'true') return FALSE;
  if (item.k === 'false') return TRUE;
  if (item.k === 'not' && !keep) return item.item;
  return { k: 'not', item };
}
