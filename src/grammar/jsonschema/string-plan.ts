import { emptyBits, hasBit, type Bits } from './bits.js';
import type { Goal } from './goal.js';
import type { TokenTrie } from '../vocab/token-trie.js';
import { PredicateComponent, TrieComponent, UTF8_FORMS, type StringComponent } from './string-component.js';
import { HorizonClasses } from './string-horizon.js';
import { CountedRuns, type RunSpans } from './counted-runs.js';

/**
 * Everything the machine runs over one string's decoded bytes: the components (patterns, formats, enum
 * tries) of every atom of the goal, plus extra components for object keys (the property-name trie and
 * the patternProperties regexes). Their product is determinized lazily: a product state is an integer,
 * its transitions are memoized in typed arrays, so after warm-up a byte costs one array read whatever
 * the number of schemas in play.
 */
export class StringPlan {
  readonly components: readonly StringComponent[];
  /** Per goal atom: indexes of its components. */
  private readonly atomComponents: readonly Int32Array[];
  /** Code point counts saturate here (max of minLength and maxLength+1 over the atoms). */
  readonly cpCap: number;
  /** Atoms whose maxLength is below each count 0..cpCap (built when first asked: cpCap may be large). */
  private readonly tooLong: (Bits | undefined)[] = [];
  /** Atoms whose minLength is above each count 0..cpCap (built when first asked). */
  private readonly tooShort: (Bits | undefined)[] = [];
  /** The decoded text must be kept (predicates need it). */
  readonly needsText: boolean;
  readonly minLengths: Float64Array;
  readonly maxLengths: Float64Array;

  private readonly tuples: Int32Array[] = [];
  /** Where step builds the next tuple before interning it. */
  private scratch = new Int32Array(2);
  private readonly next: Int32Array[] = [];
  private readonly ids = new Map<number | string, number>();
  /** Per product state: atoms with a dead component. */
  private readonly deadAtoms: Bits[] = [];
  /** Per product state: atoms all of whose components accept. */
  private readonly acceptAtoms: Bits[] = [];
  private readonly loopMemo: (boolean | undefined)[] = [];
  private readonly safeMemo: (boolean | undefined)[] = [];
  private readonly loopBytesMemo: (Uint32Array | undefined)[] = [];
  private readonly mortalMemo: (Bits | undefined)[] = [];
  readonly initial: number;
  /** The goal's atoms (the plan keeps no reference to the goal: shared plans outlive their schemas). */
  private readonly atomCount: number;

  constructor(goal: Goal, extra: readonly StringComponent[] = [], shape: PlanShape = planShape(goal, extra)) {
    this.atomCount = goal.atoms.length;
    this.components = shape.components;
    this.atomComponents = shape.atomComponents;
    this.minLengths = shape.minLengths;
    this.maxLengths = shape.maxLengths;
    this.extraStart = shape.extraStart;
    this.cpCap = shape.cpCap;
    this.needsText = shape.needsText;
    this.signature = shape.signature;
    this.initial = this.intern(Int32Array.from(shape.components.map((c) => c.initial)), shape.components.length);
  }

  /** Index of the first extra component (key classification). */
  readonly extraStart: number;

  /**
   * The id of the product state whose component states are `values[0..n)`. `values` may be a scratch
   * buffer: it is copied only when the state is new.
   */
  private intern(values: Int32Array, n: number): number {
    // One or two components (most strings): a number says it without building a string.
    const key: number | string =
      n === 1 ? values[0] : n === 2 && values[0] < 0x100000 && values[1] < 0x100000 ? (values[0] + 1) * 0x200000 + values[1] + 1 : values.subarray(0, n).join(',');
    let id = this.ids.get(key);
    if (id === undefined) {
      const tuple = values.slice(0, n);
      id = this.tuples.length;
      this.tuples.push(tuple);
      this.next.push(new Int32Array(256).fill(-2));
      this.ids.set(key, id);
      const atoms = this.atomCount;
      const dead = emptyBits(atoms);
      const accept = emptyBits(atoms);
      for (let i = 0; i < atoms; i++) {
        let allAccept = true;
        let anyDead = false;
        for (const c of this.atomComponents[i]) {
          const s = tuple[c];
          if (s < 0) anyDead = true;
          else if (!this.components[c].accepts(s)) allAccept = false;
        }
        if (anyDead) dead[i >>> 5] |= 1 << (i & 31);
        else if (allAccept) accept[i >>> 5] |= 1 << (i & 31);
      }
      this.deadAtoms.push(dead);
      this.acceptAtoms.push(accept);
    }
    return id;
  }

  /** The product state after one decoded byte (components that die stay dead: -1). */
  step(state: number, byte: number): number {
    const row = this.next[state];
    const known = row[byte];
    if (known !== -2) return known;
    const tuple = this.tuples[state];
    const n = tuple.length;
    // Most steps reach a state already interned (measured: 98% of ~850k on 300 MaskBench files), so
    // the next tuple goes into scratch and is copied only when new.
    if (this.scratch.length < n) this.scratch = new Int32Array(n);
    const out = this.scratch;
    for (let c = 0; c < n; c++) out[c] = tuple[c] < 0 ? -1 : this.components[c].step(tuple[c], byte);
    const id = this.intern(out, n);
    row[byte] = id;
    return id;
  }

  componentState(state: number, c: number): number {
    return this.tuples[state][c];
  }

  deadAt(state: number): Bits {
    return this.deadAtoms[state];
  }

  acceptAt(state: number): Bits {
    return this.acceptAtoms[state];
  }

  /** Atoms whose maxLength a count of `cp` code points exceeds. */
  tooLongAt(cp: number): Bits {
    const at = Math.min(cp, this.cpCap);
    return (this.tooLong[at] ??= this.atomsWhere((i) => this.maxLengths[i] < at));
  }

  tooShortAt(cp: number): Bits {
    const at = Math.min(cp, this.cpCap);
    return (this.tooShort[at] ??= this.atomsWhere((i) => this.minLengths[i] > at));
  }

  private atomsWhere(test: (atom: number) => boolean): Bits {
    const bits = emptyBits(this.atomCount);
    for (let i = 0; i < this.atomCount; i++) if (test(i)) bits[i >>> 5] |= 1 << (i & 31);
    return bits;
  }

  /** True when atom `i` accepts the complete string (components; lengths and predicates are separate). */
  atomAccepts(state: number, i: number): boolean {
    return hasBit(this.acceptAtoms[state], i);
  }

  /** Every live component loops on string-body characters: body tokens change nothing. */
  loops(state: number): boolean {
    let v = this.loopMemo[state];
    if (v === undefined) {
      v = true;
      const tuple = this.tuples[state];
      for (let c = 0; c < tuple.length; c++) {
        if (tuple[c] >= 0 && !this.components[c].loops(tuple[c])) {
          v = false;
          break;
        }
      }
      this.loopMemo[state] = v;
    }
    return v;
  }

  /** The spans of `state`'s counted run (counted-runs.ts), built when first asked. */
  runSpans(state: number): RunSpans {
    this.runs ??= new CountedRuns({ step: (s, b) => this.step(s, b), deadAt: (s) => this.deadAtoms[s] });
    return this.runs.spans(state);
  }

  /** runSpans(state) if it was computed already, else undefined (costs nothing). */
  knownRunSpans(state: number): RunSpans | undefined {
    return this.runs?.knownSpans(state);
  }

  private runs: CountedRuns | undefined;

  /** loopBytes(state) if it was computed already, else undefined (costs nothing). */
  knownLoopBytes(state: number): Uint32Array | undefined {
    return this.loopBytesMemo[state];
  }

  /**
   * The string-body bytes (not `"` or `\`, no control byte) that leave `state` unchanged, as 256 bits
   * (8 words): a token spelled with these bytes only, in valid UTF-8, cannot change the string's
   * product state. The printable ASCII bytes that loop; the lead bytes all of whose characters lead
   * from `state` back to it (a word of `\S+` in Cyrillic or CJK: its bytes pass through other states,
   * none dead, and come back; not U+00A0's lead C2, whose characters include a space); and the
   * continuation bytes, which follow a lead byte on every valid path.
   */
  loopBytes(state: number): Uint32Array {
    let v = this.loopBytesMemo[state];
    if (v === undefined) {
      v = new Uint32Array(8);
      for (let b = 0x20; b < 0x7f; b++) {
        if (b !== 0x22 && b !== 0x5c && this.step(state, b) === state) v[b >>> 5] |= 1 << (b & 31);
      }
      let leads = 0;
      for (const [leadLo, leadHi, secondLo, secondHi, rest] of UTF8_FORMS) {
        for (let lead = leadLo; lead <= leadHi; lead++) {
          if (this.charsLoop(state, lead, secondLo, secondHi, rest)) {
            v[lead >>> 5] |= 1 << (lead & 31);
            leads++;
          }
        }
      }
      if (leads > 0) v.fill(0xffffffff, 0x80 >>> 5, 0xc0 >>> 5);
      this.loopBytesMemo[state] = v;
    }
    return v;
  }

  /**
   * Every character with lead byte `lead` (second byte in secondLo..secondHi, `rest` more continuation
   * bytes) leads from `state` back to `state`. Bounded: false when the bytes spread over many states.
   */
  private charsLoop(state: number, lead: number, secondLo: number, secondHi: number, rest: number): boolean {
    let states = [this.step(state, lead)];
    let lo = secondLo;
    let hi = secondHi;
    for (let k = 0; k <= rest; k++) {
      const next = new Set<number>();
      for (const u of states) {
        for (let b = lo; b <= hi; b++) next.add(this.step(u, b));
        if (next.size > 8) return false;
      }
      states = [...next];
      lo = 0x80;
      hi = 0xbf;
    }
    return states.every((t) => t === state);
  }

  /**
   * Atoms that string-body characters can still kill from `state`: those with a maxLength, and those
   * with a live component that may die (StringComponent.neverDies). The others' fate is settled at the
   * closing quote.
   */
  mortalAt(state: number): Bits {
    const tuple = this.tuples[state];
    return (this.mortalMemo[state] ??= this.atomsWhere(
      (i) => this.maxLengths[i] !== Infinity || this.atomComponents[i].some((c) => tuple[c] < 0 || !this.components[c].neverDies(tuple[c])),
    ));
  }

  /**
   * No string-body character can kill a live component with index below `end` (the string's own
   * schemas: for a key, not its classification automata). Then no atom dies from the characters and
   * every string-body token is allowed (lengths aside).
   */
  safe(state: number, end: number): boolean {
    if (end === this.components.length) {
      let v = this.safeMemo[state];
      if (v === undefined) {
        v = this.safeBelow(state, end);
        this.safeMemo[state] = v;
      }
      return v;
    }
    return this.safeBelow(state, end);
  }

  /** Every live component with index below `end` loops (leaves the state unchanged on body characters). */
  loopsBelow(state: number, end: number): boolean {
    const tuple = this.tuples[state];
    for (let c = 0; c < end; c++) if (tuple[c] >= 0 && !this.components[c].loops(tuple[c])) return false;
    return true;
  }

  private safeBelow(state: number, end: number): boolean {
    const tuple = this.tuples[state];
    for (let c = 0; c < end; c++) if (tuple[c] >= 0 && !this.components[c].neverDies(tuple[c])) return false;
    return true;
  }

  get stateCount(): number {
    return this.tuples.length;
  }

  /**
   * What a product state's string-body behaviour depends on besides the state: the components (by
   * identity: patterns and formats are shared by every schema of the process), which atoms own which,
   * the length limits and whether the text is kept. Two plans with one signature step, kill and count
   * alike: a schema machine keeps one plan per signature (its transitions and horizon classes serve
   * every property with the same string schema), and the automaton-only walk of a state
   * (bodyAutomatonWalk) is shared under it across schemas (shared-body-walks.ts).
   */
  readonly signature: string;

  /** The components' states of product state `state`, as text (see signature). */
  stateKey(state: number): string {
    return this.tuples[state].join(',');
  }

  private horizon: HorizonClasses | undefined;

  /** The horizon classes of this plan's states along `tries` (string-horizon.ts), kept for the same tries. */
  horizonClasses(tries: readonly TokenTrie[]): HorizonClasses {
    const h = this.horizon;
    if (h === undefined || h.tries !== tries.length || !h.trieList.every((t, i) => t === tries[i])) this.horizon = new HorizonClasses(this, [...tries]);
    return this.horizon!;
  }
}

/**
 * Plans kept for sharing, and the size past which a plan is no longer handed out (its holders keep
 * it): transitions cost ~1 KB per product state, and a process serving many schemas must not keep
 * them all.
 */
const INTERNED_PLAN_LIMIT = 256;
const INTERNED_PLAN_STATES = 2048;
const interned = new Map<string, StringPlan>();

/**
 * The string plan of a value goal, shared by every goal of the process with the same signature: a
 * pattern repeated over many properties and schemas (word counts, ids, dates) builds its transitions
 * and proves its horizon classes once (measured on MaskBench: those proofs, a trie walk each, were the
 * largest cost of the files repeating word-count patterns). Plans with components made for one schema
 * (enum tries, text predicates) are not kept: no other schema has those components.
 */
export function internStringPlan(goal: Goal): StringPlan {
  // The shape says the signature without building the plan (a known one is not built at all).
  const shape = planShape(goal, []);
  if (shape.components.some((c) => c instanceof TrieComponent || c instanceof PredicateComponent)) return new StringPlan(goal, [], shape);
  const key = shape.signature;
  const known = interned.get(key);
  interned.delete(key);
  if (known !== undefined && known.stateCount <= INTERNED_PLAN_STATES) {
    // Most recently used last: the oldest plan leaves first.
    interned.set(key, known);
    return known;
  }
  const plan = new StringPlan(goal, [], shape);
  if (interned.size >= INTERNED_PLAN_LIMIT) interned.delete(interned.keys().next().value!);
  interned.set(key, plan);
  return plan;
}

/** What a plan is made of, read off its goal: enough to name it (`signature`) before building it. */
interface PlanShape {
  readonly components: readonly StringComponent[];
  readonly atomComponents: readonly Int32Array[];
  readonly minLengths: Float64Array;
  readonly maxLengths: Float64Array;
  readonly extraStart: number;
  readonly cpCap: number;
  readonly needsText: boolean;
  /** See StringPlan.signature. */
  readonly signature: string;
}

function planShape(goal: Goal, extra: readonly StringComponent[]): PlanShape {
  const components: StringComponent[] = [];
  const index = new Map<StringComponent, number>();
  const add = (c: StringComponent) => {
    let i = index.get(c);
    if (i === undefined) {
      i = components.length;
      components.push(c);
      index.set(c, i);
    }
    return i;
  };
  let cpCap = 0;
  let needsText = false;
  const n = goal.atoms.length;
  const minLengths = new Float64Array(n);
  const maxLengths = new Float64Array(n).fill(Infinity);
  const atomComponents = goal.atoms.map((atom, i) => {
    const str = atom.str;
    if (str === undefined) return new Int32Array(0);
    minLengths[i] = str.minLength;
    maxLengths[i] = str.maxLength;
    cpCap = Math.max(cpCap, str.minLength, str.maxLength === Infinity ? 0 : str.maxLength + 1);
    if (str.predicates.length > 0) needsText = true;
    return Int32Array.from(str.components.map(add));
  });
  const extraStart = components.length;
  for (const c of extra) components.push(c);
  const ids = components.map(componentId).join(',');
  const atoms = atomComponents.map((a) => a.join('+')).join(';');
  const signature = `${ids}|${extraStart}|${atoms}|${minLengths.join(',')}|${maxLengths.join(',')}|${needsText}`;
  return { components, atomComponents, minLengths, maxLengths, extraStart, cpCap, needsText, signature };
}

const componentIds = new WeakMap<StringComponent, number>();
let nextComponentId = 0;

/** A process-wide number per component object, for plan signatures. */
function componentId(c: StringComponent): number {
  let id = componentIds.get(c);
  if (id === undefined) {
    id = nextComponentId++;
    componentIds.set(c, id);
  }
  return id;
}
