import type { ArrayPlan } from './array-plan.js';
import type { Bits } from './bits.js';
import type { ChildLink } from './child-link.js';
import { TY_ARRAY, TY_BOOLEAN, TY_NULL, TY_NUMBER, TY_OBJECT, TY_STRING } from './goal.js';
import type { ObjectPlan } from './object-plan.js';
import type { StringPlan } from './string-plan.js';
import type { UndeclaredKeys } from './undeclared-keys.js';

/**
 * The frames of the schema machine: one per open JSON value (plus the document root), immutable, linked
 * to the enclosing frame. The machine (schema-machine.ts) creates and steps them; the cursor
 * (schema-cursor.ts) walks them depth-first. Constants name kinds, phases and decoder states.
 */

export const K_ROOT = 0;
export const K_OBJ = 1;
export const K_ARR = 2;
export const K_STR = 3;
export const K_NUM = 4;
export const K_LIT = 5;

// Object phases.
export const O_OPEN = 0; // after '{'
export const O_AFTER_KEY = 1; // after the key, before ':'
export const O_BEFORE_VALUE = 2; // after ':'
export const O_AFTER_VALUE = 3;
export const O_AFTER_COMMA = 4;
// Array phases.
export const A_OPEN = 0;
export const A_AFTER_VALUE = 1;
export const A_AFTER_COMMA = 2;
// Root phases.
export const R_BEFORE = 0;
export const R_AFTER = 1;

// String decoder states (esc).
export const S_NORMAL = 0;
export const S_BACKSLASH = 1;
export const S_HEX = 2; // 2..5: reading \uXXXX, esc - 2 digits read
export const S_LOW_BACKSLASH = 6; // high surrogate read, expecting '\'
export const S_LOW_U = 7; // expecting 'u'
export const S_LOW_HEX = 8; // 8..11: reading the low surrogate
export const S_UTF8 = 12; // 12..14: raw UTF-8, esc - 11 continuation bytes still expected
export const S_UTF8_E0 = 15; // after E0: next in A0..BF, then one more
export const S_UTF8_ED = 16; // after ED: next in 80..9F, then one more
export const S_UTF8_F0 = 17; // after F0: next in 90..BF, then two more
export const S_UTF8_F4 = 18; // after F4: next in 80..8F, then two more

// Number phases.
export const N_MINUS = 0;
export const N_ZERO = 1;
export const N_INT = 2;
export const N_DOT = 3;
export const N_FRAC = 4;
export const N_E = 5;
export const N_E_SIGN = 6;
export const N_EXP = 7;

/** Decoded code point of `\x` per byte x; -1 invalid, ESCAPE_U for `\u`. */
export const ESCAPE_U = -2;
export const ESCAPES = new Int32Array(256).fill(-1);
ESCAPES[0x22] = 0x22;
ESCAPES[0x5c] = 0x5c;
ESCAPES[0x2f] = 0x2f;
ESCAPES[0x62] = 0x08;
ESCAPES[0x66] = 0x0c;
ESCAPES[0x6e] = 0x0a;
ESCAPES[0x72] = 0x0d;
ESCAPES[0x74] = 0x09;
ESCAPES[0x75] = ESCAPE_U;

export const WORDS = [new TextEncoder().encode('true'), new TextEncoder().encode('false'), new TextEncoder().encode('null')];

/** Longest number text kept when numeric keywords need it; longer numbers are refused. */
export const MAX_NUMBER_TEXT = 1024;

export interface Base {
  readonly kind: number;
  readonly parent: Frame | null;
  readonly depth: number;
  /** How this value answers to its parent (the root frame's link is the document's). */
  readonly link: ChildLink;
  readonly alive: Bits;
  /** Raw bytes (latin1) recorded since the outermost recording value began; current only on the top frame. */
  readonly rec: string | null;
  /** Offset in `rec` where this value began, or -1 when it is not recorded. */
  readonly recFrom: number;
  /** Frames of the stack, this one included, that need recording. */
  readonly recCount: number;
  /** Memoized mask key (frames are immutable). */
  key?: string;
}

export interface RootFrame extends Base {
  readonly kind: typeof K_ROOT;
  readonly phase: number;
  readonly ws: number;
}

export interface ObjFrame extends Base {
  readonly kind: typeof K_OBJ;
  readonly plan: ObjectPlan;
  readonly phase: number;
  readonly ws: number;
  readonly seen: Bits;
  readonly count: number;
  /** Link of the value of the key just read (phases O_AFTER_KEY, O_BEFORE_VALUE). */
  readonly pending: ChildLink | null;
  /** propertyOrder 'schema': per atom, position in its property list of the last key, or null. */
  readonly order: Int32Array | null;
  /** unevaluatedProperties: one record per property (shared append-only array, first evalsLen valid). */
  readonly evals: EvalRecord[] | null;
  readonly evalsLen: number;
  /** Name index and pattern matches of the key whose value is being read. */
  readonly pendingName: number;
  readonly pendingMatched: Bits | null;
  /** Decoded keys written so far that no atom names (declared ones are in `seen`): duplicates are refused. */
  readonly undeclared: UndeclaredKeys | null;
}

export interface ArrFrame extends Base {
  readonly kind: typeof K_ARR;
  readonly plan: ArrayPlan;
  readonly phase: number;
  readonly ws: number;
  readonly index: number;
  readonly counts: Int32Array | null;
  /** uniqueItems: equality keys of the completed items (shared, append-only; first itemsLen valid). */
  readonly items: string[][] | null;
  readonly itemsLen: number;
  /** unevaluatedItems: one record per item. */
  readonly evals: EvalRecord[] | null;
  readonly evalsLen: number;
}

export interface StrFrame extends Base {
  readonly kind: typeof K_STR;
  readonly plan: StringPlan;
  readonly ps: number;
  readonly cp: number;
  readonly esc: number;
  readonly acc: number;
  readonly text: string | null;
  /** The object this string is a key of (null for string values). */
  readonly keyOf: ObjectPlan | null;
}

export interface NumFrame extends Base {
  readonly kind: typeof K_NUM;
  readonly phase: number;
  readonly text: string | null;
  /** Digit counters of the number's text (number-shape.ts). */
  readonly shape: number;
}

export interface LitFrame extends Base {
  readonly kind: typeof K_LIT;
  readonly word: number;
  readonly pos: number;
}

export type Frame = RootFrame | ObjFrame | ArrFrame | StrFrame | NumFrame | LitFrame;

/**
 * Every field of every frame kind. All frames are created from one template (newFrame) and copied by
 * one literal in the same field order (frameWith), so they share a single hidden class and every copy
 * and field read in the machine is monomorphic: measured, per-kind object shapes made the copies
 * megamorphic and several times slower.
 */
export interface FrameFields {
  kind: number;
  parent: Frame | null;
  depth: number;
  link: ChildLink;
  alive: Bits;
  rec: string | null;
  recFrom: number;
  recCount: number;
  key: string | undefined;
  phase: number;
  ws: number;
  plan: ObjectPlan | ArrayPlan | StringPlan | null;
  seen: Bits;
  count: number;
  pending: ChildLink | null;
  order: Int32Array | null;
  evals: EvalRecord[] | null;
  evalsLen: number;
  pendingName: number;
  pendingMatched: Bits | null;
  undeclared: UndeclaredKeys | null;
  index: number;
  counts: Int32Array | null;
  items: string[][] | null;
  itemsLen: number;
  ps: number;
  cp: number;
  esc: number;
  acc: number;
  text: string | null;
  keyOf: ObjectPlan | null;
  shape: number;
  word: number;
  pos: number;
}

export const NO_BITS = new Uint32Array(1);

export function newFrame(kind: number, parent: Frame | null, link: ChildLink, alive: Bits, rec: string | null, recFrom: number, recCount: number): FrameFields {
  return {
    kind,
    parent,
    depth: parent === null ? 0 : parent.depth + 1,
    link,
    alive,
    rec,
    recFrom,
    recCount,
    key: undefined,
    phase: 0,
    ws: 0,
    plan: null,
    seen: NO_BITS,
    count: 0,
    pending: null,
    order: null,
    evals: null,
    evalsLen: 0,
    pendingName: -1,
    pendingMatched: null,
    undeclared: null,
    index: 0,
    counts: null,
    items: null,
    itemsLen: 0,
    ps: 0,
    cp: 0,
    esc: 0,
    acc: 0,
    text: null,
    keyOf: null,
    shape: 0,
    word: 0,
    pos: 0,
  };
}

/**
 * A copy of `f` with `changes` applied: the way every frame is copied (pass `key: undefined` when the
 * changes affect the mask key). V8 gives the result of `{ ...f, field }` a hidden class of its own,
 * not newFrame's, and with many such classes in play the copy sites went megamorphic: measured ~3.5 us
 * per copy of an object frame when a key closes. One literal in newFrame's field order keeps
 * newFrame's class.
 */
export function frameWith<T extends Frame>(f: T, changes: Partial<FrameFields>): T {
  const s = f as unknown as FrameFields;
  const copy: FrameFields = {
    kind: s.kind,
    parent: s.parent,
    depth: s.depth,
    link: s.link,
    alive: s.alive,
    rec: s.rec,
    recFrom: s.recFrom,
    recCount: s.recCount,
    key: s.key,
    phase: s.phase,
    ws: s.ws,
    plan: s.plan,
    seen: s.seen,
    count: s.count,
    pending: s.pending,
    order: s.order,
    evals: s.evals,
    evalsLen: s.evalsLen,
    pendingName: s.pendingName,
    pendingMatched: s.pendingMatched,
    undeclared: s.undeclared,
    index: s.index,
    counts: s.counts,
    items: s.items,
    itemsLen: s.itemsLen,
    ps: s.ps,
    cp: s.cp,
    esc: s.esc,
    acc: s.acc,
    text: s.text,
    keyOf: s.keyOf,
    shape: s.shape,
    word: s.word,
    pos: s.pos,
  };
  return Object.assign(copy, changes) as unknown as T;
}

/**
 * What unevaluatedProperties / unevaluatedItems need to know about one property or item once the
 * enclosing value completes: its name index (or item position), the atoms whose patternProperties
 * (or contains) matched it, and per atom the truth of the unevaluated* schema for its value.
 */
export interface EvalRecord {
  readonly name: number;
  readonly matched: Bits;
  readonly u: Uint8Array;
}

export function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export function typeOfFrame(f: Frame): number {
  switch (f.kind) {
    case K_STR:
      return TY_STRING;
    case K_NUM:
      return TY_NUMBER;
    case K_OBJ:
      return TY_OBJECT;
    case K_ARR:
      return TY_ARRAY;
    case K_LIT:
      return f.word === 2 ? TY_NULL : TY_BOOLEAN;
    default:
      return -1;
  }
}

export function hex(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

/** Writes the UTF-8 bytes of `cp` into `out`; returns their number. */
export function utf8Encode(cp: number, out: Uint8Array): number {
  if (cp < 0x80) {
    out[0] = cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = 0xc0 | (cp >> 6);
    out[1] = 0x80 | (cp & 0x3f);
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = 0xe0 | (cp >> 12);
    out[1] = 0x80 | ((cp >> 6) & 0x3f);
    out[2] = 0x80 | (cp & 0x3f);
    return 3;
  }
  out[0] = 0xf0 | (cp >> 18);
  out[1] = 0x80 | ((cp >> 12) & 0x3f);
  out[2] = 0x80 | ((cp >> 6) & 0x3f);
  out[3] = 0x80 | (cp & 0x3f);
  return 4;
}


export function emptyLike(b: Bits): Bits {
  return new Uint32Array(b.length);
}

export function bitOf(words: number, i: number): Bits {
  const b = new Uint32Array(words);
  b[i >>> 5] |= 1 << (i & 31);
  return b;
}

/** a | (b & c). */
export function orAnd(a: Bits, b: Bits, c: Bits): Bits {
  const out = a.slice();
  for (let w = 0; w < out.length; w++) out[w] |= b[w] & c[w];
  return out;
}

