import { LimitError } from '../../errors.js';

/**
 * One deterministic automaton over the UTF-8 bytes of a string's DECODED content (escapes already
 * resolved): a `pattern`, a piece of a `format`, the trie of an `enum`'s strings or of an object's
 * property names. States are small integers; -1 is dead. The string frame of the schema machine runs
 * the components of all the schemas that apply to a string in lockstep (a lazily built product).
 */
export interface StringComponent {
  readonly initial: number;
  /** The next state, or -1 when no continuation can be accepted. */
  step(state: number, byte: number): number;
  accepts(state: number): boolean;
  /**
   * True when every string of complete code points allowed verbatim in a JSON string body (no `"`,
   * `\`, control characters) leads from `state` back to `state`. Such a component lets every
   * string-body token through unchanged (e.g. after an unanchored pattern matched), so whole vocabulary
   * slices of string-body tokens may be allowed without walking them.
   */
  loops(state: number): boolean;
  /**
   * True when no string of complete string-body characters leads from `state` to a dead state (the
   * state may change: an unanchored pattern still looking for its match). Then every string-body token
   * is allowed, though not with the same successor.
   */
  neverDies(state: number): boolean;
  /** Short description for diagnostics. */
  readonly label: string;
}

/** The subset of RegexMachine this module needs (src/grammar/regex). */
export interface RegexLike {
  readonly initial: number;
  step(state: number, byte: number): number | undefined;
  accepts(state: number): boolean;
  loopClasses?(state: number): readonly string[] | undefined;
}

/**
 * A regex machine as a component. The regex module builds its DFA lazily; should a pathological
 * pattern exceed its state budget in the middle of a document, the component dies (the string is
 * rejected) rather than throwing out of a mask computation, and `overflowed` records it.
 */
export class RegexComponent implements StringComponent {
  readonly label: string;
  private machine: RegexLike | undefined;
  private readonly build: () => RegexLike;
  private readonly loopMemo = new Map<number, boolean>();
  private readonly aliveMemo = new Map<number, boolean>();
  overflowed = false;

  constructor(label: string, build: () => RegexLike) {
    this.label = label;
    this.build = build;
  }

  private get m(): RegexLike {
    return (this.machine ??= this.build());
  }

  get initial(): number {
    return this.m.initial;
  }

  step(state: number, byte: number): number {
    try {
      const next = this.m.step(state, byte);
      return next === undefined ? -1 : next;
    } catch (error) {
      if (error instanceof LimitError) {
        this.overflowed = true;
        return -1;
      }
      throw error;
    }
  }

  accepts(state: number): boolean {
    return this.m.accepts(state);
  }

  loops(state: number): boolean {
    let memo = this.loopMemo.get(state);
    if (memo === undefined) {
      memo = loopsOnStringBody(this, state);
      this.loopMemo.set(state, memo);
    }
    return memo;
  }

  neverDies(state: number): boolean {
    let memo = this.aliveMemo.get(state);
    if (memo === undefined) {
      memo = this.loops(state) || staysAliveOnStringBody(this, state, this.aliveMemo);
      this.aliveMemo.set(state, memo);
    }
    return memo;
  }
}

/** Valid UTF-8 forms: [lead lo, lead hi, second lo, second hi, further continuation bytes]. */
export const UTF8_FORMS: readonly (readonly [number, number, number, number, number])[] = [
  [0xc2, 0xdf, 0x80, 0xbf, 0],
  [0xe0, 0xe0, 0xa0, 0xbf, 1],
  [0xe1, 0xec, 0x80, 0xbf, 1],
  [0xed, 0xed, 0x80, 0x9f, 1],
  [0xee, 0xef, 0x80, 0xbf, 1],
  [0xf0, 0xf0, 0x90, 0xbf, 2],
  [0xf1, 0xf3, 0x80, 0xbf, 2],
  [0xf4, 0xf4, 0x80, 0x8f, 2],
];

/**
 * Explores every state reachable from `state` through string-body characters and checks that none of
 * them has a dead transition on such a character. Gives up (false) beyond a work budget: a component
 * with a large reachable automaton is simply walked instead. With `known` (answers by state), states
 * already answered are not explored again, and on success every state explored is answered too (each
 * reaches only states of the same closure): a counter such as `[a-z]{162}` unanchored has one closure
 * of 163 states, explored once instead of once per state. On a death, the state that dies and the
 * chain of states that led to it are answered false: they all reach it. A word count such as
 * `^(?:\S+\s+){0,199}\S+$` dies only past its last word, so without that chain each of its ~400
 * states would explore the whole closure again.
 */
export function staysAliveOnStringBody(c: { step(s: number, b: number): number }, state: number, known?: Map<number, boolean>): boolean {
  // ASCII characters first: most deaths (a counter's last word, a format's end) are found through them
  // alone, at ~96 steps per state instead of ~800 with every multi-byte character's bytes.
  const ascii = exploreStringBody(c, state, known, false);
  return ascii === ALIVE ? exploreStringBody(c, state, known, true) === ALIVE : false;
}

const ALIVE = 0;
const DIES = 1;
const GAVE_UP = 2;

/**
 * One exploration of staysAliveOnStringBody, over ASCII characters only or over every character. A
 * death is recorded in `known` at once (see there); the closure is recorded alive only when every
 * character was followed.
 */
function exploreStringBody(
  c: { step(s: number, b: number): number },
  state: number,
  known: Map<number, boolean> | undefined,
  multiByte: boolean,
): typeof ALIVE | typeof DIES | typeof GAVE_UP {
  const seen = new Set<number>([state]);
  /** The state whose exploration first reached each state (the chain back to `state`). */
  const cameFrom = new Map<number, number>();
  const queue = [state];
  // Steps on continuation bytes (the ASCII steps are bounded by MAX_CLOSURE): ~1k per state explored.
  let budget = 400_000;
  const dies = (s: number): typeof DIES => {
    if (known !== undefined) for (let u: number | undefined = s; u !== undefined; u = cameFrom.get(u)) known.set(u, false);
    return DIES;
  };
  const reached = (s: number, t: number): boolean => {
    // False: the closure of `t` has a dead transition. True otherwise (explored later, or known alive).
    if (seen.has(t)) return true;
    const answer = known?.get(t);
    if (answer === false) return false;
    seen.add(t);
    cameFrom.set(t, s);
    if (answer === undefined) queue.push(t);
    return true;
  };
  while (queue.length > 0) {
    if (seen.size > MAX_CLOSURE) return GAVE_UP;
    const s = queue.pop()!;
    for (let b = 0x20; b < 0x80; b++) {
      if (b === 0x22 || b === 0x5c) continue;
      const t = c.step(s, b);
      if (t < 0 || !reached(s, t)) return dies(s);
    }
    if (!multiByte) continue;
    for (const [leadLo, leadHi, secondLo, secondHi, rest] of UTF8_FORMS) {
      let states = new Set<number>();
      for (let b = leadLo; b <= leadHi; b++) {
        const t = c.step(s, b);
        if (t < 0) return dies(s);
        states.add(t);
      }
      let lo = secondLo;
      let hi = secondHi;
      for (let k = 0; k <= rest; k++) {
        const next = new Set<number>();
        for (const u of states) {
          for (let b = lo; b <= hi; b++) {
            if (--budget < 0) return GAVE_UP;
            const t = c.step(u, b);
            if (t < 0) return dies(s);
            next.add(t);
          }
        }
        states = next;
        lo = 0x80;
        hi = 0xbf;
      }
      for (const t of states) if (!reached(s, t)) return dies(s);
    }
  }
  if (multiByte && known !== undefined) for (const t of seen) known.set(t, true);
  return ALIVE;
}

/** States one staysAliveOnStringBody may explore. */
const MAX_CLOSURE = 1024;

/**
 * Checks that every complete UTF-8 character allowed verbatim in a JSON string leads from `state` back
 * to `state`: ASCII 0x20..0x7F except `"` and `\` directly, multi-byte characters by following every
 * valid lead/continuation byte range (the sets of states reached stay tiny for real automata).
 */
export function loopsOnStringBody(c: { step(s: number, b: number): number }, state: number): boolean {
  for (let b = 0x20; b < 0x80; b++) {
    if (b === 0x22 || b === 0x5c) continue;
    if (c.step(state, b) !== state) return false;
  }
  // Valid UTF-8: [lead range, second-byte range, number of further continuation bytes].
  const forms: [number, number, number, number, number][] = [
    [0xc2, 0xdf, 0x80, 0xbf, 0],
    [0xe0, 0xe0, 0xa0, 0xbf, 1],
    [0xe1, 0xec, 0x80, 0xbf, 1],
    [0xed, 0xed, 0x80, 0x9f, 1],
    [0xee, 0xef, 0x80, 0xbf, 1],
    [0xf0, 0xf0, 0x90, 0xbf, 2],
    [0xf1, 0xf3, 0x80, 0xbf, 2],
    [0xf4, 0xf4, 0x80, 0x8f, 2],
  ];
  let budget = 20000;
  for (const [leadLo, leadHi, secondLo, secondHi, rest] of forms) {
    let states = new Set<number>();
    for (let b = leadLo; b <= leadHi; b++) {
      const s = c.step(state, b);
      if (s < 0) return false;
      states.add(s);
    }
    let ranges: [number, number][] = [[secondLo, secondHi]];
    for (let k = 0; k <= rest; k++) {
      const next = new Set<number>();
      for (const s of states) {
        for (const [lo, hi] of ranges) {
          for (let b = lo; b <= hi; b++) {
            if (--budget < 0) return false;
            const t = c.step(s, b);
            if (t < 0) return false;
            next.add(t);
          }
        }
      }
      states = next;
      ranges = [[0x80, 0xbf]];
    }
    if (states.size !== 1 || !states.has(state)) return false;
  }
  return true;
}

/**
 * A trie over a fixed list of strings (their UTF-8 bytes): enum values, property names. State = trie
 * node; `terminal(state)` is the index of the string ending there (strings are deduplicated by the
 * caller). Names are sorted by bytes, so every node covers a contiguous range of name indexes.
 */
export class TrieComponent implements StringComponent {
  readonly label: string;
  readonly initial = 0;
  /** children[node] = sorted [byte, child] pairs flattened. */
  private readonly edgeStart: Int32Array;
  private readonly edgeByte: Uint8Array;
  private readonly edgeChild: Int32Array;
  /** Index (in the sorted order) of the string ending at a node, or -1. */
  readonly terminalOf: Int32Array;
  /** Range [rangeLo[node], rangeHi[node]) of string indexes below a node (sorted order). */
  readonly rangeLo: Int32Array;
  readonly rangeHi: Int32Array;
  /** Bytes from the root to each node. */
  readonly depthOf: Int32Array;
  /** The UTF-8 bytes of each string (trie order). */
  readonly encoded: readonly Uint8Array[];
  /** The strings in trie (byte) order; indexes everywhere refer to this order. */
  readonly strings: readonly string[];

  constructor(label: string, strings: readonly string[]) {
    this.label = label;
    const encoder = new TextEncoder();
    const entries = [...new Set(strings)].map((s) => ({ s, b: encoder.encode(s) }));
    entries.sort((x, y) => compareBytes(x.b, y.b));
    this.strings = entries.map((e) => e.s);
    this.encoded = entries.map((e) => e.b);
    const depths: number[] = [];
    // Build nodes depth-first over the sorted list: node ids in pre-order.
    const edgeStarts: number[] = [];
    const edgeBytes: number[] = [];
    const edgeChildren: number[] = [];
    const terminal: number[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    const children: [number, number][][] = [];
    const newNode = (from: number, depth: number) => {
      const id = terminal.length;
      depths.push(depth);
      terminal.push(-1);
      lo.push(from);
      hi.push(from);
      children.push([]);
      return id;
    };
    const build = (node: number, depth: number, from: number, to: number) => {
      let i = from;
      if (i < to && entries[i].b.length === depth) {
        terminal[node] = i;
        i++;
      }
      while (i < to) {
        const byte = entries[i].b[depth];
        let j = i + 1;
        while (j < to && entries[j].b[depth] === byte) j++;
        const child = newNode(i, depth + 1);
        children[node].push([byte, child]);
        build(child, depth + 1, i, j);
        i = j;
      }
      lo[node] = from;
      hi[node] = to;
    };
    const root = newNode(0, 0);
    build(root, 0, 0, entries.length);
    for (let n = 0; n < children.length; n++) {
      edgeStarts.push(edgeBytes.length);
      for (const [b, c] of children[n]) {
        edgeBytes.push(b);
        edgeChildren.push(c);
      }
    }
    edgeStarts.push(edgeBytes.length);
    this.edgeStart = Int32Array.from(edgeStarts);
    this.edgeByte = Uint8Array.from(edgeBytes);
    this.edgeChild = Int32Array.from(edgeChildren);
    this.terminalOf = Int32Array.from(terminal);
    this.rangeLo = Int32Array.from(lo);
    this.rangeHi = Int32Array.from(hi);
    this.depthOf = Int32Array.from(depths);
  }

  step(state: number, byte: number): number {
    if (state < 0) return -1;
    let a = this.edgeStart[state];
    let b = this.edgeStart[state + 1];
    const bytes = this.edgeByte;
    while (a < b) {
      const mid = (a + b) >>> 1;
      const v = bytes[mid];
      if (v === byte) return this.edgeChild[mid];
      if (v < byte) a = mid + 1;
      else b = mid;
    }
    return -1;
  }

  accepts(state: number): boolean {
    return state >= 0 && this.terminalOf[state] >= 0;
  }

  loops(): boolean {
    return false;
  }

  neverDies(): boolean {
    return false;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * A check no automaton expresses (a pattern with lookaround or back-references), as a component: the
 * state is the text read so far (interned), acceptance asks the predicate about it. It never dies and
 * never loops, so masks cannot prune on it: the decision comes when the string completes. Used where
 * the machine needs a component (patternProperties classify keys through their components).
 */
export class PredicateComponent implements StringComponent {
  readonly label: string;
  readonly initial = 0;
  private readonly texts: string[] = [''];
  private readonly ids = new Map<string, number>([['', 0]]);
  private readonly results: (boolean | undefined)[] = [];
  private readonly predicate: (text: string) => boolean;

  constructor(label: string, predicate: (text: string) => boolean) {
    this.label = label;
    this.predicate = predicate;
  }

  step(state: number, byte: number): number {
    if (state < 0) return -1;
    const text = this.texts[state] + String.fromCharCode(byte);
    let id = this.ids.get(text);
    if (id === undefined) {
      if (this.texts.length >= PREDICATE_STATE_LIMIT) return -1;
      id = this.texts.length;
      this.texts.push(text);
      this.ids.set(text, id);
    }
    return id;
  }

  accepts(state: number): boolean {
    if (state < 0) return false;
    let r = this.results[state];
    if (r === undefined) {
      r = this.predicate(Buffer.from(this.texts[state], 'latin1').toString('utf8'));
      this.results[state] = r;
    }
    return r;
  }

  loops(): boolean {
    return false;
  }

  neverDies(): boolean {
    return true;
  }
}

/** Distinct texts a PredicateComponent remembers; beyond, new texts are refused (documented limit). */
const PREDICATE_STATE_LIMIT = 1_000_000;
