import type { ByteClassId, ByteCursor, ByteMachine } from '../automaton/byte-machine.js';
import type { TokenTrie } from '../vocab/token-trie.js';
import { ArrayPlan } from './array-plan.js';
import { bodyAutomatonWalk, budgetedWalk, stringWalk, type BodyState, type ExitPlan, type PrefixGroups } from './budgeted-walk.js';
import { andBits, bitsKey, emptyBits, hasBit, intersects, isEmptyBits, minusBits, subsetBits, withBit, type Bits } from './bits.js';
import { COUNTS, MUST, UNEVALUATED, type ChildLink, type LinkTable } from './child-link.js';
import {
  evaluate,
  MAYBE,
  NO,
  succeededAtoms,
  TY_ARRAY,
  TY_BOOLEAN,
  TY_NULL,
  TY_NUMBER,
  TY_OBJECT,
  TY_STRING,
  YES,
  type Goal,
  type Valuation,
} from './goal.js';
import { jsonEqualityKeys } from './json-equality.js';
import { checkNumber, digitsStayViable, isPlainIntegerOnly, isUnconstrained, numberViable } from './number-constraint.js';
import { breaksPlainForm, digitBudget, initialShape, stepShape, type NumberForm } from './number-shape.js';
import { ObjectPlan } from './object-plan.js';
import { internStringPlan, StringPlan } from './string-plan.js';
import type { HorizonClasses } from './string-horizon.js';
import { SchemaCursor } from './schema-cursor.js';
import { hasUndeclaredKey, undeclaredKeyContinues, undeclaredKeyRests, withUndeclaredKey, type UndeclaredKeys } from './undeclared-keys.js';
import {
  A_AFTER_COMMA,
  A_AFTER_VALUE,
  A_OPEN,
  bitOf,
  emptyLike,
  ESCAPE_U,
  ESCAPES,
  frameWith,
  hex,
  isWs,
  K_ARR,
  K_LIT,
  K_NUM,
  K_OBJ,
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
  newFrame,
  O_AFTER_COMMA,
  O_AFTER_KEY,
  O_AFTER_VALUE,
  O_BEFORE_VALUE,
  O_OPEN,
  orAnd,
  R_AFTER,
  R_BEFORE,
  S_BACKSLASH,
  S_HEX,
  S_LOW_BACKSLASH,
  S_LOW_HEX,
  S_LOW_U,
  S_NORMAL,
  S_UTF8,
  S_UTF8_E0,
  S_UTF8_ED,
  S_UTF8_F0,
  S_UTF8_F4,
  typeOfFrame,
  utf8Encode,
  WORDS,
  type ArrFrame,
  type EvalRecord,
  type Frame,
  type FrameFields,
  type NumFrame,
  type ObjFrame,
  type RootFrame,
  type StrFrame,
} from './frame.js';

/**
 * The JSON Schema byte machine: a persistent stack of frames, one per open JSON value, each holding the
 * atoms of its goal that are still alive. A byte only ever touches the top frame (and, when a value
 * completes or an atom dies, the frames it answers to), so stepping is cheap and states share
 * everything below the top.
 *
 * Invariants:
 * - A state exists only if the document's root requirement is not yet false (three-valued evaluation
 *   of every frame's formulas, propagated to the enclosing frames whenever an atom dies).
 * - A value's requirements are decided exactly when it completes; what can be decided earlier (a
 *   pattern that can no longer match, a key no closed schema allows, `maxItems` reached) is decided
 *   earlier, which is what makes the token masks useful.
 * - Arrays under uniqueItems record their raw text byte by byte while open (items are compared when
 *   they complete); such states are not cached (maskKey undefined), since their futures depend on it.
 *   unevaluatedProperties/Items keep one small record per property/item instead (part of the key).
 * - Masks come from fillMask (budgeted-walk.ts, string-exits.ts) through the cursor (schema-cursor.ts);
 *   the mask-consistency tests check them against `step` token by token.
 */

/** A state of the machine: the frame stack, and the document so far for the final validation. */
export interface SchemaState {
  readonly frame: Frame;
  /** The document's bytes as latin1 characters (a rope; flattened only when validated). */
  readonly doc: string;
}

export interface SchemaMachineOptions {
  readonly maxWhitespaceRun: number;
  readonly propertyOrder: 'any' | 'schema';
  readonly maxDepth: number;
  /** Which number texts are admitted (number-shape.ts). */
  readonly numbers: NumberForm;
  /** Validates a complete document (the reference validator); undefined = no final check. */
  readonly validateDocument: ((value: unknown) => boolean) | undefined;
}

export class SchemaMachine implements ByteMachine<SchemaState> {
  readonly initial: SchemaState;
  private readonly links: LinkTable;
  private readonly options: SchemaMachineOptions;
  /**
   * Longest token (bytes) of any vocabulary this machine serves: string-body slices are only offered
   * when that many more code points fit every maxLength. Set by jsonSchemaAutomaton; the default keeps
   * the slice shortcut off for length-bounded strings.
   */
  private maxTokenBytes = Number.POSITIVE_INFINITY;

  /**
   * Longest digit run of any token plus one, when no token holds a 3-digit exponent: then a number's
   * mask depends on its digit budget only up to this many digits (see shapeKey). Infinity = unknown.
   */
  private digitKeyCap = Number.POSITIVE_INFINITY;
  private servedVocabularies = 0;
  /**
   * Whether mask keys must tell apart the keys an object already has: always, unless every vocabulary
   * served lacks tokens holding a whole key after a comma and the object's keys are open
   * (ObjectPlan.openKeys: a comma is then never refused for want of a new key). Then a mask depends on
   * the undeclared keys written only where the next key is being read (the object after its comma, the
   * key itself: the rests of the keys it can still repeat; see frameKey), so values inside an object
   * share masks across its keys, and keys across their texts. Frame keys then also serve as memo keys
   * for what depends on those rests only (freshKey, keyCanClose, escapeLive).
   */
  private exactKeys = true;

  /**
   * Declares a vocabulary whose longest token is `bytes` long (see maxTokenBytes), whose digit runs
   * (numberTokens) bound how far number digit budgets matter to masks, whether some token can hold
   * a whole key after a comma (keyTokens; see exactKeys), and its trie (string-horizon.ts: value
   * strings share masks between states only when none of the tries served tells them apart).
   */
  serveVocabulary(bytes: number, numberTokens?: { maxDigitRun: number; longExponent: boolean }, keyTokens = true, trie?: TokenTrie): void {
    if (trie !== undefined && !this.servedTries.includes(trie)) this.servedTries.push(trie);
    // Once exact, always: keys already computed for another vocabulary must not be shared loosely.
    this.exactKeys = this.servedVocabularies === 0 ? keyTokens : this.exactKeys || keyTokens;
    this.maxTokenBytes = this.maxTokenBytes === Number.POSITIVE_INFINITY ? bytes : Math.max(this.maxTokenBytes, bytes);
    const cap = numberTokens === undefined || numberTokens.longExponent ? Number.POSITIVE_INFINITY : numberTokens.maxDigitRun + 1;
    this.digitKeyCap = this.servedVocabularies++ === 0 ? cap : Math.max(this.digitKeyCap, cap);
  }

  /**
   * The part of a number's shape its mask depends on. With the text kept, the text says it all; else
   * in the integer and fraction digits only the budget left matters, and only up to the longest digit
   * run a token can add (the integer digit count matters to a 3-digit exponent, which no token of a
   * capped vocabulary holds). Saturating it keeps every digit position from being its own cache entry.
   */
  private shapeKey(f: NumFrame): number {
    if (f.text !== null || this.digitKeyCap === Number.POSITIVE_INFINITY) return f.shape;
    if (f.phase !== N_INT && f.phase !== N_DOT && f.phase !== N_FRAC) return f.shape;
    return Math.min(digitBudget(f.shape, f.phase, this.options.numbers), this.digitKeyCap);
  }
  private readonly acceptMemo = new WeakMap<SchemaState, boolean>();
  /** Key liveness by key frame (see keyCanClose). */
  private readonly keyCloseMemo = new Map<string, boolean>();
  /**
   * Escape liveness by the string's parent frame (identity) and the string's own fields and code point
   * ranges (see escapeLive). Not by frame key: building the key of every escape frame, its ancestors'
   * text included, was a large share of the allocation of string masks, and most lookups come from
   * one walk, under one parent.
   */
  private readonly escapeMemo = new WeakMap<Frame, Map<string, boolean>>();
  /** Duplicate-key liveness by key frame (see freshKey), and whether its search is running. */
  private readonly freshKeyMemo = new Map<string, boolean>();
  private searchingFreshKey = false;

  constructor(rootLink: ChildLink, links: LinkTable, options: SchemaMachineOptions) {
    this.links = links;
    this.options = options;
    const root = newFrame(K_ROOT, null, rootLink, emptyBits(0), null, -1, 0);
    root.phase = R_BEFORE;
    this.initial = { frame: root as unknown as RootFrame, doc: '' };
  }

  // ---------------------------------------------------------------- ByteMachine

  step(state: SchemaState, byte: number): SchemaState | undefined {
    const frame = this.stepFrame(state.frame, byte);
    if (frame === undefined) return undefined;
    return { frame, doc: this.options.validateDocument ? state.doc + String.fromCharCode(byte) : '' };
  }

  accepts(state: SchemaState): boolean {
    let v = this.acceptMemo.get(state);
    if (v === undefined) {
      v = this.frameAccepts(state.frame) && this.documentValid(state.doc);
      this.acceptMemo.set(state, v);
    }
    return v;
  }

  maskKey(state: SchemaState): unknown {
    // In a state that accepts structurally, the document decides the EOS bit (the final validation) and
    // nothing else: every other bit follows the frames. The verdict (memoized per state; mask computes
    // it anyway) joins the key, so the end of every document shares a cached mask instead of walking.
    if (this.options.validateDocument && this.frameAccepts(state.frame)) {
      const key = this.frameKey(state.frame);
      return key === undefined ? undefined : `${key}|${this.accepts(state) ? 'valid' : 'invalid'}`;
    }
    const key = this.frameKey(state.frame);
    if (key !== undefined || !this.options.validateDocument || state.doc.length > MAX_DOCUMENT_KEY) return key;
    // Inside a recorded value (a uniqueItems array) the frames keep text that no key abstracts, but the
    // document so far determines the state: documents that share a prefix (particles of one prompt,
    // MaskBench's instances of one schema: 35% of these masks on its first 1,500 files) share the mask.
    return `D${state.doc}`;
  }

  /** Whether accepting a document runs the final validation (then the reference validator is needed). */
  get validatesDocuments(): boolean {
    return this.options.validateDocument !== undefined;
  }

  loopClasses(state: SchemaState): readonly ByteClassId[] | undefined {
    const spec = this.loopSpec(state.frame);
    if (spec === undefined || spec.budget !== Infinity) return undefined;
    return spec.classId === 'json-string-body' ? STRING_BODY : spec.classId === 'digits' ? DIGITS : WHITESPACE;
  }

  /**
   * The vocabulary slice whose tokens are all allowed from this frame, up to `budget` characters each
   * (a maxLength, the whitespace bound, the exponent digit limit).
   */
  private loopSpec(f: Frame): { classId: ByteClassId; budget: number } | undefined {
    switch (f.kind) {
      case K_STR: {
        // No atom may die from the characters: the automata loop on them (or, in a key, only classify it
        // while no closed schema needs a particular name); lengths are the budget.
        if (f.esc !== S_NORMAL) return undefined;
        if (f.keyOf !== null) {
          if (!f.plan.safe(f.ps, f.plan.extraStart)) return undefined;
          if (!f.keyOf.closedSafe(f.ps, (f.parent as ObjFrame).alive)) return undefined;
        } else if (!f.plan.safe(f.ps, f.plan.components.length)) return undefined;
        let budget = Infinity;
        const plan = f.plan;
        if (plan.cpCap > 0) {
          for (let i = 0; i < plan.maxLengths.length; i++) {
            if (hasBit(f.alive, i) && plan.maxLengths[i] - f.cp < budget) budget = plan.maxLengths[i] - f.cp;
          }
        }
        if (budget <= 0) return undefined;
        // A key that may repeat an undeclared one can reach a dead end when its length is bounded (it can
        // neither close nor grow): then every byte is stepped, and freshKey decides.
        if (budget !== Infinity && f.keyOf !== null && (f.parent as ObjFrame).undeclared !== null) return undefined;
        return { classId: 'json-string-body', budget };
      }
      case K_NUM: {
        if (f.phase === N_ZERO || f.phase === N_MINUS) return undefined;
        let budget = digitBudget(f.shape, f.phase, this.options.numbers);
        // With the text kept, digit tokens are the slice only as far as no atom can die from them
        // (runs longer than any token's need no proof: those tokens are walked). A bounded range
        // often lets 1 or 2 more digits through but not 3: shorter budgets are tried too.
        if (f.text !== null) {
          const most = Math.min(budget, this.digitKeyCap - 1, MAX_NUMBER_TEXT - f.text.length);
          let k = most;
          while (k > 0 && k > most - 3 && !this.digitsKeepAtoms(f, k)) k--;
          budget = k > most - 3 ? k : 0;
        }
        return budget > 0 ? { classId: 'digits', budget } : undefined;
      }
      case K_ROOT:
      case K_OBJ:
      case K_ARR: {
        const budget = this.options.maxWhitespaceRun - f.ws;
        return budget > 0 ? { classId: 'json-whitespace', budget } : undefined;
      }
      default:
        return undefined;
    }
  }

  /** Masks by a trie walk with budgeted slices (see budgeted-walk.ts); the automaton adds EOS and caching. */
  fillMask(state: SchemaState, trie: TokenTrie, out: Uint32Array, fuel: number): number {
    const f = state.frame;
    const spec = this.loopSpec(f);
    if (spec !== undefined && spec.classId === 'json-string-body') {
      const g = f as StrFrame;
      const exit = this.exitPlan(g, state);
      // Without an exit plan, a value string that keeps no text has its special tokens decided by groups.
      const groups = exit === undefined && g.keyOf === null && g.rec === null && g.text === null ? prefixGroups(g, NO_RESTS) : undefined;
      return stringWalk(trie, this.cursor(state), out, fuel, spec.budget, exit, groups);
    }
    if (f.kind === K_STR && f.keyOf === null && f.esc === S_NORMAL && this.atomsExpendable(f)) {
      // The document survives the death of every atom the body can kill at once, so of any of them (see
      // atomsExpendable): every body token is allowed, as in an unconstrained string, and only the
      // tokens leaving the body are walked, by groups where no text is kept (measured on MaskBench: a
      // `date-time` under `anyOf` with an open object walked the whole trie, pass 2 stepping the full
      // machine, ~269k nodes and 20-35 ms per mask, recomputed in every document; a recorded value's
      // whole walk is with the full machine).
      const groups = f.text === null && f.rec === null ? prefixGroups(f, NO_RESTS) : undefined;
      return stringWalk(trie, this.cursor(state), out, fuel, Infinity, undefined, groups);
    }
    if (f.kind === K_STR && f.keyOf === null && f.rec === null && f.esc === S_NORMAL) {
      // A string whose automata may refuse characters: the body part with the automaton alone.
      const survival = new Map<string, boolean>();
      const plan = f.plan;
      return bodyAutomatonWalk(trie, () => this.cursor(state), out, fuel, {
        ...bodyStateOf(f),
        ...(f.text === null ? { groups: prefixGroups(f, NO_RESTS) } : {}),
        share: `${plan.signature}#${plan.stateKey(f.ps)}#${bitsKey(f.alive)}#${plan.cpCap > 0 ? f.cp : 0}`,
        survives: (dead) => {
          // Exactly the atoms that die (a superset could wrongly say no), memoized per set for this walk.
          const key = bitsKey(dead);
          let v = survival.get(key);
          if (v === undefined) {
            v = this.kill(f, andBits(f.alive, dead)) !== undefined;
            survival.set(key, v);
          }
          return v;
        },
      });
    }
    if (f.kind === K_STR && f.keyOf !== null && f.rec === null && f.esc === S_NORMAL) {
      // A property name under closed schemas (patternProperties with additionalProperties: false):
      // the same automaton-only body walk, the full machine deciding every path where the key's state
      // touches the object (measured on MaskBench: these masks walked the whole trie with the full
      // machine, 10-200 ms each, the largest share of the p99.9).
      const key = this.keyBodyWalk(f, state, trie, out, fuel);
      if (key !== undefined) return key;
    }
    return budgetedWalk(trie, this.cursor(state), out, fuel, spec?.classId, spec?.budget ?? 0);
  }

  /**
   * Whether a value string's document survives the death of every live atom that string-body
   * characters can still kill (StringPlan.mortalAt; none counts). Then it survives the death of any of
   * them, in any order: three-valued evaluation is monotone as unknown atoms become false, so a set of
   * deaths that a larger set's death leaves alive cannot be fatal. The other atoms cannot die before
   * the closing quote.
   */
  private atomsExpendable(f: StrFrame): boolean {
    const mortal = andBits(f.alive, f.plan.mortalAt(f.ps));
    return isEmptyBits(mortal) || this.kill(f, mortal) !== undefined;
  }

  /**
   * The body walk of a key (see fillMask), or undefined when it does not apply (more than 31 written
   * keys the text can still repeat). Exact because a body byte that leaves the key's product state
   * alone, or moves it to a `plain` one, steps the key exactly as fed does: no key atom dies (checked
   * by the walk), deadKeyAtoms kills nothing and keyCanClose has no named atom to try, and freshKey
   * lets the key be once its text repeats no written key.
   */
  private keyBodyWalk(f: StrFrame, state: SchemaState, trie: TokenTrie, out: Uint32Array, fuel: number): number | undefined {
    const keys = f.keyOf!;
    const obj = f.parent as ObjFrame;
    const rests = obj.undeclared !== null && f.text !== null ? undeclaredKeyRests(obj.undeclared, f.text) : [];
    if (rests.length > 31) return undefined;
    const plainMemo = new Map<number, boolean>();
    // Body characters can only kill the object's live closed atoms (deadKeyAtoms, and keyCanClose's
    // nameOnlyAtoms). When the document survives their death all at once, it survives every subset of
    // it (three-valued evaluation is monotone as unknown atoms become false, and a closed atom is never
    // sure), so every state is plain as far as the object is concerned (measured on MaskBench: keys of
    // objects under `anyOf` of closed and open schemas walked the whole trie with the full machine,
    // ~270k nodes and 30-80 ms per mask).
    const closedAlive = andBits(keys.closed, obj.alive);
    const expendable = !isEmptyBits(closedAlive) && this.kill(obj, closedAlive) !== undefined;
    return bodyAutomatonWalk(trie, () => this.cursor(state), out, fuel, {
      ...bodyStateOf(f),
      ...(f.plan.needsText ? {} : { groups: prefixGroups(f, rests) }),
      survives: () => true,
      key: {
        rests,
        plain: (ps) => {
          if (expendable) return true;
          let v = plainMemo.get(ps);
          if (v === undefined) {
            v = keys.deadKeyAtoms(ps, obj.alive, obj.seen, obj.order) === undefined && keys.nameOnlyAtoms(ps, obj.alive) === undefined;
            plainMemo.set(ps, v);
          }
          return v;
        },
      },
    });
  }

  /**
   * When every body prefix closes a string the same way (its automata loop, no length bound or
   * text-dependent check is pending), the tokens that close it can be decided by suffix
   * (string-exits.ts). For a key the closing names a property only after the rest of a name: those
   * prefixes are exceptions, walked exactly.
   */
  private exitPlan(f: StrFrame, state: SchemaState): ExitPlan | undefined {
    const plan = f.plan;
    if (f.rec !== null || f.esc !== S_NORMAL) return undefined;
    // A key keeps its text only to refuse duplicates (handled as exceptions below), unless predicates need it.
    if (f.text !== null && (f.keyOf === null || plan.needsText)) return undefined;
    if (plan.cpCap > 0) return undefined;
    const at = () => this.cursor(state);
    if (f.keyOf === null) {
      if (!plan.loops(f.ps)) return undefined;
      const after = this.cursor(state);
      return { after: after.push(0x22) ? after : null, exceptions: NO_EXCEPTIONS, at, escapes: prefixGroups(f, NO_RESTS) };
    }
    const keys = f.keyOf;
    if (keys.hasPatterns || !plan.loopsBelow(f.ps, plan.extraStart)) return undefined;
    if (intersects(keys.closed, (f.parent as ObjFrame).alive)) return undefined;
    let exceptions = keys.nameCompletions(f.ps, 64);
    if (exceptions === undefined) return undefined;
    // Closing as an undeclared key already written is refused: those bodies are walked exactly too.
    const written = (f.parent as ObjFrame).undeclared;
    let rests: readonly Uint8Array[] = NO_RESTS;
    if (written !== null && f.text !== null) {
      rests = undeclaredKeyRests(written, f.text);
      if (exceptions.length + rests.length > 64) return undefined;
      if (rests.length > 0) exceptions = [...exceptions, ...rests];
    }
    const closed = this.finishKey(f, andBits(f.alive, plan.acceptAt(f.ps)), null, -1);
    return { after: closed === undefined ? null : this.cursor({ frame: closed, doc: '' }), exceptions, at, escapes: prefixGroups(f, rests) };
  }

  forcedBytes(state: SchemaState): Uint8Array | undefined {
    // The only byte that keeps the document alive, repeatedly (keys, literals, `":` after a forced key).
    const out: number[] = [];
    let s: SchemaState | undefined = state;
    while (s !== undefined && out.length < 256) {
      if (this.accepts(s)) break;
      let only = -1;
      let next: SchemaState | undefined;
      for (let b = 0; b < 256; b++) {
        const t = this.step(s, b);
        if (t === undefined) continue;
        if (only >= 0) {
          only = -2;
          break;
        }
        only = b;
        next = t;
      }
      if (only < 0) break;
      out.push(only);
      s = next;
    }
    return Uint8Array.from(out);
  }

  cursor(state: SchemaState): ByteCursor {
    return new SchemaCursor(this, state, this.options.maxWhitespaceRun, this.options.numbers);
  }

  /** The key frame after checking the enclosing object's closed atoms against it (see checkKeyViability). */
  checkKey(f: StrFrame): Frame | undefined {
    return this.checkKeyViability(f);
  }

  /** Kills atoms of a frame (propagating to the enclosing frames); undefined when the document dies. */
  killAtoms(f: Frame, dead: Bits): Frame | undefined {
    return this.kill(f, dead);
  }

  /** Structural acceptance (without the final validation). */
  frameAccepts(f: Frame): boolean {
    if (f.kind === K_ROOT) return f.phase === R_AFTER;
    if (f.kind === K_NUM && f.parent !== null && f.parent.kind === K_ROOT) {
      if (f.phase !== N_ZERO && f.phase !== N_INT && f.phase !== N_FRAC && f.phase !== N_EXP) return false;
      return this.finishNumber(f, null) !== undefined;
    }
    return false;
  }

  documentValid(doc: string): boolean {
    const validate = this.options.validateDocument;
    if (validate === undefined) return true;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(doc, 'latin1').toString('utf8'));
    } catch {
      return false;
    }
    return validate(value);
  }

  // ---------------------------------------------------------------- keys

  private frameKey(f: Frame): string | undefined {
    if (f.rec !== null) return undefined;
    // Loose keys (exactKeys) leave an open object's written keys out of frame keys: its own masks after
    // a comma depend on them (tokens such as `"id"` open and close a key), so they are added here.
    if (f.kind === K_OBJ && f.phase === O_AFTER_COMMA && f.undeclared !== null && !this.exactKeys && f.plan.openKeys) return `${this.keyOf(f)}|u${f.undeclared.sig}`;
    return this.keyOf(f);
  }

  private keyOf(f: Frame): string {
    if (f.key !== undefined) return f.key;
    const parent = f.parent === null ? '' : this.keyOf(f.parent);
    let sig: string;
    switch (f.kind) {
      case K_ROOT:
        sig = `R${f.link.id}.${f.phase}.${this.wsKey(f.ws)}`;
        break;
      case K_OBJ:
        sig = `O${f.link.id}.${bitsKey(f.alive)}.${f.phase}.${this.wsKey(f.ws)}.${bitsKey(f.seen)}.${f.count}.${f.pending ? f.pending.id : ''}${f.order ? '.' + f.order.join(',') : ''}`;
        if (f.evals !== null) sig += `.${evalsKey(f.evals, f.evalsLen)}.${f.pendingName}.${f.pendingMatched ? bitsKey(f.pendingMatched) : ''}`;
        if (f.undeclared !== null && (this.exactKeys || !f.plan.openKeys)) sig += `.u${f.undeclared.sig}`;
        break;
      case K_ARR:
        sig = `A${f.link.id}.${bitsKey(f.alive)}.${f.phase}.${this.wsKey(f.ws)}.${f.index}.${f.counts ? f.counts.join(',') : ''}`;
        if (f.evals !== null) sig += `.${evalsKey(f.evals, f.evalsLen)}`;
        break;
      case K_STR: {
        // A value string's product state stands for its horizon class (string-horizon.ts) when its
        // automata move on characters: then the count matters no more than its limits do.
        let ps: number | string = f.ps;
        let moving = false;
        if (f.keyOf === null && f.esc === S_NORMAL && this.servedTries.length > 0 && !f.plan.loops(f.ps)) {
          const classes = this.horizonClasses(f.plan);
          ps = `~${classes.tries}.${classes.classOf(f.ps)}`;
          moving = true;
        }
        let cp: string = `${f.cp}`;
        if (f.plan.cpCap > 0 && f.esc === S_NORMAL && (moving || f.plan.loops(f.ps)) && this.lengthRoom(f) && this.lengthSettled(f)) cp = `m${this.maxTokenBytes}`;
        // A key's text (kept for duplicates) is implied by its state while it spells part of a property
        // name. Without exact keys (the object's written keys are then not in its key either), only the
        // rests of the written keys it can still repeat matter.
        let text = f.text;
        let rests = '';
        if (text !== null && f.keyOf !== null && !f.plan.needsText) {
          const loose = !this.exactKeys && f.keyOf.openKeys;
          const written = (f.parent as ObjFrame).undeclared;
          if (loose && written !== null && undeclaredKeyContinues(written, text)) rests = `.r${undeclaredKeyRests(written, text).map((r) => JSON.stringify(Buffer.from(r).toString('latin1'))).join(',')}`;
          if (loose || f.keyOf.onNamePath(f.ps)) text = null;
        }
        sig = `S${f.link.id}.${bitsKey(f.alive)}.${ps}.${cp}.${f.esc}.${f.acc}${text !== null ? '.' + JSON.stringify(text) : ''}${rests}`;
        break;
      }
      case K_NUM:
        sig = `N${f.link.id}.${bitsKey(f.alive)}.${f.phase}.${this.shapeKey(f)}${f.text !== null ? '.' + f.text : ''}`;
        break;
      case K_LIT:
        sig = `L${f.link.id}.${bitsKey(f.alive)}.${f.word}.${f.pos}`;
        break;
    }
    const key = parent === '' ? sig : `${parent}/${sig}`;
    f.key = key;
    return key;
  }

  /** A whitespace run's part of a frame key: none when runs are unbounded. */
  private wsKey(ws: number): string {
    return this.options.maxWhitespaceRun === Infinity ? '' : `${ws}`;
  }

  /** The tries of the vocabularies served (horizon classes must hold along every one of them). */
  private readonly servedTries: TokenTrie[] = [];

  /**
   * The horizon classes of a plan's states over the tries served so far (kept by the plan, which
   * every schema of the process with the same string schema shares: see internStringPlan). Should
   * another vocabulary come later, classes start over, and the number of tries is part of every key
   * they give: a key names a class by one of its states, so keys of two sets of classes over the
   * same tries never disagree.
   */
  private horizonClasses(plan: StringPlan): HorizonClasses {
    return plan.horizonClasses(this.servedTries);
  }

  /** Every live atom's maxLength leaves room for one more token of string body. */
  private lengthRoom(f: StrFrame): boolean {
    const plan = f.plan;
    for (let i = 0; i < plan.maxLengths.length; i++) {
      if (hasBit(f.alive, i) && f.cp + this.maxTokenBytes > plan.maxLengths[i]) return false;
    }
    return true;
  }

  /** Every live atom's minLength is already met: closing the string now or later behaves the same. */
  private lengthSettled(f: StrFrame): boolean {
    const plan = f.plan;
    for (let i = 0; i < plan.minLengths.length; i++) {
      if (hasBit(f.alive, i) && f.cp < plan.minLengths[i]) return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- stepping

  stepFrame(f: Frame, b: number): Frame | undefined {
    const rec = f.rec === null ? null : f.rec + String.fromCharCode(b);
    switch (f.kind) {
      case K_STR:
        return this.stepString(f, b, rec);
      case K_NUM:
        return this.stepNumber(f, b, rec);
      case K_LIT: {
        const word = WORDS[f.word];
        if (b !== word[f.pos]) return undefined;
        if (f.pos + 1 < word.length) return frameWith(f, { pos: f.pos + 1, rec, key: undefined });
        return this.finishValue(f, f.alive, rec, true);
      }
      case K_ROOT:
        if (isWs(b)) return this.whitespace(f, rec);
        if (f.phase !== R_BEFORE) return undefined;
        if (VALUE_TYPE[b] < 0) return undefined;
        return this.startValue(frameWith(f, { ws: 0, rec, key: undefined }), f.link, b, rec);
      case K_OBJ:
        return this.stepObject(f, b, rec);
      case K_ARR:
        return this.stepArray(f, b, rec);
    }
  }

  private whitespace<T extends RootFrame | ObjFrame | ArrFrame>(f: T, rec: string | null): T | undefined {
    const max = this.options.maxWhitespaceRun;
    if (f.ws >= max) return undefined;
    if (max === Infinity && rec === null) return f;
    return frameWith(f, { ws: f.ws + 1, rec, key: undefined });
  }

  private stepObject(f: ObjFrame, b: number, rec: string | null): Frame | undefined {
    if (isWs(b)) return this.whitespace(f, rec);
    switch (f.phase) {
      case O_OPEN:
        if (b === 0x7d /* } */) return this.finishValue(f, this.objectResults(f), rec, true);
        if (b === 0x22) return this.startKey(f, rec);
        return undefined;
      case O_AFTER_COMMA:
        if (b === 0x22) return this.startKey(f, rec);
        return undefined;
      case O_AFTER_KEY:
        if (b !== 0x3a /* : */) return undefined;
        return frameWith(f, { phase: O_BEFORE_VALUE, ws: 0, rec, key: undefined });
      case O_BEFORE_VALUE:
        if (VALUE_TYPE[b] < 0) return undefined;
        return this.startValue(frameWith(f, { ws: 0, rec, key: undefined }), f.pending!, b, rec);
      case O_AFTER_VALUE:
        if (b === 0x2c /* , */) {
          // Another property must follow: atoms already at maxProperties die now.
          let dead: Bits | undefined;
          const plan = f.plan;
          for (let i = 0; i < plan.maxProperties.length; i++) {
            if (hasBit(f.alive, i) && f.count >= plan.maxProperties[i]) dead = withBit(dead ?? emptyBits(plan.maxProperties.length), i);
          }
          const next: ObjFrame = frameWith(f, { phase: O_AFTER_COMMA, ws: 0, rec, key: undefined });
          const g = dead === undefined ? next : this.kill(next, dead);
          // Liveness: a comma promises a property; refuse it when no key can start (every allowed
          // name already used, maxProperties reached), or the document would have no completion.
          if (g === undefined || this.startKey(g as ObjFrame, null) === undefined) return undefined;
          return g;
        }
        if (b === 0x7d) return this.finishValue(f, this.objectResults(f), rec, true);
        return undefined;
    }
    return undefined;
  }

  private stepArray(f: ArrFrame, b: number, rec: string | null): Frame | undefined {
    if (isWs(b)) return this.whitespace(f, rec);
    switch (f.phase) {
      case A_OPEN:
        if (b === 0x5d /* ] */) return this.finishValue(f, this.arrayResults(f), rec, true);
        return this.startItem(f, b, rec);
      case A_AFTER_COMMA:
        return this.startItem(f, b, rec);
      case A_AFTER_VALUE:
        if (b === 0x2c) return this.arrayComma(f, rec);
        if (b === 0x5d) return this.finishValue(f, this.arrayResults(f), rec, true);
        return undefined;
    }
    return undefined;
  }

  /**
   * A comma promises another item: atoms at maxItems die now, and the comma is refused when no value
   * can start as the next item (maxItems reached, prefixItems followed by `items: false`), since the
   * document would have no completion.
   */
  private arrayComma(f: ArrFrame, rec: string | null): Frame | undefined {
    const g = this.killFullArrays(frameWith(f, { phase: A_AFTER_COMMA, ws: 0, rec, key: undefined }));
    if (g === undefined) return undefined;
    const arr = g as ArrFrame;
    for (const b of VALUE_START_BYTES) {
      if (this.startItem(arr, b, null) !== undefined) return g;
    }
    return undefined;
  }

  /** Kills the atoms whose maxItems the array's items already reach. */
  private killFullArrays(f: ArrFrame): Frame | undefined {
    const plan = f.plan;
    let dead: Bits | undefined;
    for (let i = 0; i < plan.maxItems.length; i++) {
      if (hasBit(f.alive, i) && f.index >= plan.maxItems[i]) dead = withBit(dead ?? emptyBits(plan.maxItems.length), i);
    }
    return dead === undefined ? f : this.kill(f, dead);
  }

  private startItem(f: ArrFrame, b: number, rec: string | null): Frame | undefined {
    if (VALUE_TYPE[b] < 0) return undefined;
    // An item is starting: atoms whose maxItems is reached die.
    let g = this.killFullArrays(frameWith(f, { ws: 0, rec, key: undefined }));
    if (g === undefined) return undefined;
    let arr = g as ArrFrame;
    if (VALUE_TYPE[b] === TY_BOOLEAN || VALUE_TYPE[b] === TY_NULL) {
      // A literal is decided by its first byte: a duplicate under uniqueItems fails now, not at its end.
      g = this.killDuplicateLiteral(arr, b);
      if (g === undefined) return undefined;
      arr = g as ArrFrame;
    }
    return this.startValue(arr, arr.plan.itemLink(arr.alive, arr.index), b, rec);
  }

  /** Kills the uniqueItems atoms when the literal starting with `b` repeats an earlier item. */
  private killDuplicateLiteral(f: ArrFrame, b: number): Frame | undefined {
    if (f.items === null || !intersects(f.plan.unique, f.alive)) return f;
    const keys = jsonEqualityKeys(b === 0x74 ? 'true' : b === 0x66 ? 'false' : 'null');
    for (let k = 0; k < f.itemsLen; k++) {
      const other = f.items[k];
      if (other[0] === keys[0] || other[1] === keys[1]) return this.kill(f, andBits(f.plan.unique, f.alive));
    }
    return f;
  }

  private startKey(f: ObjFrame, rec: string | null): Frame | undefined {
    const plan = f.plan;
    const link = plan.keyLink;
    const fields = newFrame(K_STR, frameWith(f, { ws: 0, rec, key: undefined }), link, link.goal.allowed[TY_STRING], rec, -1, f.recCount);
    fields.plan = plan.keyPlan;
    fields.ps = plan.keyPlan.initial;
    fields.keyOf = plan;
    // The decoded key, to refuse an undeclared key written twice (finishKey).
    fields.text = '';
    const frame = fields as unknown as StrFrame;
    // Requirements on the key that fail for any string (propertyNames: {type: "number"}).
    const failing = link.goal.failingFor(TY_STRING);
    let g: Frame | undefined = frame;
    if (failing.length > 0) g = this.failRequirements(frame, failing);
    if (g === undefined) return undefined;
    const k = this.checkKeyViability(g as StrFrame);
    return k === undefined ? undefined : this.freshKey(k as StrFrame);
  }

  /**
   * Starts the value whose first byte is `b` inside `parent` (already updated for the byte), under
   * `link`. Atoms that do not allow the value's type die now, and so do requirements no value of this
   * type can meet.
   */
  private startValue(parent: Frame, link: ChildLink, b: number, rec: string | null): Frame | undefined {
    if (parent.depth + 1 > this.options.maxDepth) return undefined;
    const goal = link.goal;
    const ty = VALUE_TYPE[b];
    if (ty < 0) return undefined;
    let alive = goal.allowed[ty];
    if (ty === TY_BOOLEAN) {
      const bit = b === 0x74 ? 2 : 1;
      goal.atoms.forEach((a, i) => {
        if (hasBit(alive, i) && (a.booleans & bit) === 0) alive = minusBits(alive, bitOf(alive.length, i));
      });
    }
    // Recording: this value needs its text (uniqueItems of an array).
    let recNow = rec;
    let recFrom = -1;
    let needs = false;
    for (let i = 0; i < goal.atoms.length && !needs; i++) {
      if (!hasBit(alive, i)) continue;
      const a = goal.atoms[i];
      if (ty === TY_ARRAY && a.arr?.unique) needs = true;
    }
    if (needs || recNow !== null) {
      // Inside a recorded value every value remembers where it starts (uniqueItems compares items).
      const before = recNow === null ? '' : recNow.slice(0, -1);
      recFrom = before.length;
      recNow = before + String.fromCharCode(b);
    }
    const recCount = parent.recCount + (needs ? 1 : 0);
    if (recNow !== null && recCount === 0) recNow = null;
    let fields: FrameFields;
    switch (ty) {
      case TY_STRING: {
        const plan = (goal.plans.string ??= internStringPlan(goal)) as StringPlan;
        fields = newFrame(K_STR, parent, link, alive, recNow, recFrom, recCount);
        fields.plan = plan;
        fields.ps = plan.initial;
        fields.text = plan.needsText ? '' : null;
        break;
      }
      case TY_NUMBER: {
        fields = newFrame(K_NUM, parent, link, alive, recNow, recFrom, recCount);
        fields.phase = b === 0x2d ? N_MINUS : b === 0x30 ? N_ZERO : N_INT;
        fields.shape = initialShape(fields.phase, this.options.numbers);
        fields.text = this.numberNeedsText(goal) ? String.fromCharCode(b) : null;
        break;
      }
      case TY_OBJECT: {
        const plan = (goal.plans.object ??= new ObjectPlan(goal, this.links)) as ObjectPlan;
        fields = newFrame(K_OBJ, parent, link, alive, recNow, recFrom, recCount);
        fields.plan = plan;
        fields.phase = O_OPEN;
        fields.seen = emptyBits(plan.names.length);
        fields.order = this.options.propertyOrder === 'schema' ? new Int32Array(goal.atoms.length).fill(-1) : null;
        fields.evals = intersects(plan.unevaluatedAtoms, alive) ? [] : null;
        break;
      }
      case TY_ARRAY: {
        const plan = (goal.plans.array ??= new ArrayPlan(goal, this.links)) as ArrayPlan;
        fields = newFrame(K_ARR, parent, link, alive, recNow, recFrom, recCount);
        fields.plan = plan;
        fields.phase = A_OPEN;
        fields.counts = plan.hasContains ? new Int32Array(goal.atoms.length) : null;
        fields.items = needs && intersects(plan.unique, alive) ? [] : null;
        fields.evals = intersects(plan.unevaluatedAtoms, alive) ? [] : null;
        break;
      }
      default:
        fields = newFrame(K_LIT, parent, link, alive, recNow, recFrom, recCount);
        fields.word = ty === TY_NULL ? 2 : b === 0x74 ? 0 : 1;
        fields.pos = 1;
    }
    const frame = fields as unknown as Frame;
    const failing = goal.failingFor(ty);
    let g: Frame | undefined = frame;
    if (failing.length > 0) {
      g = this.failRequirements(frame, failing);
      if (g === undefined) return undefined;
    }
    if (alive !== goal.allowed[ty]) g = this.settle(g);
    if (g !== undefined && g.kind === K_NUM) return this.checkNumber(g);
    return g;
  }

  private numberNeedsText(goal: Goal): boolean {
    let v = goal.plans.numberText as boolean | undefined;
    if (v === undefined) {
      // Plain integers without limits (806 of the 1,167 text-keeping number masks of the 300-file
      // MaskBench sample) are decided by the phases alone (plainNumberAtoms): no text, so their masks
      // take the digit slice and share cache entries like unconstrained numbers.
      v = goal.atoms.some((a) => a.num !== undefined && !isUnconstrained(a.num) && !isPlainIntegerOnly(a.num));
      goal.plans.numberText = v;
    }
    return v;
  }

  /**
   * The atoms of a number's goal whose constraint is the plain integer form (NumberConstraint
   * .plainInteger), or null when none: a number without text kills them when it breaks the form
   * (breaksPlainForm), as numberViable does from the text.
   */
  plainNumberAtoms(goal: Goal): Bits | null {
    let v = goal.plans.plainNumbers as Bits | null | undefined;
    if (v === undefined) {
      let bits: Bits | undefined;
      goal.atoms.forEach((a, i) => {
        if (a.num !== undefined && a.num.plainInteger) bits = withBit(bits ?? emptyBits(goal.atoms.length), i);
      });
      v = bits ?? null;
      goal.plans.plainNumbers = v;
    }
    return v;
  }

  // ---------------------------------------------------------------- strings

  private stepString(f: StrFrame, b: number, rec: string | null): Frame | undefined {
    switch (f.esc) {
      case S_NORMAL:
        if (b === 0x22) return this.finishString(f, rec);
        if (b === 0x5c) return this.escapeLive(frameWith(f, { esc: S_BACKSLASH, rec, key: undefined }), 0, 0x10ffff);
        if (b < 0x20) return undefined;
        if (b < 0x80) return this.feedByte(f, b, 1, S_NORMAL, rec);
        if (b >= 0xc2 && b <= 0xdf) return this.feedByte(f, b, 1, S_UTF8, rec);
        if (b === 0xe0) return this.feedByte(f, b, 1, S_UTF8_E0, rec);
        if (b === 0xed) return this.feedByte(f, b, 1, S_UTF8_ED, rec);
        if (b >= 0xe1 && b <= 0xef) return this.feedByte(f, b, 1, S_UTF8 + 1, rec);
        if (b === 0xf0) return this.feedByte(f, b, 1, S_UTF8_F0, rec);
        if (b === 0xf4) return this.feedByte(f, b, 1, S_UTF8_F4, rec);
        if (b >= 0xf1 && b <= 0xf3) return this.feedByte(f, b, 1, S_UTF8 + 2, rec);
        return undefined;
      case S_BACKSLASH: {
        const cp = ESCAPES[b];
        if (cp === ESCAPE_U) return this.escapeLive(frameWith(f, { esc: S_HEX, acc: 0, rec, key: undefined }), 0, 0xffff);
        if (cp < 0) return undefined;
        return this.feedCodePoint(f, cp, rec);
      }
      case S_HEX:
      case S_HEX + 1:
      case S_HEX + 2:
      case S_HEX + 3: {
        const h = hex(b);
        if (h < 0) return undefined;
        const acc = f.acc * 16 + h;
        const read = f.esc - S_HEX + 1;
        // A lone low surrogate can never be completed into a code point.
        if (read === 2 && acc >= 0xdc && acc <= 0xdf) return undefined;
        if (read < 4) {
          const shift = 4 * (4 - read);
          return this.escapeLive(frameWith(f, { esc: f.esc + 1, acc, rec, key: undefined }), acc << shift, ((acc + 1) << shift) - 1);
        }
        if (acc >= 0xd800 && acc <= 0xdbff) return this.escapeLive(frameWith(f, { esc: S_LOW_BACKSLASH, acc, rec, key: undefined }), acc, acc);
        return this.feedCodePoint(f, acc, rec);
      }
      case S_LOW_BACKSLASH:
        return b === 0x5c ? frameWith(f, { esc: S_LOW_U, rec, key: undefined }) : undefined;
      case S_LOW_U:
        return b === 0x75 ? frameWith(f, { esc: S_LOW_HEX, acc: f.acc * 65536, rec, key: undefined }) : undefined;
      case S_LOW_HEX:
      case S_LOW_HEX + 1:
      case S_LOW_HEX + 2:
      case S_LOW_HEX + 3: {
        const h = hex(b);
        if (h < 0) return undefined;
        const read = f.esc - S_LOW_HEX + 1;
        const high = Math.floor(f.acc / 65536);
        const low = (f.acc % 65536) * 16 + h;
        if (read === 1 && low !== 0xd) return undefined;
        if (read === 2 && (low < 0xdc || low > 0xdf)) return undefined;
        if (read < 4) {
          const shift = 4 * (4 - read);
          const pair = (l: number) => 0x10000 + ((high - 0xd800) << 10) + (l - 0xdc00);
          const from = Math.max(low << shift, 0xdc00);
          const to = Math.min(((low + 1) << shift) - 1, 0xdfff);
          return this.escapeLiveCodePoints(frameWith(f, { esc: f.esc + 1, acc: high * 65536 + low, rec, key: undefined }), pair(from), pair(to));
        }
        return this.feedCodePoint(f, 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00), rec);
      }
      default: {
        // Raw UTF-8 continuation bytes (overlong forms and surrogates excluded by the second byte).
        let lo = 0x80;
        let hi = 0xbf;
        let next: number;
        switch (f.esc) {
          case S_UTF8_E0:
            lo = 0xa0;
            next = S_UTF8;
            break;
          case S_UTF8_ED:
            hi = 0x9f;
            next = S_UTF8;
            break;
          case S_UTF8_F0:
            lo = 0x90;
            next = S_UTF8 + 1;
            break;
          case S_UTF8_F4:
            hi = 0x8f;
            next = S_UTF8 + 1;
            break;
          default:
            next = f.esc === S_UTF8 ? S_NORMAL : f.esc - 1;
        }
        if (b < lo || b > hi) return undefined;
        return this.feedByte(f, b, 0, next, rec);
      }
    }
  }

  /**
   * Liveness of an escape in progress: `g` is the string inside `\`, `\u` or a partly read `\uXXXX`,
   * and [lo, hi] the 16-bit code units (or, from the backslash, the code points) its remaining digits
   * can still spell. The escape is refused when none of them leads to a live string, since a sampler
   * would otherwise walk into `"\u000` under `enum: ["a", "b"]` and find no way out.
   */
  private escapeLive(g: StrFrame, lo: number, hi: number): Frame | undefined {
    if (g.esc === S_BACKSLASH) return this.escapeLiveCodePoints(g, lo, Math.min(hi, 0xd7ff), Math.max(lo, 0xe000), hi);
    if (g.esc === S_LOW_BACKSLASH) {
      const first = 0x10000 + ((lo - 0xd800) << 10);
      return this.escapeLiveCodePoints(g, first, first + 0x3ff);
    }
    // Code units: the BMP outside the surrogates, plus the supplementary planes behind high surrogates.
    const ranges: number[] = [];
    if (lo <= 0xd7ff) ranges.push(lo, Math.min(hi, 0xd7ff));
    if (hi >= 0xd800 && lo <= 0xdbff) {
      ranges.push(0x10000 + ((Math.max(lo, 0xd800) - 0xd800) << 10), 0x10000 + ((Math.min(hi, 0xdbff) - 0xd800) << 10) + 0x3ff);
    }
    if (hi >= 0xe000) ranges.push(Math.max(lo, 0xe000), hi);
    return this.escapeLiveCodePoints(g, ...ranges);
  }

  /** `g` when some code point of the ranges (pairs lo, hi) keeps the string live, else undefined. */
  private escapeLiveCodePoints(g: StrFrame, ...ranges: number[]): Frame | undefined {
    const plan = g.plan;
    const count = plan.cpCap > 0 ? Math.min(g.cp + 1, plan.cpCap) : 0;
    const long = count > 0 ? plan.tooLongAt(count) : undefined;
    const lengthOk = long === undefined || !intersects(long, g.alive);
    // Fast path: printable ASCII cannot kill a safe string, and the ranges hold some.
    if (g.keyOf === null && lengthOk && plan.safe(g.ps, plan.components.length)) {
      for (let i = 0; i < ranges.length; i += 2) if (ranges[i] <= 0x7e && ranges[i + 1] >= 0x23) return g;
    }
    let memo: Map<string, boolean> | undefined;
    let key = '';
    if (g.rec === null) {
      memo = this.escapeMemo.get(g.parent!);
      if (memo === undefined) this.escapeMemo.set(g.parent!, (memo = new Map()));
      // Everything of the string that escapeLive reads (its link fixes its plan, or its parent does).
      key = `${g.link.id}.${bitsKey(g.alive)}.${g.ps}.${g.cp}.${g.esc}.${g.acc}|${ranges.join(',')}|${g.text ?? ''}`;
      const known = memo.get(key);
      if (known !== undefined) return known ? g : undefined;
    }
    const live = this.someCodePointLive(g, ranges);
    if (memo !== undefined) {
      if (memo.size >= 4096) memo.clear();
      memo.set(key, live);
    }
    return live ? g : undefined;
  }

  /**
   * Whether some code point of `ranges` (pairs of first, last) keeps `g` live once its escape ends. (A
   * method of its own: V8 allocates the context of the variables a closure captures on every call of
   * the function that may make it, and escapeLiveCodePoints mostly returns before.)
   */
  private someCodePointLive(g: StrFrame, ranges: readonly number[]): boolean {
    const base: StrFrame = frameWith(g, { esc: S_NORMAL, acc: 0, key: undefined });
    const seen = new Map<number, boolean>();
    let live = false;
    // (An unnamed closure: tsx, which keeps function names, gives a named one a defineProperty per call.)
    for (let i = 0; i < ranges.length && !live; i += 2) live = codePointRangeLive(g.plan, g.ps, ranges[i], ranges[i + 1], (ps, last) => this.escapeSurvives(base, seen, ps, last));
    return live;
  }

  /** Whether `base` (a string out of its escape) survives moving to `ps` (memoized in `seen`). */
  private escapeSurvives(base: StrFrame, seen: Map<number, boolean>, ps: number, last: boolean): boolean {
    const id = last ? ps * 2 + 1 : ps * 2;
    let v = seen.get(id);
    if (v === undefined) {
      // A key's text is not advanced here: without it, fed leaves duplicate liveness to the full step.
      v = this.fed(base, ps, last ? 1 : 0, S_NORMAL, base.keyOf === null ? base.text : null, null) !== undefined;
      seen.set(id, v);
    }
    return v;
  }

  /** Feeds a decoded code point (from an escape) as its UTF-8 bytes. */
  private feedCodePoint(f: StrFrame, cp: number, rec: string | null): Frame | undefined {
    const plan = f.plan;
    const n = utf8Encode(cp, UTF8_SCRATCH);
    let ps = f.ps;
    let text = f.text;
    for (let k = 0; k < n; k++) {
      ps = plan.step(ps, UTF8_SCRATCH[k]);
      if (text !== null) text += String.fromCharCode(UTF8_SCRATCH[k]);
    }
    return this.fed(f, ps, 1, S_NORMAL, text, rec);
  }

  /** Feeds one raw byte of the string body (the hot path: no allocation when nothing changes). */
  private feedByte(f: StrFrame, b: number, cps: number, esc: number, rec: string | null): Frame | undefined {
    const ps = f.plan.step(f.ps, b);
    const text = f.text === null ? null : f.text + String.fromCharCode(b);
    return this.fed(f, ps, cps, esc, text, rec);
  }

  /**
   * The string after decoded bytes moved its product automaton to `ps` and its count by `cps` code
   * points. `text` holds the decoded UTF-8 bytes as latin1 characters when predicates need them.
   */
  private fed(f: StrFrame, ps: number, cps: number, esc: number, text: string | null, rec: string | null): Frame | undefined {
    const plan = f.plan;
    const count = plan.cpCap > 0 ? Math.min(f.cp + cps, plan.cpCap) : 0;
    if (ps === f.ps && count === f.cp && esc === f.esc && f.acc === 0 && rec === null && text === null) return f;
    const g: StrFrame = frameWith(f, { ps, cp: count, esc, acc: 0, text, rec, key: undefined });
    let out: Frame | undefined = g;
    const dead = plan.deadAt(ps);
    const long = count > 0 ? plan.tooLongAt(count) : undefined;
    if (intersects(dead, g.alive) || (long !== undefined && intersects(long, g.alive))) {
      let killed = andBits(g.alive, dead);
      if (long !== undefined) killed = orAnd(killed, long, g.alive);
      out = this.kill(g, killed);
      if (out === undefined) return undefined;
    }
    if (f.keyOf !== null) {
      if (ps !== f.ps) out = this.checkKeyViability(out as StrFrame);
      return out === undefined ? undefined : this.freshKey(out as StrFrame);
    }
    return out;
  }

  /** Kills closed object atoms that the key being read can no longer satisfy. */
  private checkKeyViability(f: StrFrame): Frame | undefined {
    const plan = f.keyOf!;
    const obj = f.parent as ObjFrame;
    const dead = plan.deadKeyAtoms(f.ps, obj.alive, obj.seen, obj.order);
    let g: StrFrame = f;
    if (dead !== undefined) {
      let bits = emptyLike(obj.alive);
      for (const i of dead) bits = withBit(bits, i);
      const parent = this.kill(obj, bits);
      if (parent === undefined) return undefined;
      g = frameWith(f, { parent, key: undefined });
    }
    return this.keyCanClose(g) ? g : undefined;
  }

  /**
   * Liveness of a key under closed schemas: some way to finish it must keep the document alive. Either
   * a key no closed atom names (possible when the document survives those atoms' death), or one of
   * the property names the key can still become, closed and checked as finishKey would (which also
   * decides formulas such as `not: {required: [name]}`). With patterns alive or more than 64 names to
   * try, the key is assumed finishable.
   */
  private keyCanClose(f: StrFrame): boolean {
    const plan = f.keyOf!;
    const obj = f.parent as ObjFrame;
    if (f.esc !== S_NORMAL) return true;
    const named = plan.nameOnlyAtoms(f.ps, obj.alive);
    if (named === undefined) return true;
    const memoKey = f.rec === null ? this.keyOf(f) : undefined;
    if (memoKey !== undefined) {
      const known = this.keyCloseMemo.get(memoKey);
      if (known !== undefined) return known;
    }
    let ok = this.kill(obj, named) !== undefined;
    if (!ok) {
      const rests = plan.nameCompletions(f.ps, 64);
      if (rests === undefined) ok = true;
      else {
        const kp = f.plan;
        for (const rest of rests) {
          let ps = f.ps;
          for (const b of rest) ps = kp.step(ps, b);
          const at: StrFrame = frameWith(f, { ps, key: undefined });
          if (this.finishKey(at, andBits(f.alive, kp.acceptAt(ps)), null) !== undefined) {
            ok = true;
            break;
          }
        }
      }
    }
    if (memoKey !== undefined) {
      if (this.keyCloseMemo.size >= 65536) this.keyCloseMemo.clear();
      this.keyCloseMemo.set(memoKey, ok);
    }
    return ok;
  }

  /**
   * Liveness against duplicate keys: a key whose decoded text can still become an undeclared key the
   * object already has must keep a way to close as a new key, or a sampler is stuck in it (with
   * `propertyNames: {enum: ["a", "b"]}` after `{"a":1,"b":2,` no key can follow, so that comma is
   * refused; with `maxLength: 2`, `{"ab":1,"ab` can neither close nor grow). A depth-first search over
   * the bytes that keep the text a prefix of such a key: a byte that leaves them all behind leads to a
   * key no duplicate can touch, live by the checks above. Escapes are tried in their one-character
   * forms only (a key that needs `\uXXXX` to be new is not found), and past FRESH_KEY_STEPS steps the
   * key is assumed live.
   */
  private freshKey(f: StrFrame): StrFrame | undefined {
    const written = (f.parent as ObjFrame).undeclared;
    if (this.searchingFreshKey || written === null || f.text === null || !undeclaredKeyContinues(written, f.text)) return f;
    const memoKey = f.rec === null ? this.keyOf(f) : undefined;
    let live = memoKey === undefined ? undefined : this.freshKeyMemo.get(memoKey);
    if (live === undefined) {
      this.searchingFreshKey = true;
      try {
        live = this.freshKeySearch(f, written, { steps: FRESH_KEY_STEPS });
      } finally {
        this.searchingFreshKey = false;
      }
      if (memoKey !== undefined) {
        if (this.freshKeyMemo.size >= 65536) this.freshKeyMemo.clear();
        this.freshKeyMemo.set(memoKey, live);
      }
    }
    return live ? f : undefined;
  }

  private freshKeySearch(f: StrFrame, written: UndeclaredKeys, budget: { steps: number }): boolean {
    if (this.stepFrame(f, 0x22) !== undefined) return true;
    for (let b = 0x20; b < 0x100; b++) {
      if (b === 0x22) continue;
      if (--budget.steps < 0) return true;
      const g = this.stepFrame(f, b) as StrFrame | undefined;
      if (g === undefined) continue;
      if (b !== 0x5c) {
        if (!undeclaredKeyContinues(written, g.text!) || this.freshKeySearch(g, written, budget)) return true;
        continue;
      }
      for (const c of SHORT_ESCAPES) {
        if (--budget.steps < 0) return true;
        const h = this.stepFrame(g, c) as StrFrame | undefined;
        if (h !== undefined && (!undeclaredKeyContinues(written, h.text!) || this.freshKeySearch(h, written, budget))) return true;
      }
    }
    return false;
  }

  private finishString(f: StrFrame, rec: string | null): Frame | undefined {
    const plan = f.plan;
    let results = andBits(f.alive, plan.acceptAt(f.ps));
    if (plan.cpCap > 0) results = minusBits(minusBits(results, plan.tooShortAt(f.cp)), plan.tooLongAt(f.cp));
    if (f.text !== null && plan.needsText) {
      const text = Buffer.from(f.text, 'latin1').toString('utf8');
      f.link.goal.atoms.forEach((a, i) => {
        if (hasBit(results, i) && a.str !== undefined) {
          for (const p of a.str.predicates) {
            if (!p(text)) {
              results = minusBits(results, bitOf(results.length, i));
              break;
            }
          }
        }
      });
    }
    if (f.keyOf !== null) return this.finishKey(f, results, rec);
    return this.finishValue(f, results, rec, true);
  }

  /** A key is complete: propertyNames requirements, duplicate and closed-schema checks, then the value's link. */
  private finishKey(f: StrFrame, results: Bits, rec: string | null, nameOverride?: number): Frame | undefined {
    const plan = f.keyOf!;
    // propertyNames answers first (the key is the child value of those requirements).
    const truths = this.truths(f, results);
    let obj = f.parent as ObjFrame;
    let dead: Bits | undefined;
    for (let r = 0; r < truths.length; r++) {
      if (truths[r] === NO && f.link.kinds[r] === MUST) dead = withBit(dead ?? emptyLike(obj.alive), f.link.owners[r]);
    }
    const name = nameOverride ?? plan.nameAt(f.ps);
    if (name >= 0 && hasBit(obj.seen, name)) return undefined; // duplicate key
    // An undeclared key written twice (compared decoded). A closing that stands for many bodies
    // (nameOverride, exitPlan) neither checks nor records one: exitPlan walks the repeats exactly.
    const text = nameOverride === undefined && name < 0 ? f.text : null;
    if (text !== null && hasUndeclaredKey(obj.undeclared, text)) return undefined;
    const count = Math.min(obj.count + 1, Math.max(plan.countCap, 1));
    let order = obj.order;
    for (let i = 0; i < plan.goal.atoms.length; i++) {
      if (!hasBit(obj.alive, i)) continue;
      if (!plan.keyAllowed(i, name, f.ps) || obj.count + 1 > plan.maxProperties[i]) {
        dead = withBit(dead ?? emptyLike(obj.alive), i);
        continue;
      }
      if (order !== null && name >= 0) {
        const list = plan.order[i];
        const pos = list === undefined ? -1 : list.indexOf(name);
        if (pos >= 0) {
          if (pos <= order[i]) dead = withBit(dead ?? emptyLike(obj.alive), i);
          else {
            if (order === obj.order) order = order.slice();
            order[i] = pos;
          }
        }
      }
    }
    const seen = name >= 0 ? withBit(obj.seen, name) : obj.seen;
    const undeclared = text === null ? obj.undeclared : withUndeclaredKey(obj.undeclared, text);
    obj = frameWith(obj, { seen, count, order, rec, undeclared, key: undefined });
    if (obj.evals !== null) obj = frameWith(obj, { pendingName: name, pendingMatched: plan.matchedAtoms(f.ps) });
    if (dead !== undefined) {
      const k = this.kill(obj, dead);
      if (k === undefined) return undefined;
      obj = k as ObjFrame;
    }
    const keyed: ObjFrame = frameWith(obj, { phase: O_AFTER_KEY, ws: 0, pending: plan.valueLink(obj.alive, name, f.ps), key: undefined });
    // Seeing the name may decide the object's formulas (`not: {required: [name]}`, oneOf branches).
    return this.settleSeen(keyed);
  }

  // ---------------------------------------------------------------- numbers

  private stepNumber(f: NumFrame, b: number, rec: string | null): Frame | undefined {
    let phase = -1;
    const digit = b >= 0x30 && b <= 0x39;
    switch (f.phase) {
      case N_MINUS:
        if (digit) phase = b === 0x30 ? N_ZERO : N_INT;
        break;
      case N_ZERO:
        if (b === 0x2e) phase = N_DOT;
        else if (b === 0x65 || b === 0x45) phase = N_E;
        break;
      case N_INT:
        if (digit) phase = N_INT;
        else if (b === 0x2e) phase = N_DOT;
        else if (b === 0x65 || b === 0x45) phase = N_E;
        break;
      case N_DOT:
        if (digit) phase = N_FRAC;
        break;
      case N_FRAC:
        if (digit) phase = N_FRAC;
        else if (b === 0x65 || b === 0x45) phase = N_E;
        break;
      case N_E:
        if (digit) phase = N_EXP;
        else if (b === 0x2b || b === 0x2d) phase = N_E_SIGN;
        break;
      case N_E_SIGN:
      case N_EXP:
        if (digit) phase = N_EXP;
        break;
    }
    if (phase < 0) {
      // Not part of the number: it ends here (if complete) and the byte goes to the enclosing value.
      if (f.phase !== N_ZERO && f.phase !== N_INT && f.phase !== N_FRAC && f.phase !== N_EXP) return undefined;
      const parent = this.finishNumber(f, rec);
      if (parent === undefined) return undefined;
      return this.stepFrame(frameWith(parent, { rec: parent.rec === null ? null : parent.rec.slice(0, -1), key: undefined }) as Frame, b);
    }
    const shape = stepShape(f.shape, f.phase, phase, b, this.options.numbers);
    if (shape < 0) return undefined;
    if (f.text === null) {
      const plain = breaksPlainForm(f.phase, phase) ? this.plainNumberAtoms(f.link.goal) : null;
      if (plain !== null && intersects(plain, f.alive)) return this.kill(frameWith(f, { phase, shape, rec, key: undefined }), andBits(plain, f.alive));
      if (phase === f.phase && shape === f.shape && rec === null) return f;
      return frameWith(f, { phase, shape, rec, key: undefined });
    }
    if (f.text.length >= MAX_NUMBER_TEXT) return undefined;
    return this.checkNumber(frameWith(f, { phase, shape, text: f.text + String.fromCharCode(b), rec, key: undefined }));
  }

  /** Whether every run of up to `k` digits after the number's text leaves each live atom viable. */
  private digitsKeepAtoms(f: NumFrame, k: number): boolean {
    const atoms = f.link.goal.atoms;
    for (let i = 0; i < atoms.length; i++) {
      const num = atoms[i].num;
      if (num !== undefined && hasBit(f.alive, i) && !digitsStayViable(f.text!, num, k)) return false;
    }
    return true;
  }

  /** Kills atoms whose numeric keywords no continuation of the number text can satisfy. */
  private checkNumber(f: NumFrame): Frame | undefined {
    if (f.text === null) return f;
    let dead: Bits | undefined;
    const atoms = f.link.goal.atoms;
    for (let i = 0; i < atoms.length; i++) {
      const num = atoms[i].num;
      if (num === undefined || !hasBit(f.alive, i)) continue;
      if (!numberViable(f.text, num)) dead = withBit(dead ?? emptyLike(f.alive), i);
    }
    return dead === undefined ? f : this.kill(f, dead);
  }

  /**
   * The enclosing frame once a complete number ends (before the byte that ends it is stepped), for a
   * number outside recorded values: what stepNumber steps that byte from. The cursor finishes a
   * number once per walk and shares the result between all the bytes that can end it.
   */
  finishedNumber(f: NumFrame): Frame | undefined {
    if (f.rec !== null || (f.phase !== N_ZERO && f.phase !== N_INT && f.phase !== N_FRAC && f.phase !== N_EXP)) return undefined;
    return this.finishNumber(f, null);
  }

  /** Completes a number (its text is in the frame when any atom needs it). */
  private finishNumber(f: NumFrame, rec: string | null): Frame | undefined {
    let results = f.alive;
    if (f.text !== null) {
      const text = Buffer.from(f.text, 'latin1').toString('utf8');
      f.link.goal.atoms.forEach((a, i) => {
        if (hasBit(results, i) && a.num !== undefined && !checkNumber(text, a.num)) results = minusBits(results, bitOf(results.length, i));
      });
    }
    return this.finishValue(f, results, rec, false);
  }

  // ---------------------------------------------------------------- containers

  private objectResults(f: ObjFrame): Bits {
    const plan = f.plan;
    let results = f.alive;
    for (let i = 0; i < plan.goal.atoms.length; i++) {
      if (!hasBit(results, i)) continue;
      let ok = f.count >= plan.minProperties[i];
      const req = plan.required[i];
      if (ok && req !== undefined) ok = subsetBits(req, f.seen);
      const deps = plan.dependentRequired[i];
      if (ok && deps !== undefined) {
        for (const [name, needed] of deps) {
          if (hasBit(f.seen, name) && !subsetBits(needed, f.seen)) {
            ok = false;
            break;
          }
        }
      }
      if (!ok) results = minusBits(results, bitOf(results.length, i));
    }
    if (f.evals !== null) results = this.unevaluatedResults(f, results);
    return results;
  }

  /**
   * unevaluatedProperties / unevaluatedItems: an atom fails when some property (item) that no
   * successful schema of its scope evaluated does not satisfy its unevaluated* schema. Inner scopes are
   * decided first (highest atom index first, twice) since their success evaluates everything.
   */
  private unevaluatedResults(f: ObjFrame | ArrFrame, results: Bits): Bits {
    const goal = f.link.goal;
    const isObject = f.kind === K_OBJ;
    const records = f.evals!.slice(0, f.evalsLen);
    for (let pass = 0; pass < 2; pass++) {
      for (let a = goal.atoms.length - 1; a >= 0; a--) {
        if (!hasBit(results, a)) continue;
        const u = isObject ? goal.atoms[a].obj?.unevaluated : goal.atoms[a].arr?.unevaluated;
        const scope = goal.scope.get(a);
        if (u === undefined || scope === undefined) continue;
        const contributors: number[] = [];
        succeededAtoms(scope, completion(f, results), contributors);
        if (!contributors.includes(a)) contributors.push(a);
        let ok = true;
        for (const r of records) {
          let evaluated = false;
          for (const b of contributors) {
            const atom = goal.atoms[b];
            if (isObject) {
              const obj = atom.obj;
              if (obj === undefined) continue;
              const props = (f as ObjFrame).plan.props[b]!;
              if ((r.name >= 0 && hasBit(props, r.name)) || hasBit(r.matched, b) || obj.additional !== undefined || (b !== a && obj.unevaluated !== undefined)) {
                evaluated = true;
                break;
              }
            } else {
              const arr = atom.arr;
              if (arr === undefined) continue;
              if (r.name < arr.prefix.length || arr.items !== undefined || hasBit(r.matched, b) || (b !== a && arr.unevaluated !== undefined)) {
                evaluated = true;
                break;
              }
            }
          }
          if (evaluated) continue;
          if (u.expr.k === 'true') continue;
          if (u.expr.k === 'false' || r.u[a] !== YES) {
            ok = false;
            break;
          }
        }
        if (!ok) results = minusBits(results, bitOf(results.length, a));
      }
    }
    return results;
  }

  private arrayResults(f: ArrFrame): Bits {
    const plan = f.plan;
    let results = f.alive;
    for (let i = 0; i < plan.goal.atoms.length; i++) {
      if (!hasBit(results, i)) continue;
      let ok = f.index >= plan.minItems[i];
      if (ok && plan.containsCap[i] >= 0) {
        const c = f.counts![i];
        ok = c >= plan.minContains[i] && c <= plan.maxContains[i];
      }
      if (!ok) results = minusBits(results, bitOf(results.length, i));
    }
    if (f.evals !== null) results = this.unevaluatedResults(f, results);
    return results;
  }

  /** The truth of each requirement of `link` given the atoms that accept the complete value. */
  /** The truth of each requirement of `f`'s link given the atoms that accept the complete value. */
  private truths(f: Frame, results: Bits): Uint8Array {
    const reqs = f.link.goal.reqs;
    const out = new Uint8Array(reqs.length);
    const v = completion(f, results);
    for (let i = 0; i < reqs.length; i++) out[i] = evaluate(reqs[i], v);
    return out;
  }

  /**
   * A value completed with `results` (its atoms that accept it). Semantic checks run on its recorded
   * text, requirements are decided, and the enclosing frame takes the answers. `includesByte` says
   * whether the byte just read belongs to the value (false for a number ended by a delimiter).
   */
  private finishValue(f: Frame, results: Bits, rec: string | null, includesByte: boolean): Frame | undefined {
    const truths = this.truths(f, results);
    const parent = f.parent!;
    // The parent is the new top: it carries the recording when it still needs one.
    const parentRec: string | null = parent.recCount > 0 ? rec : null;
    const itemText = f.recFrom >= 0 && rec !== null && parent.kind === K_ARR && parent.items !== null
      ? (includesByte ? rec.slice(f.recFrom) : rec.slice(f.recFrom, rec.length - 1))
      : undefined;
    return this.answer(parent, f.link, truths, parentRec, f, itemText);
  }

  /** Applies a completed child's requirement truths to its enclosing frame. */
  private answer(parent: Frame, link: ChildLink, truths: Uint8Array, rec: string | null, child: Frame, itemText: string | undefined): Frame | undefined {
    let dead: Bits | undefined;
    let counts: Int32Array | null = parent.kind === K_ARR ? parent.counts : null;
    const evals = parent.kind === K_OBJ || parent.kind === K_ARR ? parent.evals : null;
    let record: EvalRecord | undefined;
    if (evals !== null) {
      const u = new Uint8Array(parent.alive.length * 32).fill(MAYBE);
      let matched = parent.kind === K_OBJ && parent.pendingMatched !== null ? parent.pendingMatched : emptyLike(parent.alive);
      for (let r = 0; r < truths.length; r++) {
        if (link.kinds[r] === UNEVALUATED) u[link.owners[r]] = truths[r];
        else if (link.kinds[r] === COUNTS && truths[r] === YES) matched = withBit(matched, link.owners[r]);
      }
      record = { name: parent.kind === K_OBJ ? parent.pendingName : (parent as ArrFrame).evalsLen, matched, u };
    }
    for (let r = 0; r < truths.length; r++) {
      const owner = link.owners[r];
      if (link.kinds[r] === MUST) {
        if (truths[r] === NO) {
          if (owner < 0) return undefined; // the document's own requirement failed
          dead = withBit(dead ?? emptyLike(parent.alive), owner);
        }
      } else if (link.kinds[r] === COUNTS && truths[r] === YES && parent.kind === K_ARR) {
        const plan = parent.plan;
        if (counts === parent.counts) counts = counts!.slice();
        counts![owner] = Math.min(counts![owner] + 1, plan.containsCap[owner]);
        if (counts![owner] > plan.maxContains[owner]) dead = withBit(dead ?? emptyLike(parent.alive), owner);
      }
    }
    let next: Frame;
    switch (parent.kind) {
      case K_ROOT:
        next = frameWith(parent, { phase: R_AFTER, ws: 0, rec, key: undefined });
        break;
      case K_OBJ:
        next = frameWith(parent, { phase: O_AFTER_VALUE, ws: 0, pending: null, rec, key: undefined });
        if (record !== undefined) next = frameWith(next, { ...appendRecord(parent.evals!, parent.evalsLen, record), pendingName: -1, pendingMatched: null });
        break;
      case K_ARR: {
        let items = parent.items;
        let itemsLen = parent.itemsLen;
        if (items !== null && itemText !== undefined && intersects(parent.plan.unique, parent.alive)) {
          const keys = jsonEqualityKeys(Buffer.from(itemText, 'latin1').toString('utf8'));
          let duplicate = false;
          for (let k = 0; k < itemsLen && !duplicate; k++) {
            const other = items[k];
            duplicate = other[0] === keys[0] || other[1] === keys[1];
          }
          if (duplicate) dead = orAnd(dead ?? emptyLike(parent.alive), parent.plan.unique, parent.alive);
          if (itemsLen !== items.length) items = items.slice(0, itemsLen);
          items.push(keys);
          itemsLen++;
        }
        // Positions past every prefix and count bound behave alike: the index saturates.
        const index = Math.min(parent.index + 1, parent.plan.indexCap);
        next = frameWith(parent, { phase: A_AFTER_VALUE, ws: 0, index, counts, items, itemsLen, rec, key: undefined });
        if (record !== undefined) next = frameWith(next, { ...appendRecord(parent.evals!, parent.evalsLen, record) });
        break;
      }
      default:
        throw new Error(`a ${child.kind} frame cannot contain values`);
    }
    if (dead !== undefined) return this.kill(next, dead);
    // A property's value completed: atoms that needed it may now hold for sure (see settledObjectAtoms).
    return next.kind === K_OBJ ? this.settleSeen(next) : next;
  }

  // ---------------------------------------------------------------- atom deaths

  /** Kills the atoms of `dead` in `f` and propagates to the enclosing frames. */
  private kill(f: Frame, dead: Bits): Frame | undefined {
    const alive = minusBits(f.alive, dead);
    if (alive === f.alive) return f;
    return this.settle(frameWith(f, { alive, key: undefined }) as Frame);
  }

  /** After atoms of `f` died: requirements that became false kill their owners upward. */
  private settle(f: Frame): Frame | undefined {
    const link = f.link;
    if (link.owners.length === 0) return f;
    const ty = typeOfFrame(f);
    const v: Valuation = {
      atoms: f.alive,
      sure: f.kind === K_OBJ ? this.settledObjectAtoms(f) : ty >= 0 ? link.goal.sure[ty] : link.goal.all,
      seen: f.kind === K_OBJ ? f.seen : null,
      keyIndex: f.kind === K_OBJ ? f.plan.keyNameIndex : null,
      unseen: f.kind === K_OBJ ? MAYBE : NO,
    };
    let parentDead: Bits | undefined;
    const parent = f.parent!;
    for (let r = 0; r < link.owners.length; r++) {
      if (link.kinds[r] !== MUST) continue;
      const owner = link.owners[r];
      if (owner >= 0 && !hasBit(parent.alive, owner)) continue;
      if (evaluate(link.goal.reqs[r], v) === NO) {
        if (owner < 0) return undefined;
        parentDead = withBit(parentDead ?? emptyLike(parent.alive), owner);
      }
    }
    return this.withParentKilled(f, parentDead);
  }

  /**
   * The atoms of an open object that accept it whatever follows: those sure for any object, and those
   * whose keywords later keys cannot break once their names are seen (ObjectPlan.settleWhenSeen).
   */
  private settledObjectAtoms(f: ObjFrame): Bits {
    const plan = f.plan;
    let out = f.link.goal.sure[TY_OBJECT];
    const valuePending = f.phase === O_AFTER_KEY || f.phase === O_BEFORE_VALUE;
    for (let i = 0; i < plan.settleWhenSeen.length; i++) {
      const names = plan.settleWhenSeen[i];
      if (names === undefined || !hasBit(f.alive, i) || hasBit(out, i)) continue;
      if (f.count < plan.minProperties[i]) continue;
      const req = plan.required[i];
      if (req !== undefined && !subsetBits(req, f.seen)) continue;
      if (!subsetBits(names, f.seen) || (valuePending && !isEmptyBits(names))) continue;
      out = withBit(out, i);
    }
    return out;
  }

  /** settle() for an object whose seen names may have made atoms sure; free when none did. */
  private settleSeen(f: ObjFrame): Frame | undefined {
    if (f.link.owners.length === 0 || this.settledObjectAtoms(f) === f.link.goal.sure[TY_OBJECT]) return f;
    return this.settle(f);
  }

  /** `f` under its parent with the `dead` atoms killed (f itself when none): undefined if the parent dies. */
  private withParentKilled(f: Frame, dead: Bits | undefined): Frame | undefined {
    if (dead === undefined) return f;
    const p = this.kill(f.parent!, dead);
    if (p === undefined) return undefined;
    return frameWith(f, { parent: p, key: undefined }) as Frame;
  }

  /** Requirements that fail outright (listed by index) kill their owners. */
  private failRequirements(f: Frame, failing: Int32Array): Frame | undefined {
    const link = f.link;
    const parent = f.parent!;
    let parentDead: Bits | undefined;
    for (const r of failing) {
      if (link.kinds[r] !== MUST) continue;
      const owner = link.owners[r];
      if (owner < 0) return undefined;
      parentDead = withBit(parentDead ?? emptyLike(parent.alive), owner);
    }
    return this.withParentKilled(f, parentDead);
  }
}

/**
 * Longest document prefix (bytes) that keys a recorded value's mask: the key is held by the mask
 * cache, whose bound counts masks, not keys.
 */
const MAX_DOCUMENT_KEY = 4096;

/** JSON type index of a value by its first byte, -1 when no value starts with it. */
const VALUE_TYPE = new Int8Array(256).fill(-1);
VALUE_TYPE[0x22] = TY_STRING;
VALUE_TYPE[0x7b] = TY_OBJECT;
VALUE_TYPE[0x5b] = TY_ARRAY;
VALUE_TYPE[0x2d] = TY_NUMBER;
for (let b = 0x30; b <= 0x39; b++) VALUE_TYPE[b] = TY_NUMBER;
VALUE_TYPE[0x74] = TY_BOOLEAN;
VALUE_TYPE[0x66] = TY_BOOLEAN;
VALUE_TYPE[0x6e] = TY_NULL;

/** One first byte of every kind of value start (numbers differ by their first digit under bounds). */
const VALUE_START_BYTES = Uint8Array.from([0x22, 0x7b, 0x5b, 0x74, 0x66, 0x6e, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);

const NO_EXCEPTIONS: readonly Uint8Array[] = Object.freeze([]);
const NO_RESTS: readonly Uint8Array[] = Object.freeze([]);

/** The escapes freshKey tries after a backslash: every one-character form (`\uXXXX` is not tried). */
const SHORT_ESCAPES = Uint8Array.from([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
/** Steps of one duplicate-key liveness search before the key is assumed live. */
const FRESH_KEY_STEPS = 4096;

const UTF8_SCRATCH = new Uint8Array(4);

/**
 * Whether some code point in [lo, hi] (no surrogates), fed as UTF-8 from product state `ps`, keeps the
 * string live: `survives(ps, last)` judges the state after each byte (last: the code point is complete).
 * Depth-first over the UTF-8 bytes, so code points sharing leading bytes share their steps, and
 * subtrees whose continuation bytes are unconstrained are memoized per state.
 */
function codePointRangeLive(plan: StringPlan, ps: number, lo: number, hi: number, survives: (ps: number, last: boolean) => boolean): boolean {
  const full = new Map<number, boolean>();
  for (let n = 1; n <= 4; n++) {
    const from = Math.max(lo, n === 1 ? 0 : UTF8_MAX[n - 1] + 1);
    const to = Math.min(hi, UTF8_MAX[n]);
    if (from <= to && codePointsLive(plan, survives, full, ps, from, to, n, 0)) return true;
  }
  return false;
}

/** Largest code point of an n-byte UTF-8 sequence. */
const UTF8_MAX = [0, 0x7f, 0x7ff, 0xffff, 0x10ffff];

/**
 * codePointRangeLive's walk: the code points from..to of n bytes, whose first k bytes led to `state`;
 * `full` memoizes the subtrees of unconstrained continuation bytes per state.
 */
function codePointsLive(
  plan: StringPlan,
  survives: (ps: number, last: boolean) => boolean,
  full: Map<number, boolean>,
  state: number,
  from: number,
  to: number,
  n: number,
  k: number,
): boolean {
  const shift = 6 * (n - 1 - k);
  const span = 64 << shift;
  const isFull = k > 0 && (from & (span - 1)) === 0 && to - from === span - 1;
  const memoKey = state * 8 + (n - k);
  if (isFull) {
    const known = full.get(memoKey);
    if (known !== undefined) return known;
  }
  let live = false;
  for (let q = from >> shift; q <= to >> shift && !live; q++) {
    const byte = k === 0 ? UTF8_LEAD[n] | q : 0x80 | (q & 0x3f);
    const next = plan.step(state, byte);
    const last = k === n - 1;
    if (!survives(next, last)) continue;
    if (last) live = true;
    else live = codePointsLive(plan, survives, full, next, Math.max(from, q << shift), Math.min(to, ((q + 1) << shift) - 1), n, k + 1);
  }
  if (isFull) full.set(memoKey, live);
  return live;
}

/** First-byte marker of an n-byte UTF-8 sequence (the payload bits are or-ed in). */
const UTF8_LEAD = [0, 0, 0xc0, 0xe0, 0xf0];

/** Leaf truths of a complete value: `results` are the atoms that accept it. */
function completion(f: Frame, results: Bits): Valuation {
  const obj = f.kind === K_OBJ;
  return { atoms: results, sure: null, seen: obj ? f.seen : null, keyIndex: obj ? f.plan.keyNameIndex : null, unseen: NO };
}

/** Appends to a shared append-only array: in place when this state owns its end, else a copy. */
function appendRecord(evals: EvalRecord[], len: number, record: EvalRecord): { evals: EvalRecord[]; evalsLen: number } {
  const out = evals.length === len ? evals : evals.slice(0, len);
  out.push(record);
  return { evals: out, evalsLen: len + 1 };
}

function evalsKey(evals: EvalRecord[], len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const r = evals[i];
    s += `${r.name}:${bitsKey(r.matched)}:${r.u.join('')};`;
  }
  return s;
}

const STRING_BODY: readonly ByteClassId[] = Object.freeze(['json-string-body']);
const DIGITS: readonly ByteClassId[] = Object.freeze(['digits']);
const WHITESPACE: readonly ByteClassId[] = Object.freeze(['json-whitespace']);

/**
 * A string frame as the automaton-only body walk sees it: its plan's automata, the live atoms and the
 * smallest maxLength among them (the callers add how the document survives an atom's death).
 */
/**
 * Grouping of a string's special tokens (budgeted-walk.ts, walkSpecialRoots). Exact because a body-only
 * prefix reaches a frame that depends only on the product state it leads to and the characters it
 * adds: the atoms it kills (deadAt, and for a key the closed object atoms it can no longer name) only
 * grow along a path, the state's own dead components stay dead, and the text is kept by no caller
 * (values) or only for written keys, whose `rests` the prefixes still spelling one are walked exactly.
 */
function prefixGroups(f: StrFrame, rests: readonly Uint8Array[]): PrefixGroups {
  return { ps: f.ps, plan: f.plan, rests, counted: f.plan.cpCap > 0 };
}

function bodyStateOf(f: StrFrame): Omit<BodyState, 'survives' | 'key'> {
  const plan = f.plan;
  let maxLength = Infinity;
  for (let i = 0; i < plan.maxLengths.length; i++) if (hasBit(f.alive, i) && plan.maxLengths[i] < maxLength) maxLength = plan.maxLengths[i];
  return { ps: f.ps, cp: f.cp, plan, alive: f.alive, maxLength };
}
