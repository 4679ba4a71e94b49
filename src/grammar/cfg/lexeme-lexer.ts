import type { ByteClassId } from '../automaton/byte-machine.js';
import { compileRegexSet, type RegexNode, type RegexSet } from '../regex/index.js';
import { byteClassOf } from '../vocab/token-slice.js';

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
  /** Per state: the class of `scanClass` (null: none). */
  readonly scanClasses: (ByteClassId | null | undefined)[];
  /** Per state: the id of this set narrowed to the lexemes alive there (see `narrow`). */
  readonly narrowed: (number | undefined)[];
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
      this.allowedSets.push({ member, rows: [], info: [], loops: [], scanClasses: [], narrowed: [], starts: new Map() });
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
   * The memo tables of allowed set `allowed`, for hot loops that inline the fast paths of `step` and
   * `info` (lexer scans): `rows[d + 1]` is the row of DFA state d >= FRESH (next state per byte, -2:
   * not computed yet; call `step`), `info[d]` is `info(allowed, d)` (undefined: not computed yet; call
   * `info`). Live views: entries are added, never changed.
   */
  tables(allowed: number): { readonly rows: readonly (Int32Array | undefined)[]; readonly info: readonly (number | undefined)[] } {
    return this.allowedSets[allowed];
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
   * The byte class on which `state` loops within the allowed set without any lexeme ending, not even
   * inside a character: every token of the class leads back to `state` with nothing else alive, so a
   * machine state made of such hypotheses has the same mask key after it (string bodies, whitespace
   * and digit runs inside one lexeme). At most one class: the largest.
   */
  loopClasses(allowed: number, state: number): readonly ByteClassId[] {
    const a = this.allowedSets[allowed];
    let loops = a.loops[state];
    if (loops === undefined) {
      const loop = this.info(allowed, state) >> 1 === 0 ? this.selfLoop(allowed, state, true) : undefined;
      a.loops[state] = loops = loop === undefined ? NO_CLASSES : [loop];
    }
    return loops;
  }

  /**
   * The byte class on which `state` loops within the allowed set, where lexemes may end on the way:
   * every token of the class is allowed by the lexer alone from `state` (and returns to it). Enough for
   * a lexer scan (grammar-mask.ts), where lexeme ends below a node matter only for tokens the lexer
   * alone does not allow: a scan inside an identifier or a comment ORs in the class's slice and skips
   * the subtrees it covers. Undefined when no byte loops.
   */
  scanClass(allowed: number, state: number): ByteClassId | undefined {
    const a = this.allowedSets[allowed];
    let loop = a.scanClasses[state];
    if (loop === undefined) a.scanClasses[state] = loop = this.selfLoop(allowed, state, false) ?? null;
    return loop ?? undefined;
  }

  /**
   * The allowed set narrowed to the lexemes alive in DFA state `state` (>= 0). Everything the lexer
   * does from `state` on depends on the allowed lexemes alive there only (what is alive later was alive
   * here; priorities compare every lexeme of the grammar), so lexer scans inside a lexeme are shared by
   * every parse that allows it: a string literal's scan is built once, not once per context.
   */
  narrow(allowed: number, state: number): number {
    const a = this.allowedSets[allowed];
    let id = a.narrowed[state];
    if (id === undefined) {
      const kept: number[] = [];
      for (const k of this.dfa.alive(state)) if (a.member[k]) kept.push(k);
      id = this.allowedId(kept);
      a.narrowed[state] = id;
    }
    return id;
  }

  /**
   * The class of tokens leading from `state` back to it: the ASCII bytes that do, and every valid
   * multi-byte character when all of them do (through live states; with `strict`, through states
   * where no lexeme ends). Undefined when none.
   */
  private selfLoop(allowed: number, state: number, strict: boolean): ByteClassId | undefined {
    const ascii = new Uint8Array(128);
    let any = false;
    for (let b = 0; b < 0x80; b++) {
      if (this.step(allowed, state, b) === state) {
        ascii[b] = 1;
        any = true;
      }
    }
    const utf8 = this.loopsOnMultiByte(allowed, state, strict);
    return any || utf8 ? byteClassOf(ascii, utf8) : undefined;
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

  /** Every complete, valid multi-byte UTF-8 character leads back to `state` (see selfLoop). */
  private loopsOnMultiByte(allowed: number, state: number, strict: boolean): boolean {
    // Each (state, continuation bytes left) pair is explored once.
    const ends = (s: number) => strict && this.info(allowed, s) >> 1 !== 0;
    const seen = new Set<number>();
    const tail = (s: number, left: number): boolean => {
      const key = s * 4 + left;
      if (seen.has(key)) return true;
      seen.add(key);
      for (let c = 0x80; c <= 0xbf; c++) {
        const t = this.step(allowed, s, c);
        if (t < 0) return false;
        if (left === 1 ? t !== state : ends(t) || !tail(t, left - 1)) return false;
      }
      return true;
    };
    for (const [lead, need, lo, hi] of UTF8_LEADS) {
      const s = this.step(allowed, state, lead);
      if (s < 0 || ends(s)) return false;
      for (let c = lo; c <= hi; c++) {
        const t = this.step(allowed, s, c);
        if (t < 0) return false;
        if (need === 1 ? t !== state : ends(t) || !tail(t, need - 1)) return false;
      }
    }
    return true;
  }
}

const NO_CLASSES: readonly ByteClassId[] = Object.freeze([]);

/** Lead bytes of valid multi-byte UTF-8: [lead, continuation bytes, second-byte lo, second-byte hi]. */
const UTF8_LEADS: [number, number, number, number][] = (() => {
  const out: [number, number, number, number][] = [];
  for (let b = 0xc2; b <= 0xdf; b++) out.push([b, 1, 0x80, 0xbf]);
  for (let b = 0xe0; b <= 0xef; b++) out.push([b, 2, b === 0xe0 ? 0xa0 : 0x80, b === 0xed ? 0x9f : 0xbf]);
  for (let b = 0xf0; b <= 0xf4; b++) out.push([b, 3, b === 0xf0 ? 0x90 : 0x80, b === 0xf4 ? 0x8f : 0xbf]);
  return out;
})();
