import { LimitError } from '../../errors.js';
import type { EarleyGrammar } from './earley-grammar.js';
import type { LexemeLexer } from './lexeme-lexer.js';

/**
 * One Earley set: the items alive at a lexeme boundary, each with the set where it started.
 *
 * Sets form a persistent DAG through their origins and are interned (hash-consed): a set is identified
 * by its items and their origins' identities, with "started here" written as the set itself. Two
 * positions with the same items over the same origin sets have exactly the same future, so they are the
 * same object, and everything keyed by sets (scan memos, lexer filters, token-mask caches) is shared
 * between them, across documents and requests.
 *
 * Only items with a symbol after the dot are stored: completed items have done their work when the set
 * is built (`accepts` records the completed start item). Nullable symbols are handled the
 * Aycock-Horspool way: predicting a nullable symbol also moves the dot over it, so completions of
 * empty derivations never need to look back into the set being built.
 */
export class EarleySet {
  /** Where the lexer starts here: the lexemes some item expects, plus the ignored ones. */
  allowed = -1;
  /** Memo: id of a list of ended lexemes -> the set after scanning them from here. */
  readonly scans = new Map<number, EarleySet>();
  private bySymbol: Map<number, number[]> | undefined;

  constructor(
    /** Unique forever (never reused), so keys built from ids never alias. */
    readonly id: number,
    /** Dot positions (indexes into EarleyGrammar.rhs), each with a symbol after the dot. */
    readonly items: Int32Array,
    /** Origin set of each item (this set for items predicted here). */
    readonly origins: EarleySet[],
    /** The start rule is complete here: the document may end. */
    readonly accepts: boolean,
  ) {}

  /** Indexes of the items whose next symbol is `symbol`. */
  waiting(symbol: number, rhs: Int32Array): readonly number[] {
    if (this.bySymbol === undefined) {
      this.bySymbol = new Map();
      for (let i = 0; i < this.items.length; i++) {
        const s = rhs[this.items[i]];
        let list = this.bySymbol.get(s);
        if (list === undefined) this.bySymbol.set(s, (list = []));
        list.push(i);
      }
    }
    return this.bySymbol.get(symbol) ?? NONE;
  }
}

const NONE: readonly number[] = [];
const SELF_ID = 0;

/** Builds and interns Earley sets: the initial set, and the set after lexemes end. */
export class EarleyChart {
  readonly initial: EarleySet;
  private nextId = 1;
  private interned = new Map<string, EarleySet>();
  private multiScans = new Map<string, EarleySet>();
  private readonly ignored: Uint8Array;
  private readonly ignoredList: number[];

  // Scratch space for one closure, reused (sets are built often during cold mask walks).
  private codes: number[] = [];
  private from: (EarleySet | null)[] = [];
  private readonly seen = new Set<number>();
  private readonly originNumbers = new Map<EarleySet, number>();
  private readonly predicted: Uint8Array;
  private readonly touched: number[] = [];

  constructor(
    private readonly grammar: EarleyGrammar,
    private readonly lexer: LexemeLexer,
    ignored: readonly number[],
    private readonly limits: { maxItemsPerSet: number; maxInternedSets: number },
  ) {
    this.ignored = new Uint8Array(grammar.lexemeCount);
    for (const k of ignored) this.ignored[k] = 1;
    this.ignoredList = [...ignored];
    this.predicted = new Uint8Array(grammar.ntCount);
    this.begin();
    this.push(grammar.prodStart[grammar.prodOffset[0]], null);
    this.initial = this.finish(false);
  }

  /**
   * The set at a position where lexemes ended: `ends[i]` (a lexer end-list id) ended after starting
   * at `origins[i]`. Ignored lexemes leave their origin's items as they were.
   */
  advance(origins: readonly EarleySet[], ends: readonly number[]): EarleySet {
    if (origins.length === 1) return this.advanceOne(origins[0], ends[0]);
    const key = origins.map((o, i) => `${o.id}:${ends[i]}`).join(' ');
    let next = this.multiScans.get(key);
    if (next === undefined) {
      next = this.scan(origins, ends);
      if (this.multiScans.size > this.limits.maxInternedSets) this.multiScans = new Map();
      this.multiScans.set(key, next);
    }
    return next;
  }

  /** `advance` for the common case of lexemes ending from one origin (memoised on the origin). */
  advanceOne(origin: EarleySet, endId: number): EarleySet {
    let next = origin.scans.get(endId);
    if (next === undefined) {
      next = this.scan([origin], [endId]);
      origin.scans.set(endId, next);
    }
    return next;
  }

  private scan(origins: readonly EarleySet[], ends: readonly number[]): EarleySet {
    const g = this.grammar;
    // Only ignored lexemes that the parser does not expect here ended, from one origin: nothing
    // moves, the position is the origin itself.
    if (origins.length === 1 && this.onlyIgnored(origins[0], ends[0])) return origins[0];
    this.begin();
    let accepts = false;
    for (let i = 0; i < origins.length; i++) {
      const o = origins[i];
      let passThrough = false;
      for (const k of this.lexer.endList(ends[i])) {
        if (this.ignored[k]) passThrough = true;
        for (const idx of o.waiting(g.ntCount + k, g.rhs)) this.push(o.items[idx] + 1, o.origins[idx]);
      }
      if (passThrough) {
        for (let idx = 0; idx < o.items.length; idx++) this.push(o.items[idx], o.origins[idx]);
        accepts ||= o.accepts;
      }
    }
    return this.finish(accepts);
  }

  private onlyIgnored(origin: EarleySet, endId: number): boolean {
    for (const k of this.lexer.endList(endId)) {
      if (!this.ignored[k] || origin.waiting(this.grammar.ntCount + k, this.grammar.rhs).length > 0) return false;
    }
    return true;
  }

  private begin(): void {
    this.codes.length = 0;
    this.from.length = 0;
    this.seen.clear();
    this.originNumbers.clear();
    for (const nt of this.touched) this.predicted[nt] = 0;
    this.touched.length = 0;
  }

  /** Adds an item (origin null = started here) unless present. */
  private push(code: number, origin: EarleySet | null): void {
    // Origins are numbered per closure (ids grow for the life of the process; keys must stay exact).
    let local = 0;
    if (origin !== null) {
      local = this.originNumbers.get(origin) ?? 0;
      if (local === 0) this.originNumbers.set(origin, (local = this.originNumbers.size + 1));
    }
    const key = code + this.grammar.rhs.length * local;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.codes.push(code);
    this.from.push(origin);
    if (this.codes.length > this.limits.maxItemsPerSet * 4) this.tooMany();
  }

  /** Closure (predict + complete, Aycock-Horspool for nullables), then interning. */
  private finish(acceptsAlready: boolean): EarleySet {
    const g = this.grammar;
    const rhs = g.rhs;
    let accepts = acceptsAlready;
    const keptCodes: number[] = [];
    const keptFrom: (EarleySet | null)[] = [];
    for (let i = 0; i < this.codes.length; i++) {
      const code = this.codes[i];
      const origin = this.from[i];
      const sym = rhs[code];
      if (sym < 0) {
        const lhs = -sym - 1;
        if (lhs === 0) accepts = true;
        else if (origin !== null) {
          for (const idx of origin.waiting(lhs, rhs)) this.push(origin.items[idx] + 1, origin.origins[idx]);
        }
        continue;
      }
      keptCodes.push(code);
      keptFrom.push(origin);
      if (sym < g.ntCount && !this.predicted[sym]) {
        this.predicted[sym] = 1;
        this.touched.push(sym);
        for (let p = g.prodOffset[sym]; p < g.prodOffset[sym + 1]; p++) this.push(g.prodStart[p], null);
      }
      if (g.nullable[sym]) this.push(code + 1, origin);
    }
    if (keptCodes.length > this.limits.maxItemsPerSet) this.tooMany();
    return this.intern(keptCodes, keptFrom, accepts);
  }

  private intern(codes: number[], from: (EarleySet | null)[], accepts: boolean): EarleySet {
    const n = codes.length;
    const order = Array.from({ length: n }, (_, i) => i);
    const originId = (i: number) => (from[i] === null ? SELF_ID : from[i]!.id);
    order.sort((a, b) => originId(a) - originId(b) || codes[a] - codes[b]);
    let key = accepts ? 'A' : 'R';
    for (const i of order) key += `${codes[i]}.${originId(i)} `;
    const existing = this.interned.get(key);
    if (existing) return existing;
    const items = new Int32Array(n);
    const origins: EarleySet[] = new Array(n);
    const set = new EarleySet(this.nextId++, items, origins, accepts);
    order.forEach((i, j) => {
      items[j] = codes[i];
      origins[j] = from[i] ?? set;
    });
    const allowed: number[] = [...this.ignoredList];
    for (let j = 0; j < n; j++) {
      const sym = this.grammar.rhs[items[j]];
      if (sym >= this.grammar.ntCount) allowed.push(sym - this.grammar.ntCount);
    }
    set.allowed = this.lexer.allowedId([...new Set(allowed)].sort((a, b) => a - b));
    // The table only serves sharing: starting afresh when it is full loses sharing, never meaning.
    if (this.interned.size >= this.limits.maxInternedSets) this.interned = new Map();
    this.interned.set(key, set);
    return set;
  }

  private tooMany(): never {
    throw new LimitError(
      `an Earley set grew past ${this.limits.maxItemsPerSet} items (the grammar is too ambiguous here; raise maxEarleyItems or simplify the grammar)`,
      { limit: 'maxEarleyItems' },
    );
  }
}
