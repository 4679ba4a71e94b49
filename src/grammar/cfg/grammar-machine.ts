import { LimitError } from '../../errors.js';
import type { ByteClassId, ByteCursor, ByteMachine } from '../automaton/byte-machine.js';
import { EarleyChart, type EarleySet } from './earley-chart.js';
import type { EarleyGrammar } from './earley-grammar.js';
import { FRESH, type LexemeLexer } from './lexeme-lexer.js';
import { fillGrammarMask, LexerScanCache, type AfterLexemes } from './grammar-mask.js';
import type { TokenTrie } from '../vocab/token-trie.js';
import { finishHash, mixHash } from '../automaton/intern-hash.js';

/**
 * A position of the grammar machine: a small set of lexer hypotheses, each an Earley set (the parse
 * before the lexeme being read) with the lexer's DFA state in that lexeme (< 0: none read yet, see FRESH).
 * Several hypotheses exist where lexemes can be cut in more than one way (`12` may be one number or
 * end after `1`); most positions have one or two.
 *
 * States are interned: equal hypothesis sets are one object, which is the state's mask key, so masks
 * computed at one position serve every later position (in any document) with the same parse and
 * lexer configuration. Immutable from the outside (the transition memo never changes a meaning).
 */
export class GrammarState {
  /** Memoised transitions: byte -> next state (null: dead). */
  next: Map<number, GrammarState | null> | undefined;

  constructor(
    readonly sets: readonly EarleySet[],
    readonly lex: Int32Array,
    /** EOS may come: a hypothesis stands at a lexeme boundary where the start rule is complete. */
    readonly accepts: boolean,
  ) {}
}

export interface GrammarMachineLimits {
  /** Lexer hypotheses in one state (each a different way to cut the text into lexemes). */
  readonly maxHypotheses: number;
  /** Items in one Earley set. */
  readonly maxItemsPerSet: number;
  /** Interned states/sets kept for sharing before the tables start afresh (sharing only, never meaning). */
  readonly maxInternedStates: number;
  /** Lexer scans kept per vocabulary (see grammar-mask.ts). */
  readonly maxLexerScans: number;
}

/**
 * The ByteMachine of a compiled grammar: an Earley parser over lexemes with a lexer that the parser
 * drives (only lexemes the parser can take here are alive). See GrammarState.
 *
 * `step` gives interned, memoised states (token advances, mask keys). Token masks come from
 * `fillMask`, which splits the work at lexeme boundaries (grammar-mask.ts). The cursor (and
 * `loopClasses`) serve generic trie walks: it keeps raw hypotheses on a stack of typed arrays and never
 * interns, and must agree with `step` exactly (the tests compare both mask paths).
 */
export class GrammarMachine implements ByteMachine<GrammarState> {
  readonly initial: GrammarState;
  /** @internal */
  readonly chart: EarleyChart;
  /**
   * Interned states by a hash of their hypotheses (a small integer, so no key string is built per
   * transition or kept per state), each bucket one state or a list of colliding ones.
   */
  private states = new Map<number, GrammarState | GrammarState[]>();
  private stateCount = 0;
  /** Scratch of `transition` and `intern` (a transition is never re-entered: the chart calls no machine). */
  private readonly scratch = new HypothesisBuffer();
  private order = new Int32Array(16);
  /** One shared `lex` array per lexer state for one-hypothesis states (most states; never mutated). */
  private readonly singleLex = new Map<number, Int32Array>();
  private readonly scanCaches = new WeakMap<TokenTrie, LexerScanCache>();

  constructor(
    readonly grammar: EarleyGrammar,
    /** @internal */
    readonly lexer: LexemeLexer,
    ignored: readonly number[],
    /** @internal */
    readonly limits: GrammarMachineLimits,
  ) {
    this.chart = new EarleyChart(grammar, lexer, ignored, {
      maxItemsPerSet: limits.maxItemsPerSet,
      maxInternedSets: limits.maxInternedStates,
    });
    this.initial = this.intern([this.chart.initial], [FRESH], 1);
  }

  step(state: GrammarState, byte: number): GrammarState | undefined {
    let next = state.next?.get(byte);
    if (next === undefined) {
      next = this.transition(state, byte);
      (state.next ??= new Map()).set(byte, next);
    }
    return next ?? undefined;
  }

  accepts(state: GrammarState): boolean {
    return state.accepts;
  }

  maskKey(state: GrammarState): unknown {
    return state;
  }

  cursor(state: GrammarState): ByteCursor {
    return new GrammarCursor(this, state);
  }

  /**
   * JSON string bodies, whitespace and digit runs are where most tokens of a document go by; when every
   * hypothesis of a state loops on such a class inside its lexeme, the token automaton ORs in the
   * precomputed token slice instead of walking it. (A hypothesis at a lexeme boundary never loops.)
   */
  loopClasses(state: GrammarState): readonly ByteClassId[] | undefined {
    let common: readonly ByteClassId[] | undefined;
    for (let i = 0; i < state.sets.length; i++) {
      if (state.lex[i] < 0) return undefined;
      const loops = this.lexer.loopClasses(state.sets[i].allowed, state.lex[i]);
      common = common === undefined ? loops : common.filter((c) => loops.includes(c));
      if (common.length === 0) return undefined;
    }
    return common;
  }

  /**
   * Computes the allowed text tokens of `state` into `out` (zeroed by the caller; EOS is the caller's),
   * see grammar-mask.ts. Returns the recursion steps taken, or -1 when `fuel` steps ran out and `out`
   * holds a superset.
   */
  fillMask(state: GrammarState, trie: TokenTrie, out: Uint32Array, fuel = Infinity): number {
    let scans = this.scanCaches.get(trie);
    if (scans === undefined) {
      scans = new LexerScanCache(this.lexer, trie, out.length, this.limits.maxLexerScans);
      this.scanCaches.set(trie, scans);
    }
    return fillGrammarMask(state.sets, state.lex, trie, scans, this.afterLexemes, out, fuel);
  }

  private readonly afterLexemes: AfterLexemes = (origin, endId) => this.chart.advanceOne(origin, endId);

  /** True when `text` (a string as UTF-8, or bytes) is a whole document of the grammar. */
  matches(text: string | Uint8Array): boolean {
    const end = this.run(this.initial, text);
    return end !== undefined && end.accepts;
  }

  /** True when `text` can be continued into a document (it is a viable prefix). */
  isPrefix(text: string | Uint8Array): boolean {
    return this.run(this.initial, text) !== undefined;
  }

  /** The state after all bytes of `text` from `state`, or undefined when they are rejected. */
  run(state: GrammarState, text: string | Uint8Array): GrammarState | undefined {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    let s: GrammarState | undefined = state;
    for (let i = 0; i < bytes.length && s !== undefined; i++) s = this.step(s, bytes[i]);
    return s;
  }

  private transition(state: GrammarState, byte: number): GrammarState | null {
    // First visits of a pass do thousands of transitions, most of them to states that already exist:
    // the hypotheses go to a reused buffer and are hashed, so only a new state allocates.
    const out = this.scratch;
    out.length = 0;
    return this.advanceHypotheses(state.sets, state.lex, 0, state.sets.length, byte, out) ? this.intern(out.sets, out.lex, out.length) : null;
  }

  /**
   * The one definition of a byte step, shared by `step` and the cursor: every hypothesis in
   * [from, to) reads `byte`; those that can grow continue, and the lexemes that end here are scanned
   * into the Earley set after them, which starts a fresh hypothesis. Appends the result to `out`
   * (deduplicated); false when nothing survives.
   */
  advanceHypotheses(
    sets: readonly EarleySet[],
    lex: Int32Array,
    from: number,
    to: number,
    byte: number,
    out: HypothesisBuffer,
  ): boolean {
    const lexer = this.lexer;
    const start = out.length;
    let ended0: EarleySet | undefined;
    let endId0 = 0;
    let endedMore: EarleySet[] | undefined;
    let endIdsMore: number[] | undefined;
    for (let i = from; i < to; i++) {
      const set = sets[i];
      const allowed = set.allowed;
      const d = lexer.step(allowed, lex[i], byte);
      if (d < 0) continue;
      const info = lexer.info(allowed, d);
      if ((info & 1) !== 0) out.add(start, set, d);
      const endId = info >> 1;
      if (endId !== 0) {
        const fresh = lexer.freshAfter(d);
        if (fresh !== FRESH) {
          // Conditional starts stay one hypothesis per ending lexeme (their conditions differ).
          out.add(start, this.chart.advanceOne(set, endId), fresh);
        } else if (ended0 === undefined) {
          ended0 = set;
          endId0 = endId;
        } else {
          (endedMore ??= [ended0]).push(set);
          (endIdsMore ??= [endId0]).push(endId);
        }
      }
    }
    if (ended0 !== undefined) {
      const next = endedMore === undefined ? this.chart.advanceOne(ended0, endId0) : this.chart.advance(endedMore, endIdsMore!);
      out.add(start, next, FRESH);
    }
    if (out.length - start > this.limits.maxHypotheses) {
      throw new LimitError(
        `more than ${this.limits.maxHypotheses} ways to cut the text into lexemes at one position (the lexemes are too ambiguous; raise maxLexerHypotheses or make lexemes more distinct)`,
        { limit: 'maxLexerHypotheses' },
      );
    }
    return out.length > start;
  }

  /** The interned state of hypotheses (sets[i], lex[i]) for i < n, in any order. */
  private intern(sets: readonly EarleySet[], lex: ArrayLike<number>, n: number): GrammarState {
    // Canonical order: by set id, then lexer state (insertion sort: a state has a handful of hypotheses).
    if (this.order.length < n) this.order = new Int32Array(2 * n);
    const order = this.order;
    for (let i = 0; i < n; i++) {
      const id = sets[i].id;
      const l = lex[i];
      let j = i;
      while (j > 0 && (sets[order[j - 1]].id > id || (sets[order[j - 1]].id === id && lex[order[j - 1]] > l))) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = i;
    }
    let h = n;
    for (let k = 0; k < n; k++) h = mixHash(mixHash(h, sets[order[k]].id), lex[order[k]]);
    h = finishHash(h);
    const bucket = this.states.get(h);
    if (bucket !== undefined) {
      if (!Array.isArray(bucket)) {
        if (sameHypotheses(bucket, sets, lex, order, n)) return bucket;
      } else {
        for (const s of bucket) if (sameHypotheses(s, sets, lex, order, n)) return s;
      }
    }
    let accepts = false;
    for (let i = 0; i < n; i++) if (lex[i] < 0 && sets[i].accepts) accepts = true;
    // The table only serves sharing (equal configurations are one object, one mask key): starting
    // afresh when it is full keeps memory bounded and never changes a meaning. States held elsewhere
    // stay valid; their transition memos are dropped with the generation.
    let same = bucket;
    if (this.stateCount >= this.limits.maxInternedStates) {
      for (const b of this.states.values()) for (const s of Array.isArray(b) ? b : [b]) s.next = undefined;
      this.states = new Map();
      this.stateCount = 0;
      same = undefined;
    }
    const stateSets: EarleySet[] = new Array(n);
    for (let k = 0; k < n; k++) stateSets[k] = sets[order[k]];
    let stateLex: Int32Array;
    if (n === 1) {
      // States live as long as the grammar (each is a mask key): small objects matter to the collector.
      stateLex = this.singleLex.get(lex[0]) ?? Int32Array.of(lex[0]);
      this.singleLex.set(lex[0], stateLex);
    } else {
      stateLex = new Int32Array(n);
      for (let k = 0; k < n; k++) stateLex[k] = lex[order[k]];
    }
    const state = new GrammarState(stateSets, stateLex, accepts);
    if (same === undefined) this.states.set(h, state);
    else if (Array.isArray(same)) same.push(state);
    else this.states.set(h, [same, state]);
    this.stateCount++;
    return state;
  }
}

/** Whether `state` holds exactly the hypotheses (sets[order[k]], lex[order[k]]), k < n, in that order. */
function sameHypotheses(state: GrammarState, sets: readonly EarleySet[], lex: ArrayLike<number>, order: Int32Array, n: number): boolean {
  if (state.sets.length !== n) return false;
  for (let k = 0; k < n; k++) if (state.sets[k] !== sets[order[k]] || state.lex[k] !== lex[order[k]]) return false;
  return true;
}

/** Growable parallel arrays of hypotheses (set, lexer state). */
export class HypothesisBuffer {
  sets: EarleySet[] = [];
  lex = new Int32Array(16);
  length = 0;

  /** Appends (set, d) unless it is already among the hypotheses from `start` on. */
  add(start: number, set: EarleySet, d: number): void {
    for (let i = start; i < this.length; i++) if (this.sets[i] === set && this.lex[i] === d) return;
    if (this.length === this.lex.length) {
      const grown = new Int32Array(this.lex.length * 2);
      grown.set(this.lex);
      this.lex = grown;
    }
    this.sets[this.length] = set;
    this.lex[this.length++] = d;
  }
}

/**
 * Depth-first cursor for mask walks: the hypotheses of every depth live back to back in one
 * HypothesisBuffer; `bounds[k]` is where depth k starts. Push appends a depth, pop forgets it.
 */
class GrammarCursor implements ByteCursor {
  private readonly buffer = new HypothesisBuffer();
  private bounds = new Int32Array(64);
  private depth = 0;

  constructor(
    private readonly machine: GrammarMachine,
    state: GrammarState,
  ) {
    for (let i = 0; i < state.sets.length; i++) this.buffer.add(0, state.sets[i], state.lex[i]);
    this.bounds[0] = 0;
    this.bounds[1] = this.buffer.length;
  }

  push(byte: number): boolean {
    const b = this.buffer;
    const from = this.bounds[this.depth];
    const to = this.bounds[this.depth + 1];
    b.length = to;
    if (!this.machine.advanceHypotheses(b.sets, b.lex, from, to, byte, b)) return false;
    if (this.depth + 2 >= this.bounds.length) {
      const grown = new Int32Array(this.bounds.length * 2);
      grown.set(this.bounds);
      this.bounds = grown;
    }
    this.depth++;
    this.bounds[this.depth + 1] = b.length;
    return true;
  }

  pop(): void {
    this.depth--;
  }

  accepts(): boolean {
    const b = this.buffer;
    for (let i = this.bounds[this.depth], end = this.bounds[this.depth + 1]; i < end; i++) {
      if (b.lex[i] < 0 && b.sets[i].accepts) return true;
    }
    return false;
  }
}
