import { LimitError } from '../../errors.js';
import type { EarleyGrammar } from './earley-grammar.js';
import type { LexemeLexer } from './lexeme-lexer.js';
import { finishHash, mixHash } from '../automaton/intern-hash.js';

/**
 * The items a set predicts: the closure of predicting some nonterminals (with the dot moved over
 * nullable symbols, Aycock-Horspool), every item starting where the set is. It depends on the grammar
 * alone, so it is built once per seed list and shared by every set that predicts the same
 * nonterminals, in any context: in a grammar with many rules (the SQL grammar of a database, a
 * programming language) most items of a set are predicted, and a new set then costs its few kernel
 * items instead of hundreds of predictions (measured on the Spider SQL grammars: ~150-300 items per
 * set, of which 1-10 are kernel items).
 */
export class Prediction {
  /** Memo of EarleySet.allowed ids by the lexemes the set's other items add (see EarleyChart). */
  readonly allowedByExtra = new Map<string, number>();
  /** `[this]`: the predictions of every set that inherits none, shared (never mutated). */
  readonly alone: readonly Prediction[] = [this];
  private bySymbol: Map<number, Int32Array> | undefined;

  constructor(
    readonly id: number,
    /** The nonterminals whose prediction this is, ascending (its identity). */
    readonly seeds: Int32Array,
    /** Dot positions (indexes into EarleyGrammar.rhs), each with a symbol after the dot. */
    readonly codes: Int32Array,
    /** Every nonterminal predicted (the seeds and what they predict). */
    readonly nonterminals: Int32Array,
    /** The lexemes after a dot, ascending. */
    readonly lexemes: Int32Array,
    /** The start rule is complete among these items (only the initial set predicts it). */
    readonly completesStart: boolean,
  ) {}

  /** The item codes whose next symbol is `symbol`. */
  waiting(symbol: number, rhs: Int32Array): Int32Array {
    if (this.bySymbol === undefined) {
      const lists = new Map<number, number[]>();
      for (const code of this.codes) {
        const s = rhs[code];
        let list = lists.get(s);
        if (list === undefined) lists.set(s, (list = []));
        list.push(code);
      }
      this.bySymbol = new Map([...lists].map(([s, list]) => [s, Int32Array.from(list)]));
    }
    return this.bySymbol.get(symbol) ?? NO_CODES;
  }
}

const NO_CODES = new Int32Array(0);
const NO_SETS: EarleySet[] = [];

/** Closures up to this many items find duplicates by a linear scan (no Set, no allocation). */
const SMALL_CLOSURE = 32;

/** Whether `a` equals the first n numbers of `b`. */
function samePrefix(a: Int32Array, b: Int32Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Sorts a[0..n) ascending in place (insertion sort for the usual short lists). */
function sortAscending(a: Int32Array, n: number): void {
  if (n > 32) {
    a.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = a[i];
    let j = i;
    while (j > 0 && a[j - 1] > v) {
      a[j] = a[j - 1];
      j--;
    }
    a[j] = v;
  }
}

/** A copy of `a` twice as long. */
function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

/**
 * One Earley set: the items alive at a lexeme boundary, each with the set where it started.
 *
 * Items come in two parts. The *kernel* holds the items that started earlier (scanned or completed
 * here), each with its origin set. The *predictions* hold the items that start here: the set's own
 * Prediction (origin: this set), plus, where an ignored lexeme passed through a position that also
 * moved on (see EarleyChart.scan), predictions inherited from the set it passed over, with that origin.
 *
 * Sets form a persistent DAG through their origins and are interned (hash-consed): a set is identified
 * by its kernel items with their origins' identities and its predictions. Two positions with the same items over the same origin sets have exactly the
 * same future, so they are the same object, and everything keyed by sets (scan memos, lexer filters,
 * token-mask caches) is shared between them, across documents and requests.
 *
 * Only items with a symbol after the dot are stored: completed items have done their work when the set
 * is built (`accepts` records the completed start item). Nullable symbols are handled the
 * Aycock-Horspool way: predicting a nullable symbol also moves the dot over it, so completions of
 * empty derivations never need to look back into the set being built.
 */
export class EarleySet {
  /** Where the lexer starts here: the lexemes some item expects, plus the ignored ones. */
  allowed = -1;
  /** Memo: id of a list of ended lexemes -> the set after scanning them from here (made on first scan). */
  scans: Map<number, EarleySet> | undefined;
  /** Origin of each of `predictions` (the set itself for its own, which comes first). */
  readonly predictionOrigins: EarleySet[];

  constructor(
    /** Unique forever (never reused), so keys built from ids never alias. */
    readonly id: number,
    /** Kernel: dot positions (indexes into EarleyGrammar.rhs), each with a symbol after the dot. */
    readonly items: Int32Array,
    /** Origin set of each kernel item (always an earlier set). */
    readonly origins: readonly EarleySet[],
    /** The own Prediction first, then inherited ones (see the class comment). */
    readonly predictions: readonly Prediction[],
    inheritedOrigins: readonly EarleySet[],
    /** The start rule is complete here: the document may end. */
    readonly accepts: boolean,
  ) {
    this.predictionOrigins = [this, ...inheritedOrigins];
  }

  /** Number of items, predicted ones included (for limits and benchmarks). */
  get size(): number {
    let n = this.items.length;
    for (const p of this.predictions) n += p.codes.length;
    return n;
  }
}

/** Builds and interns Earley sets: the initial set, and the set after lexemes end. */
export class EarleyChart {
  readonly initial: EarleySet;
  private nextId = 1;
  private nextPredictionId = 0;
  /**
   * Interned sets by a hash of what identifies them (see `intern`), each bucket one set or a list of
   * colliding ones: no key string is built per scan or kept per set.
   */
  private interned = new Map<number, EarleySet | EarleySet[]>();
  private internedCount = 0;
  private multiScans = new Map<string, EarleySet>();
  /** Predictions by a hash of their seed list, each bucket one Prediction or a list of colliding ones. */
  private predictions = new Map<number, Prediction | Prediction[]>();
  private readonly ignored: Uint8Array;
  private readonly ignoredList: number[];
  private readonly rhs: Int32Array;
  private readonly ntCount: number;

  // Scratch space for one closure, reused (sets are built often during cold mask walks) and never
  // emptied by `length = 0` or clear(), which reallocate storage: lists are arrays with a count (the
  // EarleySet arrays keep stale entries past it). Items: codes[i] started at from[i], i < count.
  private codes = new Int32Array(64);
  private readonly from: EarleySet[] = [];
  private count = 0;
  /** Duplicate items of closures past SMALL_CLOSURE items (keys use origins numbered per closure). */
  private readonly seen = new Set<number>();
  private readonly originNumbers = new Map<EarleySet, number>();
  private seenInUse = false;
  private readonly inherited: Prediction[] = [];
  private readonly inheritedFrom: EarleySet[] = [];
  private inheritedCount = 0;
  /** Seeds of the set being built (nonterminals to predict), flagged and listed. */
  private readonly seeded: Uint8Array;
  private seeds = new Int32Array(16);
  private seedCount = 0;
  /** Scratch of `predict`: item codes already in the closure. */
  private readonly predictedCode: Uint8Array;
  /** Scratch of `finish` and `intern`: the kernel items kept, and their canonical order. */
  private keptCodes = new Int32Array(16);
  private readonly keptFrom: EarleySet[] = [];
  private order = new Int32Array(16);
  /** Argument scratch of `advanceOne` (scan never keeps its arguments). */
  private readonly oneOrigin: EarleySet[] = [];
  private readonly oneEnd: number[] = [];

  constructor(
    private readonly grammar: EarleyGrammar,
    private readonly lexer: LexemeLexer,
    ignored: readonly number[],
    private readonly limits: { maxItemsPerSet: number; maxInternedSets: number },
  ) {
    this.rhs = grammar.rhs;
    this.ntCount = grammar.ntCount;
    this.ignored = new Uint8Array(grammar.lexemeCount);
    for (const k of ignored) this.ignored[k] = 1;
    this.ignoredList = [...ignored];
    this.seeded = new Uint8Array(grammar.ntCount);
    this.predictedCode = new Uint8Array(grammar.rhs.length);
    this.begin();
    // S' (nonterminal 0) is predicted at the start.
    this.seed(0);
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
    let next = origin.scans?.get(endId);
    if (next === undefined) {
      this.oneOrigin[0] = origin;
      this.oneEnd[0] = endId;
      next = this.scan(this.oneOrigin, this.oneEnd);
      (origin.scans ??= new Map()).set(endId, next);
    }
    return next;
  }

  private scan(origins: readonly EarleySet[], ends: readonly number[]): EarleySet {
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
        this.moveOver(o, this.ntCount + k);
      }
      if (passThrough) {
        // The items of `o` stay as they were, with their origins: its kernel, and its predictions
        // with `o` (or their own inherited origin) as origin.
        for (let idx = 0; idx < o.items.length; idx++) this.push(o.items[idx], o.origins[idx]);
        for (let b = 0; b < o.predictions.length; b++) this.inherit(o.predictions[b], o.predictionOrigins[b]);
        accepts ||= o.accepts;
      }
    }
    return this.finish(accepts);
  }

  /** Adds the items of `set` whose next symbol is `symbol`, with the dot moved over it. */
  private moveOver(set: EarleySet, symbol: number): void {
    const rhs = this.rhs;
    const items = set.items;
    for (let idx = 0; idx < items.length; idx++) if (rhs[items[idx]] === symbol) this.push(items[idx] + 1, set.origins[idx]);
    const predictions = set.predictions;
    for (let b = 0; b < predictions.length; b++) {
      const codes = predictions[b].waiting(symbol, rhs);
      if (codes.length === 0) continue;
      const origin = set.predictionOrigins[b];
      for (let c = 0; c < codes.length; c++) this.push(codes[c] + 1, origin);
    }
  }

  private onlyIgnored(origin: EarleySet, endId: number): boolean {
    const rhs = this.rhs;
    for (const k of this.lexer.endList(endId)) {
      if (!this.ignored[k]) return false;
      const symbol = this.ntCount + k;
      for (let idx = 0; idx < origin.items.length; idx++) if (rhs[origin.items[idx]] === symbol) return false;
      for (const p of origin.predictions) if (p.waiting(symbol, rhs).length > 0) return false;
    }
    return true;
  }

  private begin(): void {
    this.count = 0;
    if (this.seenInUse) {
      this.seen.clear();
      this.originNumbers.clear();
      this.seenInUse = false;
    }
    for (let k = 0; k < this.seedCount; k++) this.seeded[this.seeds[k]] = 0;
    this.seedCount = 0;
    this.inheritedCount = 0;
  }

  /** Adds a kernel item (started at `origin`, an earlier set) unless present. */
  private push(code: number, origin: EarleySet): void {
    const n = this.count;
    if (n < SMALL_CLOSURE) {
      for (let i = 0; i < n; i++) if (this.codes[i] === code && this.from[i] === origin) return;
    } else {
      if (!this.seenInUse) {
        this.seenInUse = true;
        for (let i = 0; i < n; i++) this.seen.add(this.itemKey(this.codes[i], this.from[i]));
      }
      const key = this.itemKey(code, origin);
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    if (n === this.codes.length) this.codes = grown(this.codes);
    this.codes[n] = code;
    this.from[n] = origin;
    this.count = n + 1;
    if (this.count > this.limits.maxItemsPerSet * 4) this.tooMany();
  }

  /** An exact integer per (code, origin) of the closure being built. */
  private itemKey(code: number, origin: EarleySet): number {
    // Origins are numbered per closure (ids grow for the life of the process; keys must stay exact).
    let local = this.originNumbers.get(origin);
    if (local === undefined) this.originNumbers.set(origin, (local = this.originNumbers.size));
    return code + this.rhs.length * local;
  }

  private inherit(prediction: Prediction, origin: EarleySet): void {
    const n = this.inheritedCount;
    for (let b = 0; b < n; b++) if (this.inherited[b] === prediction && this.inheritedFrom[b] === origin) return;
    this.inherited[n] = prediction;
    this.inheritedFrom[n] = origin;
    this.inheritedCount = n + 1;
  }

  private seed(nt: number): void {
    if (this.seeded[nt]) return;
    this.seeded[nt] = 1;
    if (this.seedCount === this.seeds.length) this.seeds = grown(this.seeds);
    this.seeds[this.seedCount++] = nt;
  }

  /** Closure of the kernel (complete, Aycock-Horspool for nullables), its Prediction, then interning. */
  private finish(acceptsAlready: boolean): EarleySet {
    const g = this.grammar;
    const rhs = this.rhs;
    let accepts = acceptsAlready;
    let kept = 0;
    // `count` grows while the loop runs (completions and nullable moves push items).
    for (let i = 0; i < this.count; i++) {
      const code = this.codes[i];
      const origin = this.from[i];
      const sym = rhs[code];
      if (sym < 0) {
        const lhs = -sym - 1;
        if (lhs === 0) accepts = true;
        else this.moveOver(origin, lhs);
        continue;
      }
      if (kept === this.keptCodes.length) this.keptCodes = grown(this.keptCodes);
      this.keptCodes[kept] = code;
      this.keptFrom[kept] = origin;
      kept++;
      if (sym < this.ntCount) this.seed(sym);
      if (g.nullable[sym]) this.push(code + 1, origin);
    }
    // Inherited predictions' items are items of this set too: what they predict, it predicts.
    for (let b = 0; b < this.inheritedCount; b++) for (const nt of this.inherited[b].nonterminals) this.seed(nt);
    const own = this.prediction();
    if (own.completesStart) accepts = true;
    let size = kept + own.codes.length;
    for (let b = 0; b < this.inheritedCount; b++) size += this.inherited[b].codes.length;
    if (size > this.limits.maxItemsPerSet) this.tooMany();
    return this.intern(this.keptCodes, this.keptFrom, kept, own, accepts);
  }

  /** The Prediction of the current seeds (interned by seed list). */
  private prediction(): Prediction {
    const seeds = this.seeds;
    const n = this.seedCount;
    sortAscending(seeds, n);
    let h = n;
    for (let i = 0; i < n; i++) h = mixHash(h, seeds[i]);
    h = finishHash(h);
    const bucket = this.predictions.get(h);
    if (bucket !== undefined) {
      if (!Array.isArray(bucket)) {
        if (samePrefix(bucket.seeds, seeds, n)) return bucket;
      } else {
        for (const p of bucket) if (samePrefix(p.seeds, seeds, n)) return p;
      }
    }
    const p = this.predict(seeds.slice(0, n));
    if (bucket === undefined) this.predictions.set(h, p);
    else if (Array.isArray(bucket)) bucket.push(p);
    else this.predictions.set(h, [bucket, p]);
    return p;
  }

  private predict(seeds: Int32Array): Prediction {
    const g = this.grammar;
    const rhs = this.rhs;
    const done = this.predictedCode;
    const predicted = new Uint8Array(this.ntCount);
    const nonterminals: number[] = [];
    const work: number[] = [];
    const codes: number[] = [];
    const lexemes = new Set<number>();
    let completesStart = false;
    const add = (code: number) => {
      if (done[code]) return;
      done[code] = 1;
      work.push(code);
    };
    const predictNt = (nt: number) => {
      if (predicted[nt]) return;
      predicted[nt] = 1;
      nonterminals.push(nt);
      for (let p = g.prodOffset[nt]; p < g.prodOffset[nt + 1]; p++) add(g.prodStart[p]);
    };
    for (const nt of seeds) predictNt(nt);
    for (let i = 0; i < work.length; i++) {
      const code = work[i];
      const sym = rhs[code];
      if (sym < 0) {
        // A predicted item completes only through nullable symbols, which the dot already skipped
        // in the items that predicted it; only the start rule's completion matters (the empty document).
        if (sym === -1) completesStart = true;
        continue;
      }
      codes.push(code);
      if (sym < this.ntCount) predictNt(sym);
      else lexemes.add(sym - this.ntCount);
      if (g.nullable[sym]) add(code + 1);
    }
    for (const code of work) done[code] = 0;
    if (codes.length > this.limits.maxItemsPerSet) this.tooMany();
    return new Prediction(
      this.nextPredictionId++,
      seeds,
      Int32Array.from(codes),
      Int32Array.from(nonterminals).sort(),
      Int32Array.from(lexemes).sort(),
      completesStart,
    );
  }

  /**
   * The interned set of kernel items (codes[i] started at from[i]), the own Prediction, the inherited
   * predictions (this.inherited with this.inheritedFrom) and `accepts`: a set is identified by exactly
   * these (the own Prediction follows from the rest, except in the initial set, which predicts the start).
   */
  private intern(codes: Int32Array, from: EarleySet[], n: number, own: Prediction, accepts: boolean): EarleySet {
    // Canonical item order: by origin id, then code.
    if (this.order.length < n) this.order = new Int32Array(2 * n);
    const order = this.order;
    for (let i = 0; i < n; i++) order[i] = i;
    if (n > 32) {
      order.subarray(0, n).sort((a, b) => from[a].id - from[b].id || codes[a] - codes[b]);
    } else {
      // Kernels are small (1-10 items): an insertion sort allocates nothing.
      for (let i = 1; i < n; i++) {
        const v = order[i];
        const vId = from[v].id;
        const vCode = codes[v];
        let j = i;
        while (j > 0) {
          const u = order[j - 1];
          const uId = from[u].id;
          if (uId < vId || (uId === vId && codes[u] <= vCode)) break;
          order[j] = u;
          j--;
        }
        order[j] = v;
      }
    }
    let h = mixHash(accepts ? 1 : 0, own.id);
    for (let k = 0; k < n; k++) h = mixHash(mixHash(h, codes[order[k]]), from[order[k]].id);
    // Inherited predictions are a set of (prediction, origin) pairs: their hashes are summed, in any order.
    const inherited = this.inherited;
    const inheritedFrom = this.inheritedFrom;
    const ni = this.inheritedCount;
    let pairs = 0;
    for (let b = 0; b < ni; b++) pairs = (pairs + mixHash(mixHash(0, inherited[b].id), inheritedFrom[b].id)) | 0;
    h = finishHash(mixHash(h, pairs));
    let bucket = this.interned.get(h);
    if (bucket !== undefined) {
      if (!Array.isArray(bucket)) {
        if (this.sameSet(bucket, codes, from, order, n, own, accepts)) return bucket;
      } else {
        for (const s of bucket) if (this.sameSet(s, codes, from, order, n, own, accepts)) return s;
      }
    }
    const items = new Int32Array(n);
    const origins: EarleySet[] = new Array(n);
    for (let k = 0; k < n; k++) {
      items[k] = codes[order[k]];
      origins[k] = from[order[k]];
    }
    let predictions = own.alone;
    let inheritedOrigins: EarleySet[] = NO_SETS;
    if (ni > 0) {
      const list: Prediction[] = new Array(ni + 1);
      inheritedOrigins = new Array(ni);
      list[0] = own;
      for (let b = 0; b < ni; b++) {
        list[b + 1] = inherited[b];
        inheritedOrigins[b] = inheritedFrom[b];
      }
      predictions = list;
    }
    const set = new EarleySet(this.nextId++, items, origins, predictions, inheritedOrigins, accepts);
    set.allowed = this.allowedOf(set);
    // The table only serves sharing: starting afresh when it is full loses sharing, never meaning.
    if (this.internedCount >= this.limits.maxInternedSets) {
      this.interned = new Map();
      this.internedCount = 0;
      bucket = undefined;
    }
    if (bucket === undefined) this.interned.set(h, set);
    else if (Array.isArray(bucket)) bucket.push(set);
    else this.interned.set(h, [bucket, set]);
    this.internedCount++;
    return set;
  }

  /** Whether `set` is the set `intern` is asked for (same arguments, see there). */
  private sameSet(set: EarleySet, codes: Int32Array, from: EarleySet[], order: Int32Array, n: number, own: Prediction, accepts: boolean): boolean {
    const inherited = this.inherited;
    const ni = this.inheritedCount;
    if (set.accepts !== accepts || set.predictions[0] !== own || set.items.length !== n || set.predictions.length !== ni + 1) {
      return false;
    }
    for (let k = 0; k < n; k++) if (set.items[k] !== codes[order[k]] || set.origins[k] !== from[order[k]]) return false;
    // Inherited pairs are distinct on both sides (see `inherit`), so equal counts and inclusion suffice.
    for (let b = 0; b < ni; b++) {
      let found = false;
      for (let c = 1; c < set.predictions.length && !found; c++) {
        found = set.predictions[c] === inherited[b] && set.predictionOrigins[c] === this.inheritedFrom[b];
      }
      if (!found) return false;
    }
    return true;
  }

  /** The lexer's id of the lexemes the set expects plus the ignored ones, memoised on its own Prediction. */
  private allowedOf(set: EarleySet): number {
    const own = set.predictions[0];
    const extra = new Set<number>();
    for (const code of set.items) {
      const sym = this.rhs[code];
      if (sym >= this.ntCount) extra.add(sym - this.ntCount);
    }
    for (let b = 1; b < set.predictions.length; b++) for (const k of set.predictions[b].lexemes) extra.add(k);
    const extraKey = [...extra].sort((a, b) => a - b).join(',');
    let id = own.allowedByExtra.get(extraKey);
    if (id === undefined) {
      const all = new Set<number>([...this.ignoredList, ...own.lexemes, ...extra]);
      id = this.lexer.allowedId([...all].sort((a, b) => a - b));
      own.allowedByExtra.set(extraKey, id);
    }
    return id;
  }

  private tooMany(): never {
    throw new LimitError(
      `an Earley set grew past ${this.limits.maxItemsPerSet} items (the grammar is too ambiguous here; raise maxEarleyItems or simplify the grammar)`,
      { limit: 'maxEarleyItems' },
    );
  }
}
