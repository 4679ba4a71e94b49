import { DEAD as DEAD_STATE } from './dfa-table.js';
import { NFA_KINDS, type Nfa } from './nfa.js';

// Module-local copies: transpilers (tsx, vitest) turn imported bindings into getter calls, which
// the closure loop below would pay per NFA node.
const { EPS, BYTES, START, END, MATCH, NOT_WORD_BOUNDARY } = NFA_KINDS;
const DEAD = DEAD_STATE;

const NO_PATTERNS: readonly number[] = Object.freeze([]);
const NO_NODES = new Int32Array(0);

/** Whether the next character is a word character: not known yet, no, yes. */
const NEXT_UNKNOWN = -1;

/** ASCII word bytes [0-9A-Za-z_]; every non-ASCII character is a non-word character (without 'i'). */
const WORD_BYTE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f) WORD_BYTE[b] = 1;
}

/**
 * Subset construction on demand over an NFA (nfa.ts): a DFA state is the set of live byte-consuming
 * NFA nodes reached by the input so far, plus the patterns that accept there. States are hash-consed
 * by content, so equal sets share a number (and a mask cache entry). Work is linear in the input:
 * each new transition costs one epsilon closure over the NFA, never a backtrack.
 *
 * Assertions: `^` passes only in the initial closure; `$` only at the end of input, so it is
 * resolved into the state's acceptance. A word boundary depends on the characters on both sides:
 * the closure stops at it and keeps it "pending" in the state (with whether the last character was
 * a word character); the next byte (a word byte or not: every character but ASCII [0-9A-Za-z_] is a
 * non-word character) or the end of input resolves it. The NFA liveness analysis cannot see both
 * sides of a boundary, so with word boundaries a state may have no accepting future; compileRegex
 * then wraps the machine in the product's exact liveness check (regex-intersection.ts).
 *
 * The owner (a DfaTable) numbers states; this object keeps what each number means.
 */
export class SubsetConstruction {
  /** Live BYTES nodes of each state, sorted. */
  readonly members: Int32Array[] = [];
  /** Word boundary nodes waiting for the next character, per state. */
  private readonly pending: Int32Array[] = [];
  /** Per state: bit 0 = the last character was a word character, bit 1 = at the start of input. */
  private readonly context: number[] = [];
  /** Patterns accepting in each state, sorted. */
  readonly acceptList: (readonly number[])[] = [];
  private readonly index = new Map<string, number>();

  // Scratch for closures.
  private readonly mark: Int32Array;
  private readonly endMark: Int32Array;
  private generation = 0;
  private readonly stack: number[] = [];
  private readonly found: number[] = [];
  private readonly waiting: number[] = [];
  private readonly accepted: number[] = [];
  private readonly seeds: number[] = [];
  private readonly resolved: number[] = [];

  constructor(
    readonly nfa: Nfa,
    private readonly newState: (accepting: boolean) => number,
  ) {
    this.mark = new Int32Array(nfa.size);
    this.endMark = new Int32Array(nfa.size);
  }

  /** Numbers the initial state (state 0). It exists even when nothing can match: then it is dead. */
  initial(): number {
    const seeds: number[] = [];
    for (const s of this.nfa.starts) if (s >= 0) seeds.push(s);
    this.closure(seeds, true, false, NEXT_UNKNOWN, this.found);
    return this.intern(true, false, true);
  }

  /** The state after `byte` from `state` (not memoised here: the table does that). */
  step(state: number, byte: number): number {
    const out1 = this.nfa.out1;
    const seeds = this.seeds;
    seeds.length = 0;
    this.addSeeds(this.members[state], byte);
    const pending = this.pending[state];
    if (pending.length > 0) {
      // The next character is known now: pass the boundaries it satisfies, and step from there too.
      const ctx = this.context[state];
      const prevWord = (ctx & 1) === 1;
      const resolved = this.resolved;
      const passing: number[] = [];
      for (let i = 0; i < pending.length; i++) {
        const p = pending[i];
        if (boundaryHolds(this.nfa.kind[p], prevWord, WORD_BYTE[byte] === 1)) passing.push(out1[p]);
      }
      this.closure(passing, (ctx & 2) === 2, prevWord, WORD_BYTE[byte], resolved);
      this.addSeeds(resolved, byte);
    }
    if (seeds.length === 0) return DEAD;
    this.closure(seeds, false, WORD_BYTE[byte] === 1, NEXT_UNKNOWN, this.found);
    return this.intern(false, WORD_BYTE[byte] === 1, false);
  }

  /**
   * Appends to `seeds` the targets of the first range of each member that holds `byte` (a method, not
   * a closure made per step: first visits of a grammar take thousands of steps).
   */
  private addSeeds(members: ArrayLike<number>, byte: number): void {
    const { rangeLo, rangeHi, rangeNext, out1, out2 } = this.nfa;
    const seeds = this.seeds;
    for (let i = 0; i < members.length; i++) {
      const n = members[i];
      const end = out1[n] + out2[n];
      for (let r = out1[n]; r < end; r++) {
        if (byte >= rangeLo[r] && byte <= rangeHi[r]) {
          seeds.push(rangeNext[r]);
          break;
        }
      }
    }
  }

  isDead(state: number): boolean {
    return this.hasNoSuccessor(state) && this.acceptList[state].length === 0;
  }

  hasNoSuccessor(state: number): boolean {
    return this.members[state].length === 0 && this.pending[state].length === 0;
  }

  /**
   * Epsilon closure of `seeds` into `into` (live BYTES nodes), `waiting` (unresolved word boundaries)
   * and `accepted` (patterns). `nextWord` is NEXT_UNKNOWN while building a state, or 0/1 when
   * resolving its pending boundaries just before a byte (then acceptance is irrelevant).
   */
  private closure(seeds: readonly number[], atStart: boolean, prevWord: boolean, nextWord: number, into: number[]): void {
    const { kind, out1, out2, liveBytes, owner, universal, universalEntry } = this.nfa;
    const gen = ++this.generation;
    const mark = this.mark;
    const stack = this.stack;
    into.length = 0;
    this.waiting.length = 0;
    this.accepted.length = 0;
    stack.length = 0;
    for (let i = 0; i < seeds.length; i++) stack.push(seeds[i]);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (mark[n] === gen) continue;
      mark[n] = gen;
      switch (kind[n]) {
        case EPS:
          if (out2[n] >= 0) stack.push(out2[n]);
          if (out1[n] >= 0) stack.push(out1[n]);
          break;
        case BYTES:
          if (liveBytes[n]) into.push(n);
          break;
        case START:
          if (atStart) stack.push(out1[n]);
          break;
        case END:
          if (nextWord === NEXT_UNKNOWN) this.endClosure(out1[n], atStart, prevWord, gen);
          break;
        case MATCH:
          this.accepted.push(out1[n]);
          break;
        default:
          // WORD_BOUNDARY / NOT_WORD_BOUNDARY
          if (nextWord === NEXT_UNKNOWN) {
            this.waiting.push(n);
            if (boundaryHolds(kind[n], prevWord, false)) this.endClosure(out1[n], atStart, prevWord, gen);
          } else if (boundaryHolds(kind[n], prevWord, nextWord === 1)) {
            stack.push(out1[n]);
          }
      }
    }
    // Search semantics: a pattern whose trailing "anything" loop is reached matches every valid
    // continuation, so its other threads are redundant. Dropping them merges all "already matched"
    // states into one (smaller DFA, better mask cache hit rate).
    for (let p = 0; p < universal.length; p++) {
      if (universal[p] < 0 || mark[universal[p]] !== gen) continue;
      let w = 0;
      for (let i = 0; i < into.length; i++) {
        const n = into[i];
        if (owner[n] !== p || n === universalEntry[p]) into[w++] = n;
      }
      into.length = w;
      w = 0;
      for (let i = 0; i < this.waiting.length; i++) if (owner[this.waiting[i]] !== p) this.waiting[w++] = this.waiting[i];
      this.waiting.length = w;
    }
  }

  /**
   * At the end of input, from `from`: epsilon, `$`, `^` (at the start) and word boundaries (the next
   * "character" is the end: a non-word character), looking for MATCH.
   */
  private endClosure(from: number, atStart: boolean, prevWord: boolean, gen: number): void {
    const { kind, out1, out2 } = this.nfa;
    const endMark = this.endMark;
    const stack: number[] = [from];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (endMark[n] === gen) continue;
      endMark[n] = gen;
      switch (kind[n]) {
        case EPS:
          if (out1[n] >= 0) stack.push(out1[n]);
          if (out2[n] >= 0) stack.push(out2[n]);
          break;
        case BYTES:
          break;
        case START:
          if (atStart) stack.push(out1[n]);
          break;
        case END:
          stack.push(out1[n]);
          break;
        case MATCH:
          this.accepted.push(out1[n]);
          break;
        default:
          if (boundaryHolds(kind[n], prevWord, false)) stack.push(out1[n]);
      }
    }
  }

  /** Number of the state in the scratch lists, creating it if new; DEAD for the empty state. */
  private intern(initial: boolean, prevWord: boolean, atStart: boolean): number {
    const found = this.found;
    const waiting = this.waiting;
    const accepted = this.accepted;
    if (!initial && found.length === 0 && waiting.length === 0 && accepted.length === 0) return DEAD;
    found.sort(ascending);
    let key = found.join(',');
    if (waiting.length > 0) {
      waiting.sort(ascending);
      // The context matters only to pending boundaries.
      key += `/${waiting.join(',')}/${(prevWord ? 1 : 0) | (atStart ? 2 : 0)}`;
    }
    const acc = accepted.length > 1 ? [...new Set(accepted)].sort(ascending) : accepted;
    key += `|${acc.join(',')}`;
    const existing = this.index.get(key);
    if (existing !== undefined) return existing;
    const state = this.newState(acc.length > 0);
    this.members.push(Int32Array.from(found));
    this.pending.push(waiting.length > 0 ? Int32Array.from(waiting) : NO_NODES);
    this.context.push((prevWord ? 1 : 0) | (atStart ? 2 : 0));
    this.acceptList.push(acc.length === 0 ? NO_PATTERNS : Object.freeze([...acc]));
    this.index.set(key, state);
    return state;
  }
}

const ascending = (a: number, b: number): number => a - b;

/** Whether `\b` (WORD_BOUNDARY) or `\B` (NOT_WORD_BOUNDARY) holds between characters of this wordness. */
function boundaryHolds(kind: number, prevWord: boolean, nextWord: boolean): boolean {
  return kind === NOT_WORD_BOUNDARY ? prevWord === nextWord : prevWord !== nextWord;
}
