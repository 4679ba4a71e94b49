import { emptyBits, fullBits, hasBit, type Bits } from './bits.js';
import {
  T_ARRAY,
  T_BOOLEAN,
  T_NULL,
  T_NUMBER,
  T_OBJECT,
  T_STRING,
  type Atom,
  type Expr,
  type SchemaNode,
} from './schema-ir.js';

/**
 * What one JSON value must satisfy, compiled: the distinct atoms that apply to it and one formula per
 * requirement over them. A requirement is what one constraint of an enclosing value asks of this value
 * (the value of property "a" under atom 3 of the parent, an item under `contains`, the root schema);
 * the enclosing frame learns each requirement's truth when this value completes, or earlier when
 * three-valued evaluation already decides it.
 */

/** Three-valued truth. */
export const NO = 0;
export const YES = 1;
export const MAYBE = 2;
export type Truth = 0 | 1 | 2;

export type Formula =
  | { readonly op: 'const'; readonly v: Truth }
  | { readonly op: 'atom'; readonly i: number }
  | { readonly op: 'key'; readonly i: number }
  | { readonly op: 'and' | 'or' | 'one'; readonly items: readonly Formula[] }
  | { readonly op: 'not'; readonly item: Formula }
  | { readonly op: 'ite'; readonly c: Formula; readonly t: Formula; readonly e: Formula };

/** JSON type index of a value, from its first byte. */
export const TY_NULL = 0;
export const TY_BOOLEAN = 1;
export const TY_NUMBER = 2;
export const TY_STRING = 3;
export const TY_ARRAY = 4;
export const TY_OBJECT = 5;
const TYPE_BIT = [T_NULL, T_BOOLEAN, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT];

export class Goal {
  readonly id: number;
  readonly key: string;
  readonly atoms: readonly Atom[];
  readonly reqs: readonly Formula[];
  /** Property names tested by `haskey` leaves (dependentSchemas). */
  readonly keyNames: readonly string[];
  /** Per type index: the atoms that allow that type. */
  readonly allowed: readonly Bits[];
  /**
   * Per type index: the atoms that a value of that type satisfies whatever its content (no keyword of
   * the atom constrains that type). Once a value's type is known these are true, not unknown, so
   * `not: {type: "string"}` rejects the opening quote instead of the closing one.
   */
  readonly sure: readonly Bits[];
  readonly all: Bits;
  /** Per type index: the requirements that are false for any value of this type (memo). */
  private readonly failing: (Int32Array | undefined)[] = [];
  /** Plans built lazily by the machine (string, object, array, number). */
  plans: Record<string, unknown> = {};
  /**
   * For atoms with unevaluatedProperties/unevaluatedItems: the formula of the schema that holds them,
   * whose successful parts contribute the annotations ("evaluated") those keywords look at.
   */
  readonly scope: ReadonlyMap<number, Formula>;

  constructor(id: number, key: string, atoms: Atom[], reqs: Formula[], keyNames: string[], scope: Map<number, Formula>) {
    this.id = id;
    this.scope = scope;
    this.key = key;
    this.atoms = atoms;
    this.reqs = reqs;
    this.keyNames = keyNames;
    this.all = fullBits(atoms.length);
    this.allowed = TYPE_BIT.map((bit) => {
      const b = emptyBits(atoms.length);
      atoms.forEach((a, i) => {
        if (a.types & bit) b[i >>> 5] |= 1 << (i & 31);
      });
      return b;
    });
    this.sure = TYPE_BIT.map((bit, ty) => {
      const b = emptyBits(atoms.length);
      atoms.forEach((a, i) => {
        if (!(a.types & bit)) return;
        const constrained =
          (ty === TY_STRING && a.str !== undefined) ||
          (ty === TY_NUMBER && a.num !== undefined) ||
          (ty === TY_OBJECT && a.obj !== undefined) ||
          (ty === TY_ARRAY && a.arr !== undefined) ||
          (ty === TY_BOOLEAN && a.booleans !== 3);
        if (!constrained) b[i >>> 5] |= 1 << (i & 31);
      });
      return b;
    });
  }

  /**
   * The requirements that no value of type `ty` can satisfy: false with every atom that rejects the type
   * dead and the others unknown. Starting such a value fails them at once (a string where every
   * alternative wants a number).
   */
  failingFor(ty: number): Int32Array {
    let f = this.failing[ty];
    if (f === undefined) {
      const v: Valuation = { atoms: this.allowed[ty], sure: this.sure[ty], seen: null, keyIndex: null, unseen: ty === TY_OBJECT ? MAYBE : NO };
      const out: number[] = [];
      this.reqs.forEach((r, i) => {
        if (evaluate(r, v) === NO) out.push(i);
      });
      f = Int32Array.from(out);
      this.failing[ty] = f;
    }
    return f;
  }
}

/** Where the leaves of a formula get their truth (plain data: evaluation allocates nothing). */
export interface Valuation {
  /** The atoms still alive (while reading) or that accept the value (at completion). */
  readonly atoms: Bits;
  /** While reading: the live atoms already certain to hold. Null at completion: every atom in `atoms` holds. */
  readonly sure: Bits | null;
  /** Property names seen so far (objects only), indexed through `keyIndex` for each haskey leaf. */
  readonly seen: Bits | null;
  readonly keyIndex: Int32Array | null;
  /** Truth of a haskey leaf whose name is not (yet) seen: MAYBE while an object is open, else NO. */
  readonly unseen: Truth;
}

/** Three-valued evaluation of `f`. */
export function evaluate(f: Formula, v: Valuation): Truth {
  switch (f.op) {
    case 'const':
      return f.v;
    case 'atom':
      if (!hasBit(v.atoms, f.i)) return NO;
      return v.sure === null || hasBit(v.sure, f.i) ? YES : MAYBE;
    case 'key':
      return v.seen !== null && hasBit(v.seen, v.keyIndex![f.i]) ? YES : v.unseen;
    case 'and': {
      let result: Truth = YES;
      for (const item of f.items) {
        const t = evaluate(item, v);
        if (t === NO) return NO;
        if (t === MAYBE) result = MAYBE;
      }
      return result;
    }
    case 'or': {
      let result: Truth = NO;
      for (const item of f.items) {
        const t = evaluate(item, v);
        if (t === YES) return YES;
        if (t === MAYBE) result = MAYBE;
      }
      return result;
    }
    case 'one': {
      let yes = 0;
      let maybe = 0;
      for (const item of f.items) {
        const t = evaluate(item, v);
        if (t === YES) {
          if (++yes > 1) return NO;
        } else if (t === MAYBE) maybe++;
      }
      if (maybe === 0) return yes === 1 ? YES : NO;
      return MAYBE;
    }
    case 'not': {
      const t = evaluate(f.item, v);
      return t === MAYBE ? MAYBE : t === YES ? NO : YES;
    }
    case 'ite': {
      const c = evaluate(f.c, v);
      if (c === YES) return evaluate(f.t, v);
      if (c === NO) return evaluate(f.e, v);
      const t = evaluate(f.t, v);
      const e = evaluate(f.e, v);
      return t === e ? t : MAYBE;
    }
  }
}

/**
 * The atoms whose annotations reach the top of `f` for a complete value (`v.sure` null): annotations
 * flow out of a subschema only when it succeeded, so failed anyOf/oneOf branches, the inside of `not`,
 * and the untaken branch of if/then/else contribute nothing.
 */
export function succeededAtoms(f: Formula, v: Valuation, out: number[]): void {
  switch (f.op) {
    case 'atom':
      if (hasBit(v.atoms, f.i)) out.push(f.i);
      return;
    case 'and':
    case 'or':
    case 'one':
      for (const item of f.items) if (evaluate(item, v) === YES) succeededAtoms(item, v, out);
      return;
    case 'ite':
      if (evaluate(f.c, v) === YES) {
        succeededAtoms(f.c, v, out);
        if (evaluate(f.t, v) === YES) succeededAtoms(f.t, v, out);
      } else if (evaluate(f.e, v) === YES) succeededAtoms(f.e, v, out);
      return;
    default:
      return;
  }
}

/**
 * Compiles and memoizes goals. A requirement is a conjunction of schema nodes (what one enclosing
 * constraint asks of the value); a goal is identified by its list of requirements.
 */
export class GoalTable {
  private readonly goals = new Map<string, Goal>();
  private nextId = 1;
  /** Keep `or` members next to a constant true (their annotations matter for unevaluated*). */
  private readonly keepAnnotations: boolean;

  constructor(keepAnnotations = false) {
    this.keepAnnotations = keepAnnotations;
  }

  get size(): number {
    return this.goals.size;
  }

  goal(reqs: readonly (readonly SchemaNode[])[]): Goal {
    const key = reqs.map((r) => r.map((n) => n.id).join('+')).join('|');
    let goal = this.goals.get(key);
    if (goal === undefined) {
      goal = this.build(key, reqs);
      this.goals.set(key, goal);
    }
    return goal;
  }

  private build(key: string, reqs: readonly (readonly SchemaNode[])[]): Goal {
    const atoms: Atom[] = [];
    const atomIndex = new Map<number, number>();
    const keyNames: string[] = [];
    const keyIndex = new Map<string, number>();
    const nodeMemo = new Map<SchemaNode, Formula>();
    const expanding = new Set<SchemaNode>();
    const scope = new Map<number, Formula>();

    const toFormula = (e: Expr): Formula => {
      switch (e.k) {
        case 'true':
          return { op: 'const', v: YES };
        case 'false':
          return { op: 'const', v: NO };
        case 'atom': {
          let i = atomIndex.get(e.atom.id);
          if (i === undefined) {
            i = atoms.length;
            atoms.push(e.atom);
            atomIndex.set(e.atom.id, i);
          }
          return { op: 'atom', i };
        }
        case 'node': {
          const known = nodeMemo.get(e.node);
          if (known !== undefined) return known;
          // The compiler refuses in-place cycles, so this cannot recurse forever.
          if (expanding.has(e.node)) return { op: 'const', v: NO };
          expanding.add(e.node);
          const f = toFormula(e.node.expr);
          expanding.delete(e.node);
          nodeMemo.set(e.node, f);
          const parts = e.node.expr.k === 'and' ? e.node.expr.items : [e.node.expr];
          for (const part of parts) {
            if (part.k === 'atom' && (part.atom.obj?.unevaluated !== undefined || part.atom.arr?.unevaluated !== undefined)) {
              scope.set(atomIndex.get(part.atom.id)!, f);
            }
          }
          return f;
        }
        case 'and':
        case 'or':
        case 'one':
          return simplify({ op: e.k, items: e.items.map(toFormula) }, this.keepAnnotations);
        case 'not':
          return simplify({ op: 'not', item: toFormula(e.item) }, this.keepAnnotations);
        case 'ite':
          return simplify({ op: 'ite', c: toFormula(e.cond), t: toFormula(e.then), e: toFormula(e.else) });
        case 'haskey': {
          let i = keyIndex.get(e.name);
          if (i === undefined) {
            i = keyNames.length;
            keyNames.push(e.name);
            keyIndex.set(e.name, i);
          }
          return { op: 'key', i };
        }
      }
    };
    const formulas = reqs.map((nodes) => simplify({ op: 'and', items: nodes.map((node) => toFormula({ k: 'node', node })) }));
    return new Goal(this.nextId++, key, atoms, formulas, keyNames, scope);
  }
}

/** Constant folding (`keep`: an `or` with a true member keeps the others, see GoalTable). */
function simplify(f: Formula, keep = false): Formula {
  switch (f.op) {
    case 'and':
    case 'or': {
      const absorbing = f.op === 'and' ? NO : YES;
      const neutral = f.op === 'and' ? YES : NO;
      const items: Formula[] = [];
      for (const item of f.items) {
        if (item.op === 'const') {
          // An `or` keeps its other members: they still contribute annotations (unevaluated*).
          if (item.v === absorbing && f.op === 'and') return item;
          if (item.v === neutral) continue;
        }
        if (item.op === f.op) items.push(...item.items);
        else items.push(item);
      }
      if (f.op === 'or' && items.some((item) => item.op === 'const' && item.v === YES)) {
        if (!keep) return { op: 'const', v: YES };
        const rest = items.filter((item) => item.op !== 'const');
        return rest.length === 0 ? { op: 'const', v: YES } : { op: 'or', items: [{ op: 'const', v: YES }, ...rest] };
      }
      if (items.length === 0) return { op: 'const', v: neutral };
      if (items.length === 1) return items[0];
      return { op: f.op, items };
    }
    case 'one': {
      const items = f.items.filter((item) => !(item.op === 'const' && item.v === NO));
      let yes = 0;
      for (const item of items) if (item.op === 'const' && item.v === YES) yes++;
      if (yes > 1) return { op: 'const', v: NO };
      if (items.length === 0) return { op: 'const', v: NO };
      if (items.length === 1) return items[0];
      if (yes === 1 && items.length > 1) {
        // Exactly one constant true: all others must be false.
        const rest = items.filter((item) => !(item.op === 'const'));
        return simplify({ op: 'and', items: rest.map((item) => simplify({ op: 'not', item })) });
      }
      return { op: 'one', items };
    }
    case 'not':
      if (f.item.op === 'const') return { op: 'const', v: f.item.v === MAYBE ? MAYBE : f.item.v === YES ? NO : YES };
      if (f.item.op === 'not' && !keep) return f.item.item;
      return f;
    case 'ite':
      if (f.c.op === 'const') return f.c.v === YES ? f.t : f.c.v === NO ? f.e : f;
      return f;
    default:
      return f;
  }
}
