import type { ByteClassId } from '../automaton/byte-machine.js';
import { compileRegexSet, type RegexNode, type RegexSet } from '../regex/index.js';

/**
 * Lexer state of a hypothesis that has read no byte of its lexeme yet (the DFA's initial state, not yet
 * stepped). Under longest match, a lexeme that ended where it could also have gone on starts its
 * successor in a *conditional* fresh state, -2 - c, whose first byte must not be one that would have
 * continued it (condition c); every state < 0 is fresh.
 */
export const FRESH = -1;

/** Per allowed-lexeme set: the DFA filtered to those lexemes, memoised in typed arrays. */
interface AllowedSet {
  readonly member: Uint8Array;
  /** rows[d + 1] (256 entries, lazily; d = FRESH uses row 0): next state, -1 dead, -2 unknown. */
  readonly rows: (Int32Array | undefined)[];
  /** info[d]: (id of the list of lexemes ending at d) * 2 + (1 if an allowed lexeme can still grow); -1 unknown. */
  readonly info: number[];
  /** Byte classes each state loops on without any lexeme ending (see `loopClasses`). */
  readonly loops: (readonly ByteClassId[] | undefined)[];
  /** Per fresh state (FRESH, conditional): bytes that can start an allowed lexeme there. */
  readonly starts: Map<number, Uint8Array>;
}

/**
 * The lexer half of the grammar machine: one lazily built DFA (compileRegexSet) over all lexemes,
 * seen through the set of lexemes the parser allows at a position. Lexing is not longest-match: a
 * hypothesis reports at every byte which allowed lexemes end there (the parser may start the next
 * lexeme) and whether any can still grow (the hypothesis continues), so every split is kept.
 *
 * Where several lexemes of the grammar match exactly the same text, only those of the highest priority
 * end there (explicit priorities only: every lexeme defaults to 0).
 *
 * Everything here depends on (allowed set, DFA state) only, never on the parse around it, so it is
 * computed once and shared by every parser state.
 */
export class LexemeLexer {
  private readonly dfa: RegexSet;
  private readonly priority: Int32Array;
  private readonly allowedSets: AllowedSet[] = [];
  private readonly allowedIds = new Map<string, number>();
  private readonly endLists: Int32Array[] = [];
  private readonly endIds = new Map<string, number>();
  /** Conditions of conditional fresh states: bytes the next lexeme may not start with. */
  private readonly conditions: Uint8Array[] = [];
  private readonly conditionIds = new Map<string, number>();
  private readonly longestMatch: boolean;
  /** Per DFA state: the fresh state that follows a lexeme ending there (see freshAfter). */
  private readonly freshAfterState: number[] = [];

  constructor(
    lexemes: readonly { regex: RegexNode; priority?: number }[],
    options: { maxStates?: number; longestMatch?: boolean } = {},
  ) {
    this.longestMatch = options.longestMatch ?? false;
    this.dfa = compileRegexSet(
      lexemes.map((l) => l.regex),
      { semantics: 'full', maxStates: options.maxStates },
    );
    this.priority = Int32Array.from(lexemes.map((l) => l.priority ?? 0));
    this.endLists.push(new Int32Array(0));
    this.endIds.set('', 0);
  }

  /** Interned id of a set of lexeme indexes (sorted ascending, no duplicates). */
  allowedId(lexemes: readonly number[]): number {
    const key = lexemes.join(',');
    let id = this.allowedIds.get(key);
    if (id === undefined) {
      const member = new Uint8Array(this.priority.length);
      for (const k of lexemes) member[k] = 1;
      id = this.allowedSets.length;
      this.allowedSets.push({ member, rows: [], info: [], loops: [], starts: new Map() });
      this.allowedIds.set(key, id);
    }
    return id;
  }

  /** The state after `byte` from `state` (< 0: fresh), or -1 when no allowed lexeme can match. */
  step(allowed: number, state: number, byte: number): number {
    if (state < FRESH) {
      if (this.conditions[-state - 2][byte] !== 0) return -1;
      state = FRESH;
    }
    const a = this.allowedSets[allowed];
    const row = a.rows[state + 1];
    if (row !== undefined) {
      const next = row[byte];
      if (next !== -2) return next;
    }
    return this.computeStep(a, state, byte);
  }

  /**
   * What happens at `state` (a state returned by `step`): `info >> 1` is the id of the list of lexemes
   * that end here (0: none; see `endList`), `info & 1` says whether an allowed lexeme can still grow.
   */
  info(allowed: number, state: number): number {
    const a = this.allowedSets[allowed];
    const known = a.info[state];
    return known !== undefined ? known : this.computeInfo(a, state);
  }

  /** Per byte: 1 when some allowed lexeme can start with it from fresh state `fresh` (memoised). */
  startTable(allowed: number, fresh: number): Uint8Array {
    const a = this.allowedSets[allowed];
    let table = a.starts.get(fresh);
    if (table === undefined) {
      table = new Uint8Array(256);
      for (let b = 0; b < 256; b++) table[b] = this.step(allowed, fresh, b) >= 0 ? 1 : 0;
      a.starts.set(fresh, table);
    }
    return table;
  }

  /**
   * The fresh state in which the lexeme after one ending at `state` starts. Without longest match
   * always FRESH. With it (maximal munch, as a conventional lexer tokenizes: no lexeme ends where any
   * lexeme of the grammar that started with it goes on, so a keyword never glues to an identifier even
   * where identifiers cannot come, `++` is never `+` `+`, and a line comment runs to the end of its
   * line), the next lexeme may not start with a byte that would continue one from `state`.
   */
  freshAfter(state: number): number {
    if (!this.longestMatch) return FRESH;
    let fresh = this.freshAfterState[state];
    if (fresh === undefined) {
      fresh = FRESH;
      if (this.dfa.growing(state).length > 0) {
        const forbidden = new Uint8Array(256);
        for (let b = 0; b < 256; b++) forbidden[b] = this.dfa.step(state, b) >= 0 ? 1 : 0;
        const key = forbidden.join('');
        let c = this.conditionIds.get(key);
        if (c === undefined) {
          c = this.conditions.length;
          this.conditions.push(forbidden);
          this.conditionIds.set(key, c);
        }
        fresh = -2 - c;
      }
      this.freshAfterState[state] = fresh;
    }
    return fresh;
  }

  endList(id: number): Int32Array {
    return this.endLists[id];
  }

  /**
   * Byte classes on which `state` loops within the allowed set without any lexeme ending: every
   * complete character of the class leads back to `state` (JSON string bodies, whitespace and digit
   * runs inside one lexeme).
   */
  loopClasses(allowed: number, state: number): readonly ByteClassId[] {
    const a = this.allowedSets[allowed];
    let loops = a.loops[state];
    if (loops === undefined) {
      const list: ByteClassId[] = [];
      if (this.info(allowed, state) >> 1 === 0) {
        const body = this.loopsOnStringBody(allowed, state);
        // Digits are string-body bytes: naming both would only cost the vocabulary a union slice.
        if (!body && this.loopsOnBytes(allowed, state, DIGITS)) list.push('digits');
        if (this.loopsOnBytes(allowed, state, JSON_WHITESPACE)) list.push('json-whitespace');
        if (body) list.push('json-string-body');
      }
      a.loops[state] = loops = list;
    }
    return loops;
  }

  private computeStep(a: AllowedSet, state: number, byte: number): number {
    let row = a.rows[state + 1];
    if (row === undefined) a.rows[state + 1] = row = new Int32Array(256).fill(-2);
    let next = this.dfa.step(state === FRESH ? this.dfa.initial : state, byte);
    if (next >= 0) {
      let alive = false;
      for (const k of this.dfa.alive(next)) if (a.member[k]) alive = true;
      if (!alive) next = -1;
    }
    row[byte] = next;
    return next;
  }

  private computeInfo(a: AllowedSet, state: number): number {
    // Priorities compare every lexeme of the grammar that matches this text, allowed here or not:
    // a keyword of higher priority is reserved, never an identifier, wherever identifiers go.
    const accepting = this.dfa.accepting(state);
    let best = -Infinity;
    for (const k of accepting) if (this.priority[k] > best) best = this.priority[k];
    const list: number[] = [];
    for (const k of accepting) if (a.member[k] && this.priority[k] === best) list.push(k);
    const key = list.join(',');
    let endId = this.endIds.get(key);
    if (endId === undefined) {
      endId = this.endLists.length;
      this.endLists.push(Int32Array.from(list));
      this.endIds.set(key, endId);
    }
    let grows = 0;
    for (const k of this.dfa.growing(state)) if (a.member[k]) grows = 1;
    const info = endId * 2 + grows;
    a.info[state] = info;
    return info;
  }

  private loopsOnBytes(allowed: number, state: number, bytes: readonly number[]): boolean {
    for (const b of bytes) if (this.step(allowed, state, b) !== state) return false;
    return true;
  }

  /** Every complete, valid UTF-8 character allowed verbatim in a JSON string leads back to `state`. */
  private loopsOnStringBody(allowed: number, state: number): boolean {
    for (let b = 0x20; b < 0x80; b++) {
      if (b !== 0x22 && b !== 0x5c && this.step(allowed, state, b) !== state) return false;
    }
    // Multi-byte characters: each (state, continuation bytes left) pair is explored once. No lexeme
    // may end inside a character either (that would start another hypothesis).
    const seen = new Set<number>();
    const tail = (s: number, left: number): boolean => {
      const key = s * 4 + left;
      if (seen.has(key)) return true;
      seen.add(key);
      for (let c = 0x80; c <= 0xbf; c++) {
        const t = this.step(allowed, s, c);
        if (t < 0) return false;
        if (left === 1 ? t !== state : this.info(allowed, t) >> 1 !== 0 || !tail(t, left - 1)) return false;
      }
      return true;
    };
    for (const [lead, need, lo, hi] of UTF8_LEADS) {
      const s = this.step(allowed, state, lead);
      if (s < 0 || this.info(allowed, s) >> 1 !== 0) return false;
      for (let c = lo; c <= hi; c++) {
        const t = this.step(allowed, s, c);
        if (t < 0) return false;
        if (need === 1 ? t !== state : this.info(allowed, t) >> 1 !== 0 || !tail(t, need - 1)) return false;
      }
    }
    return true;
  }
}

const DIGITS = [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39];
const JSON_WHITESPACE = [0x20, 0x09, 0x0a, 0x0d];

/** Lead bytes of valid multi-byte UTF-8: [lead, continuation bytes, second-byte lo, second-byte hi]. */
const UTF8_LEADS: [number, number, number, number][] = (() => {
  const out: [number, number, number, number][] = [];
  for (let b = 0xc2; b <= 0xdf; b++) out.push([b, 1, 0x80, 0xbf]);
  for (let b = 0xe0; b <= 0xef; b++) out.push([b, 2, b === 0xe0 ? 0xa0 : 0x80, b === 0xed ? 0x9f : 0xbf]);
  for (let b = 0xf0; b <= 0xf4; b++) out.push([b, 3, b === 0xf0 ? 0x90 : 0x80, b === 0xf4 ? 0x8f : 0xbf]);
  return out;
})();
