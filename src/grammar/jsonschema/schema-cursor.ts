import type { ByteCursor } from '../automaton/byte-machine.js';
import { andBits, bitsKey, hasBit, intersects, withBit, type Bits } from './bits.js';
import {
  emptyLike,
  ESCAPE_U,
  ESCAPES,
  frameWith,
  hex,
  isWs,
  K_NUM,
  K_OBJ,
  K_ARR,
  K_ROOT,
  K_STR,
  MAX_NUMBER_TEXT,
  N_DOT,
  N_E,
  N_E_SIGN,
  N_EXP,
  N_FRAC,
  N_INT,
  N_MINUS,
  N_ZERO,
  orAnd,
  S_BACKSLASH,
  S_HEX,
  S_LOW_HEX,
  S_NORMAL,
  S_UTF8,
  S_UTF8_E0,
  S_UTF8_ED,
  S_UTF8_F0,
  S_UTF8_F4,
  utf8Encode,
  type Frame,
  type NumFrame,
  type ObjFrame,
  type StrFrame,
} from './frame.js';
import { numberViable } from './number-constraint.js';
import { breaksPlainForm, stepShape, type NumberForm } from './number-shape.js';
import type { SchemaMachine, SchemaState } from './schema-machine.js';
import { undeclaredKeyContinues } from './undeclared-keys.js';

/** Byte kinds in a string body for the cursor's fast path: next decoder state, or a marker. */
const FAST_SLOW = -1; // needs the full step (quote, backslash)
const FAST_REJECT = -2; // never valid here
/** For decoder state S_NORMAL: the decoder state after each byte. */
const NORMAL_NEXT = new Int32Array(256);
for (let b = 0; b < 256; b++) {
  let next: number;
  if (b === 0x22 || b === 0x5c) next = FAST_SLOW;
  else if (b < 0x20) next = FAST_REJECT;
  else if (b < 0x80) next = S_NORMAL;
  else if (b >= 0xc2 && b <= 0xdf) next = S_UTF8;
  else if (b === 0xe0) next = S_UTF8_E0;
  else if (b === 0xed) next = S_UTF8_ED;
  else if (b >= 0xe1 && b <= 0xef) next = S_UTF8 + 1;
  else if (b === 0xf0) next = S_UTF8_F0;
  else if (b === 0xf4) next = S_UTF8_F4;
  else if (b >= 0xf1 && b <= 0xf3) next = S_UTF8 + 2;
  else next = FAST_REJECT;
  NORMAL_NEXT[b] = next;
}

/** What the cursor's fast path needs to know about a string frame, computed once per frame. */
interface FastInfo {
  /** Smallest maxLength among the live atoms (a count beyond it kills one). */
  readonly maxLength: number;
  /**
   * For keys: per product state, the frame to continue from once the enclosing object's closed atoms
   * are checked (the base itself, the base with some atoms dead, or null: the key is impossible).
   */
  readonly keyNext: Map<number, StrFrame | null> | null;
  /**
   * The base to continue from once a byte moved the string to a product state (and count) that kills
   * some of its atoms (null: the document dies), keyed by that state and, when a maxLength is passed,
   * the count (pushFed). The atoms killed are a function of the two (a record's own state kills none of
   * its base's live atoms), so the walks of every mask from this base share it; a property name's bytes
   * kill the names they leave behind at almost every byte of a key walk.
   */
  readonly deaths: Map<number, StrFrame | null>;
}
const fastInfos = new WeakMap<Frame, FastInfo>();

/**
 * The machine driven depth-first by a trie walk. Most of a walk's nodes are string-body bytes or
 * whitespace: there the cursor keeps a "fast record" per depth (the string's product state, count and
 * decoder state, or a whitespace count) relative to a base frame, in typed arrays, and allocates
 * nothing. Atom deaths inside a string switch to a derived base (the base with those atoms killed,
 * memoized per dead set), so an enum alternative dying does not end the fast path. Escapes stay in
 * fast records too (pushEscape): an escape's code point steps the product automaton once decoded, and
 * only the liveness of an unfinished escape asks the machine, memoized per record. Strings inside
 * uniqueItems arrays (recorded text) stay fast as well: a record's text is rebuilt from the bytes
 * pushed when a full frame is needed (measured: micro-syntax's mask p50 1.3 -> 0.8 ms). Anything else
 * (structure) takes the full step, from the materialized frame; full steps are memoized per (frame,
 * byte) for the duration of the walk, since many tokens continue identically after the same closing
 * quote.
 */
const F_SLOW = 0;
const F_STR = 1;
const F_WS = 2;
const F_NUM = 3;

/** Number phase after a byte, per phase (-1: not part of the number). */
const NUMBER_NEXT: Int8Array[] = [];
for (let phase = 0; phase <= N_EXP; phase++) {
  const row = new Int8Array(256).fill(-1);
  for (let b = 0x30; b <= 0x39; b++) {
    if (phase === N_MINUS) row[b] = b === 0x30 ? N_ZERO : N_INT;
    else if (phase === N_INT) row[b] = N_INT;
    else if (phase === N_DOT || phase === N_FRAC) row[b] = N_FRAC;
    else if (phase === N_E || phase === N_E_SIGN || phase === N_EXP) row[b] = N_EXP;
  }
  if (phase === N_ZERO || phase === N_INT) row[0x2e] = N_DOT;
  if (phase === N_ZERO || phase === N_INT || phase === N_FRAC) row[0x65] = row[0x45] = N_E;
  if (phase === N_E) row[0x2b] = row[0x2d] = N_E_SIGN;
  NUMBER_NEXT.push(row);
}

function numberComplete(phase: number): boolean {
  return phase === N_ZERO || phase === N_INT || phase === N_FRAC || phase === N_EXP;
}

/**
 * The machine's full steps from the frames of states (where every walk starts), kept across walks:
 * each cursor of a mask pushes the same first bytes from its state again, and a memo of its own (per
 * walk) found ~0.01% of those steps already taken (MaskBench, 300-file sample). A frame's row lives as
 * long as the frame.
 */
const stateSteps = new WeakMap<Frame, (Frame | null | undefined)[]>();

function stateStep(machine: SchemaMachine, from: Frame, byte: number): Frame | undefined {
  let row = stateSteps.get(from);
  if (row === undefined) {
    row = [];
    stateSteps.set(from, row);
  }
  let next = row[byte];
  if (next === undefined) {
    next = machine.stepFrame(from, byte) ?? null;
    row[byte] = next;
  }
  return next === null ? undefined : next;
}

/**
 * Unfinished escape steps per base frame, then (ps, cp), then (acc, esc, byte): next esc and acc
 * packed, or -1. Kept across walks (pure functions of the frame and those numbers): the cursors of one
 * mask share a base and ask the same steps, and each asks the machine's escape liveness, whose memo is
 * keyed by a string of the whole frame stack (measured: building and hashing it was ~5% of key masks).
 */
const escapeSteps = new WeakMap<Frame, Map<number, Map<number, number>>>();

/** Depth of records a cursor grows to once a walk passes its first 16 bytes (Llama-3's tokens: 128). */
const DEEP_CURSOR = 160;

export class SchemaCursor implements ByteCursor {
  private readonly machine: SchemaMachine;
  private readonly base: SchemaState;
  private depth = 0;
  /** Full frame at a depth (slow entries), or the materialized form of a fast record. */
  private readonly frames: (Frame | undefined)[] = [];
  private fast: Uint8Array;
  private bases: (Frame | undefined)[];
  private infos: (FastInfo | undefined)[];
  private ps: Int32Array;
  /** Code point count (strings) or whitespace run (F_WS). */
  private cp: Int32Array;
  private esc: Int32Array;
  /** Code units read so far of a `\uXXXX` escape (S_HEX.., S_LOW_..: below 2^32, as escapeStep packs it). */
  private acc: Uint32Array;
  /**
   * F_STR records of a recorded string (uniqueItems): the depth whose frame's `rec` the base carries;
   * the record's own `rec` is that plus the bytes pushed since (see frameAt).
   */
  private recAt: Int32Array;
  /**
   * Text of F_STR records whose base keeps it (keys), or number text of F_NUM records (numeric
   * keywords); null when none is kept. A string's text grows by one character per body byte, and most
   * records never need it: undefined marks a text not built yet, which is the text at depth
   * `textFrom[d]` plus the bytes pushed since (textOf). Measured: building it per byte was ~8% of the
   * bytes allocated by MaskBench's masks (key masks walk every token spelling a name).
   */
  private texts: (string | null | undefined)[];
  private textFrom: Int32Array;
  private readonly bytes: number[] = [];
  // Per-walk memos, made on first use: a mask makes several cursors, many of which never need one.
  private memo: Map<Frame, Map<number, Frame | null>> | undefined;
  /** Numbers finished in this walk (pushNumberEnd): the enclosing frame, or null when the number fails. */
  private finished: Map<Frame, Frame | null> | undefined;
  private materialized: Map<Frame, Map<number | string, Frame>> | undefined;
  private derived: Map<Frame, Map<string, Frame | null>> | undefined;
  private readonly maxWs: number;
  private readonly numbers: NumberForm;

  constructor(machine: SchemaMachine, base: SchemaState, maxWs: number, numbers: NumberForm) {
    this.machine = machine;
    this.base = base;
    this.maxWs = maxWs;
    this.numbers = numbers;
    this.frames[0] = base.frame;
    // Trie walks go as deep as the longest token (128 bytes for Llama-3) but mostly stay within a few
    // bytes, and a mask makes several cursors: start small, grow when needed (measured: allocating
    // DEEP_CURSOR deep was ~8% of the time of key masks). Small enough for V8 to keep every array on
    // its own heap (64 bytes at most): a larger typed array gets a backing store of its own, allocated
    // and freed outside the heap (measured: 3.5 us per cursor at 32 records, 0.23 us at 16; ~3% of
    // MaskBench's mask time, with two cursors per mask computed).
    const cap = 16;
    this.fast = new Uint8Array(cap);
    this.bases = new Array(cap);
    this.infos = new Array(cap);
    this.ps = new Int32Array(cap);
    this.cp = new Int32Array(cap);
    this.esc = new Int32Array(cap);
    this.acc = new Uint32Array(cap);
    this.recAt = new Int32Array(cap);
    this.texts = new Array(cap).fill(null);
    this.textFrom = new Int32Array(cap);
  }

  push(byte: number): boolean {
    const d = this.depth;
    if (d + 1 >= this.fast.length) this.grow();
    const kind = this.fast[d];
    if (kind === F_NUM) return this.pushNumber(this.bases[d] as NumFrame, this.ps[d], this.cp[d], this.texts[d] as string | null, byte);
    if (kind === F_WS) {
      if (isWs(byte)) {
        const ws = this.cp[d] + 1;
        if (ws > this.maxWs) return false;
        this.texts[d + 1] = null;
        return this.pushFast(F_WS, this.bases[d]!, undefined, 0, ws, 0, 0, byte);
      }
      return this.slowPush(byte);
    }
    let base: StrFrame | undefined;
    let info: FastInfo | undefined;
    let ps = 0;
    let cp = 0;
    let esc = 0;
    let acc = 0;
    let text: string | null | undefined = null;
    if (kind === F_STR) {
      base = this.bases[d] as StrFrame;
      info = this.infos[d];
      ps = this.ps[d];
      cp = this.cp[d];
      esc = this.esc[d];
      acc = this.acc[d];
      text = this.texts[d];
    } else {
      const top = this.frames[d]!;
      if (top.kind === K_STR) {
        // Recorded strings too: a string's bytes change nothing but its own fields and the record.
        base = top;
        info = fastInfoOf(top);
        ps = top.ps;
        cp = top.cp;
        esc = top.esc;
        acc = top.acc;
        text = top.text;
        // Where the texts of the records pushed from here are built from (textOf).
        this.texts[d] = text;
      } else if (top.kind === K_NUM) {
        if (top.rec === null) return this.pushNumber(top, top.phase, top.shape, top.text, byte);
      } else if ((top.kind === K_OBJ || top.kind === K_ARR || top.kind === K_ROOT) && isWs(byte) && this.maxWs !== Infinity) {
        // Whitespace changes a container's run and, inside a recorded value (a uniqueItems array and
        // its items), its record: nothing else. Recorded runs rebuild the record in frameAt (measured
        // on the 1,532 masks of strings in uniqueItems arrays of the 300-file MaskBench sample, cache
        // off: 1.22-1.25 -> 1.02-1.15 ms per mask; a frame copy per whitespace byte before).
        const ws = top.ws + 1;
        if (ws > this.maxWs) return false;
        this.texts[d + 1] = null;
        return this.pushFast(F_WS, top, undefined, 0, ws, 0, 0, byte);
      }
    }
    if (base === undefined || info === undefined) return this.slowPush(byte);
    if (esc === S_NORMAL ? byte === 0x5c : esc < S_UTF8) return this.pushEscape(base, info, ps, cp, esc, acc, text, byte);
    let nextEsc: number;
    if (esc === S_NORMAL) nextEsc = NORMAL_NEXT[byte];
    else {
      let lo = 0x80;
      let hi = 0xbf;
      switch (esc) {
        case S_UTF8_E0:
          lo = 0xa0;
          nextEsc = S_UTF8;
          break;
        case S_UTF8_ED:
          hi = 0x9f;
          nextEsc = S_UTF8;
          break;
        case S_UTF8_F0:
          lo = 0x90;
          nextEsc = S_UTF8 + 1;
          break;
        case S_UTF8_F4:
          hi = 0x8f;
          nextEsc = S_UTF8 + 1;
          break;
        default:
          nextEsc = esc === S_UTF8 ? S_NORMAL : esc - 1;
      }
      if (byte < lo || byte > hi) return false;
    }
    if (nextEsc === FAST_REJECT) return false;
    if (nextEsc === FAST_SLOW) return this.slowPush(byte);
    // The byte joins the text as it is: the text is built only when asked for (textOf).
    const nextText = text === null ? null : undefined;
    // A key that may still repeat an undeclared key of its object: the full step checks its liveness.
    if (base.keyOf !== null && nextText !== null && this.mayRepeatKey(base, byte)) return this.slowPush(byte);
    const plan = base.plan;
    const nextCp = plan.cpCap > 0 && esc === S_NORMAL ? Math.min(cp + 1, plan.cpCap) : cp;
    return this.pushFed(base, info, ps, plan.step(ps, byte), nextCp, nextEsc, nextText, byte);
  }

  /** Whether the key, with `byte` added to its text, may still repeat an undeclared key of its object. */
  private mayRepeatKey(base: StrFrame, byte: number): boolean {
    return (base.parent as ObjFrame).undeclared !== null && this.repeatsKey(base, this.textOf(this.depth) + String.fromCharCode(byte));
  }

  /** Whether a key with this text may still repeat an undeclared key of its object. */
  private repeatsKey(base: StrFrame, text: string): boolean {
    const written = (base.parent as ObjFrame).undeclared;
    return written !== null && undeclaredKeyContinues(written, text);
  }

  /** The text at depth d (see `texts`), built and kept on first use. */
  private textOf(d: number): string | null {
    const text = this.texts[d];
    if (text !== undefined) return text;
    const from = this.textFrom[d];
    const built = (this.texts[from] as string) + String.fromCharCode(...this.bytes.slice(from, d));
    this.texts[d] = built;
    return built;
  }

  /**
   * Records the text of the record about to be pushed: `text`, or when undefined the text here plus
   * the byte being pushed (built later, from the nearest depth whose text is built).
   */
  private setNextText(text: string | null | undefined): void {
    const d = this.depth;
    this.texts[d + 1] = text;
    if (text === undefined) this.textFrom[d + 1] = this.texts[d] !== undefined ? d : this.textFrom[d];
  }

  /**
   * The string moved to product state `nextPs` (from `ps`), count `nextCp` and decoder state `nextEsc`,
   * as the machine's `fed` would: atoms it kills (a component died, a maxLength passed) leave a derived
   * base to continue from; a key's new state is checked against the enclosing object (memoized per
   * state).
   */
  private pushFed(base: StrFrame, info: FastInfo, ps: number, nextPs: number, nextCp: number, nextEsc: number, nextText: string | null | undefined, byte: number): boolean {
    const plan = base.plan;
    const deadByState = nextPs !== ps && intersects(plan.deadAt(nextPs), base.alive);
    const deadByLength = nextCp > info.maxLength;
    if (deadByState || deadByLength) {
      // tooLongAt counts up to cpCap: counts past it kill alike. Slots stay below 2^53.
      const slot = plan.cpCap < 4194303 && nextPs < 2147483648 ? nextPs * 4194304 + (deadByLength ? Math.min(nextCp, plan.cpCap) + 1 : 0) : -1;
      let derived = slot >= 0 ? info.deaths.get(slot) : undefined;
      if (derived === undefined) {
        derived = this.deathBase(base, nextPs, nextCp, nextEsc, nextText, byte, deadByState, deadByLength);
        if (slot >= 0) info.deaths.set(slot, derived);
      }
      if (derived === null) return false;
      base = derived;
      info = fastInfoOf(derived);
    }
    if (info.keyNext !== null && nextPs !== ps) {
      let next = info.keyNext.get(nextPs);
      if (next === undefined) {
        const text = nextText === undefined ? this.textOf(this.depth) + String.fromCharCode(byte) : nextText;
        const checked = this.machine.checkKey(frameWith(base, { ps: nextPs, cp: nextCp, esc: nextEsc, acc: 0, text, key: undefined }));
        next = checked === undefined ? null : (checked as StrFrame);
        if (next !== null && next.parent === base.parent) next = base;
        info.keyNext.set(nextPs, next);
      }
      if (next === null) return false;
      if (next !== base) {
        base = next;
        info = fastInfoOf(next);
      }
    }
    this.setNextText(nextText);
    return this.pushFast(F_STR, base, info, nextPs, nextCp, nextEsc, 0, byte);
  }

  /**
   * pushFed's derived base for a byte that kills atoms. (A method of its own: V8 allocates the context
   * of the variables a closure captures on every call of the function that may make it, not only when
   * it is made; in pushFed that was ~1.1 GB of the ~10 GB allocated on MaskBench files 1000-1150.)
   */
  private deathBase(base: StrFrame, nextPs: number, nextCp: number, nextEsc: number, nextText: string | null | undefined, byte: number, deadByState: boolean, deadByLength: boolean): StrFrame | null {
    const plan = base.plan;
    let dead = deadByState ? andBits(plan.deadAt(nextPs), base.alive) : emptyLike(base.alive);
    if (deadByLength) dead = orAnd(dead, plan.tooLongAt(nextCp), base.alive);
    // (The text is built only when the derived base is not known yet.)
    return this.derive(base, dead, (f) =>
      frameWith(f, { ps: nextPs, cp: nextCp, esc: nextEsc, acc: 0, text: nextText === undefined ? this.textOf(this.depth) + String.fromCharCode(byte) : nextText, key: undefined }),
    ) as StrFrame | null;
  }

  /**
   * A byte of an escape (`\\`, `\n`, `\uXXXX`, surrogate pairs), kept in a fast record. A finished
   * escape feeds its decoded code point's UTF-8 bytes to the product automaton, exactly as the
   * machine's feedCodePoint does. An unfinished one is live when some completion keeps the string
   * live (the machine's escapeLive), which depends on the record's frame, state, count and escape so
   * far but not on the text (escapeLive feeds its candidates without it), so the machine is asked once
   * per record and byte. Measured before: escape tokens, stepped by the full machine, were ~80% of the
   * nodes of key-state masks (~2.5 us each); MaskBench key masks over 1 ms went from 2,185 to 783.
   */
  private pushEscape(base: StrFrame, info: FastInfo, ps: number, cp: number, esc: number, acc: number, lazyText: string | null | undefined, byte: number): boolean {
    // An escape's bytes are not its text: the text is built here (escapes are rare in a walk).
    const text = lazyText === undefined ? this.textOf(this.depth) : lazyText;
    let codePoint = -1;
    if (esc === S_BACKSLASH) {
      const decoded = ESCAPES[byte];
      if (decoded >= 0) codePoint = decoded;
      else if (decoded !== ESCAPE_U) return false;
    } else if (esc === S_HEX + 3) {
      const h = hex(byte);
      if (h < 0) return false;
      const unit = acc * 16 + h;
      // A high surrogate goes on to its low half (unfinished); low surrogates died at the 2nd digit.
      if (unit < 0xd800 || unit > 0xdbff) codePoint = unit;
    } else if (esc === S_LOW_HEX + 3) {
      const h = hex(byte);
      if (h < 0) return false;
      const high = Math.floor(acc / 65536);
      const low = (acc % 65536) * 16 + h;
      codePoint = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
    }
    if (codePoint < 0) {
      const next = this.escapeStep(base, ps, cp, esc, acc, byte);
      if (next < 0) return false;
      const nextEsc = Math.floor(next / 4294967296);
      this.texts[this.depth + 1] = text;
      return this.pushFast(F_STR, base, info, ps, cp, nextEsc, next - nextEsc * 4294967296, byte);
    }
    const plan = base.plan;
    const n = utf8Encode(codePoint, SCRATCH);
    let nextPs = ps;
    let nextText = text;
    for (let k = 0; k < n; k++) {
      nextPs = plan.step(nextPs, SCRATCH[k]);
      if (nextText !== null) nextText += String.fromCharCode(SCRATCH[k]);
    }
    if (base.keyOf !== null && nextText !== null && this.repeatsKey(base, nextText)) return this.slowPush(byte);
    const nextCp = plan.cpCap > 0 ? Math.min(cp + 1, plan.cpCap) : cp;
    return this.pushFed(base, info, ps, nextPs, nextCp, S_NORMAL, nextText, byte);
  }

  /** The machine's step inside an unfinished escape: next esc * 2^32 + acc, or -1 when refused. */
  private escapeStep(base: StrFrame, ps: number, cp: number, esc: number, acc: number, byte: number): number {
    if (cp >= 2097152 || ps >= 2147483648) return this.escapeStepOnce(base, ps, cp, esc, acc, byte);
    let byBase = escapeSteps.get(base);
    if (byBase === undefined) {
      byBase = new Map();
      escapeSteps.set(base, byBase);
    }
    const at = ps * 2097152 + cp;
    let byState = byBase.get(at);
    if (byState === undefined) {
      byState = new Map();
      byBase.set(at, byState);
    }
    const key = (acc * 16 + esc) * 256 + byte;
    let v = byState.get(key);
    if (v === undefined) {
      v = this.escapeStepOnce(base, ps, cp, esc, acc, byte);
      byState.set(key, v);
    }
    return v;
  }

  /**
   * escapeStep without its memo. (A method, not a closure made per call: under tsx, which keeps
   * function names, every closure with a name cost a defineProperty, ~3% of MaskBench's mask time.)
   */
  private escapeStepOnce(base: StrFrame, ps: number, cp: number, esc: number, acc: number, byte: number): number {
    const next = this.machine.stepFrame(frameWith(base, { ps, cp, esc, acc, text: null, key: undefined }), byte) as StrFrame | undefined;
    return next === undefined ? -1 : next.esc * 4294967296 + next.acc;
  }

  /**
   * A byte inside a number: the phase (and the text, when numeric keywords need it) move in a fast
   * record; atoms that no completion of the text can satisfy die through a derived base.
   */
  private pushNumber(base: NumFrame, phase: number, shape: number, text: string | null, byte: number): boolean {
    const next = NUMBER_NEXT[phase][byte];
    if (next < 0) return numberComplete(phase) && this.pushNumberEnd(byte);
    const exp = stepShape(shape, phase, next, byte, this.numbers);
    if (exp < 0) return false;
    let nextText: string | null = null;
    if (text === null) {
      // Plain integers need no text: the phase says when the form breaks (schema-machine stepNumber).
      const plain = breaksPlainForm(phase, next) ? this.machine.plainNumberAtoms(base.link.goal) : null;
      if (plain !== null && intersects(plain, base.alive)) {
        const derived = this.numberBase(base, andBits(plain, base.alive), next, exp, null);
        if (derived === null) return false;
        base = derived as NumFrame;
      }
    } else {
      if (text.length >= MAX_NUMBER_TEXT) return false;
      nextText = text + String.fromCharCode(byte);
      let dead: Bits | undefined;
      const atoms = base.link.goal.atoms;
      for (let i = 0; i < atoms.length; i++) {
        const num = atoms[i].num;
        if (num !== undefined && hasBit(base.alive, i) && !numberViable(nextText, num)) dead = withBit(dead ?? emptyLike(base.alive), i);
      }
      if (dead !== undefined) {
        const derived = this.numberBase(base, dead, next, exp, nextText);
        if (derived === null) return false;
        base = derived as NumFrame;
      }
    }
    this.texts[this.depth + 1] = nextText;
    return this.pushFast(F_NUM, base, undefined, next, exp, 0, 0, byte);
  }

  /**
   * `base` with the atoms of `dead` killed, at number phase `phase` and shape `shape` (and `text`, when
   * kept). (Not a closure in pushNumber: V8 would allocate the context of the variables a closure
   * captures on every call of pushNumber, not only when the closure is made.)
   */
  private numberBase(base: NumFrame, dead: Bits, phase: number, shape: number, text: string | null): NumFrame | null {
    return this.derive(base, dead, (f) => frameWith(f, text === null ? { phase, shape, key: undefined } : { phase, shape, text, key: undefined }));
  }

  /**
   * A byte that ends a complete number (never inside a recorded value: pushNumber's frames have no
   * record): the number is finished once per frame and walk, and the byte is stepped from the
   * enclosing frame, memoized like slowPush. Measured before: every one of the ~240 first bytes that
   * end a number finished it anew (text parsed and checked per atom, the parent rebuilt), ~1.5 ms of
   * the ~4.4 ms of a text-keeping number mask on the 300-file MaskBench sample.
   */
  private pushNumberEnd(byte: number): boolean {
    const d = this.depth;
    const from = this.frameAt(d) as NumFrame;
    this.finished ??= new Map();
    let parent = this.finished.get(from);
    if (parent === undefined) {
      parent = this.machine.finishedNumber(from) ?? null;
      this.finished.set(from, parent);
    }
    if (parent === null) return false;
    return this.pushFrame(this.memoStep(parent, byte), byte);
  }

  private pushFast(kind: number, base: Frame, info: FastInfo | undefined, ps: number, cp: number, esc: number, acc: number, byte: number): boolean {
    const e = this.depth + 1;
    this.fast[e] = kind;
    this.bases[e] = base;
    this.infos[e] = info;
    this.frames[e] = undefined;
    this.ps[e] = ps;
    this.cp[e] = cp;
    this.esc[e] = esc;
    this.acc[e] = acc;
    // The depth whose frame's record the base carries: a run of records of one base shares it.
    const from = this.fast[this.depth];
    this.recAt[e] = from === F_STR || from === F_WS ? this.recAt[this.depth] : this.depth;
    this.bytes.push(byte);
    this.depth = e;
    return true;
  }

  /**
   * `base` with the atoms of `dead` killed, for fast records to continue from (their own fields override
   * the derived frame's; `at` positions the frame so the kill sees a consistent state).
   */
  private derive<F extends Frame>(base: F, dead: Bits, at: (f: F) => F): F | null {
    this.derived ??= new Map();
    let byDead = this.derived.get(base);
    if (byDead === undefined) {
      byDead = new Map();
      this.derived.set(base, byDead);
    }
    const key = bitsKey(dead);
    let d = byDead.get(key);
    if (d === undefined) {
      const killed = this.machine.killAtoms(at(base), dead);
      d = killed === undefined ? null : killed;
      byDead.set(key, d);
    }
    return d as F | null;
  }

  private slowPush(byte: number): boolean {
    const from = this.frameAt(this.depth);
    return this.pushFrame(from.rec === null ? this.memoStep(from, byte) : this.machine.stepFrame(from, byte), byte);
  }

  /** Room for the per-depth records of the longest token at once (a walk that goes deep goes deeper). */
  private grow(): void {
    // (No closures here: 61k of 326k cursors grow on the MaskBench sample, and under tsx each named
    // closure costs a defineProperty per call.)
    const cap = Math.max(this.fast.length * 2, DEEP_CURSOR);
    this.fast = widened(this.fast, new Uint8Array(cap));
    this.ps = widened(this.ps, new Int32Array(cap));
    this.cp = widened(this.cp, new Int32Array(cap));
    this.esc = widened(this.esc, new Int32Array(cap));
    this.acc = widened(this.acc, new Uint32Array(cap));
    this.recAt = widened(this.recAt, new Int32Array(cap));
    this.textFrom = widened(this.textFrom, new Int32Array(cap));
    for (let d = this.texts.length; d < cap; d++) this.texts.push(null);
  }

  /** The machine's full step, memoized per (frame, byte) for this walk (recorded frames excluded). */
  private memoStep(from: Frame, byte: number): Frame | undefined {
    if (from === this.base.frame) return stateStep(this.machine, from, byte);
    this.memo ??= new Map();
    let row = this.memo.get(from);
    if (row === undefined) {
      row = new Map();
      this.memo.set(from, row);
    }
    const hit = row.get(byte);
    if (hit !== undefined) return hit === null ? undefined : hit;
    const next = this.machine.stepFrame(from, byte);
    row.set(byte, next ?? null);
    return next;
  }

  /** Pushes a full frame reached by `byte` (false, nothing pushed, when there is none). */
  private pushFrame(next: Frame | undefined, byte: number): boolean {
    if (next === undefined) return false;
    const e = this.depth + 1;
    if (e >= this.fast.length) this.grow();
    this.fast[e] = F_SLOW;
    this.frames[e] = next;
    this.bytes.push(byte);
    this.depth = e;
    return true;
  }

  /** The full frame at depth d (a fast record's base with the record's fields; memoized per walk). */
  private frameAt(d: number): Frame {
    let f = this.frames[d];
    if (f === undefined && this.bases[d]!.rec !== null) {
      // A recorded string or whitespace run (F_STR, F_WS): its record is the anchor frame's plus the bytes since.
      const base = this.bases[d]!;
      const rec = base.rec + String.fromCharCode(...this.bytes.slice(this.recAt[d], d));
      f =
        this.fast[d] === F_WS
          ? (frameWith(base, { ws: this.cp[d], rec, key: undefined }) as Frame)
          : (frameWith(base as StrFrame, { ps: this.ps[d], cp: this.cp[d], esc: this.esc[d], acc: this.acc[d], text: this.textOf(d), rec, key: undefined }) as Frame);
      this.frames[d] = f;
    }
    if (f === undefined) {
      const base = this.bases[d]!;
      this.materialized ??= new Map();
      let byBase = this.materialized.get(base);
      if (byBase === undefined) {
        byBase = new Map();
        this.materialized.set(base, byBase);
      }
      const kind = this.fast[d];
      const text = kind === F_WS ? null : this.textOf(d);
      // Number shapes are packed counters beyond the numeric key's range: string keys for numbers.
      const acc = this.acc[d];
      const key =
        text !== null || kind === F_NUM || acc !== 0 ? `${this.ps[d]}.${this.cp[d]}.${this.esc[d]}.${acc}.${text}` : (this.ps[d] * 131072 + this.cp[d]) * 32 + this.esc[d];
      f = byBase.get(key);
      if (f === undefined) {
        if (kind === F_WS) f = frameWith(base, { ws: this.cp[d], key: undefined }) as Frame;
        else if (kind === F_NUM) f = frameWith(base as NumFrame, { phase: this.ps[d], shape: this.cp[d], text, key: undefined }) as Frame;
        else f = frameWith(base as StrFrame, { ps: this.ps[d], cp: this.cp[d], esc: this.esc[d], acc, text, key: undefined }) as Frame;
        byBase.set(key, f);
      }
      this.frames[d] = f;
    }
    return f;
  }

  pop(): void {
    if (this.depth > 0) {
      this.frames[this.depth] = undefined;
      this.depth--;
      this.bytes.pop();
    }
  }

  accepts(): boolean {
    if (!this.machine.frameAccepts(this.frameAt(this.depth))) return false;
    return this.machine.documentValid(this.base.doc + String.fromCharCode(...this.bytes));
  }
}

/** UTF-8 bytes of a decoded escape. */
const SCRATCH = new Uint8Array(4);

function fastInfoOf(f: StrFrame): FastInfo {
  let info = fastInfos.get(f);
  if (info === undefined) {
    let maxLength = Infinity;
    const plan = f.plan;
    for (let i = 0; i < plan.maxLengths.length; i++) if (hasBit(f.alive, i) && plan.maxLengths[i] < maxLength) maxLength = plan.maxLengths[i];
    info = { maxLength, keyNext: f.keyOf !== null ? new Map() : null, deaths: new Map() };
    fastInfos.set(f, info);
  }
  return info;
}

/** `to` (a larger array of the same kind) holding `from`'s values first. */
function widened<T extends Uint8Array | Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
