import type { TokenTrie } from '../vocab/token-trie.js';
import type { EarleySet } from './earley-chart.js';
import type { LexemeLexer } from './lexeme-lexer.js';

/**
 * Token masks of grammar states, split at lexeme boundaries (the idea behind XGrammar's
 * context-independent tokens and llguidance's lexer-driven walk, taken all the way down):
 *
 * A *scan* is the lexer alone walking the trie, from one lexer configuration (allowed lexeme set,
 * DFA state). It depends on nothing else, so it is computed once per grammar and vocabulary and cached.
 * A token whose bytes keep some allowed lexeme alive to its end is allowed whatever the parse
 * (including one ending exactly where a lexeme ends). Where lexemes end strictly inside tokens
 * (boundary nodes with children) the scan records the boundary, grouped by which lexemes ended, unless
 * the lexer alone already allows every token below it (inside a comment or an identifier lexemes end
 * at every byte). Subtrees of a byte class the lexer loops on (string and comment bodies, identifiers,
 * whitespace, digits) are ORed in from the vocabulary's slices and never walked. Inside a lexeme the
 * allowed set is narrowed to the lexemes alive there, so a string literal's scan serves every context.
 *
 * The mask of a state is then a recursion over (Earley set, boundary group): OR the root scan's tokens;
 * for each boundary group take the Earley set after the ended lexemes (memoised on the set) and OR the
 * group's *continuation*: the scan below all of the group's nodes at once, for the lexemes allowed
 * after the boundary (cached on the group per allowed set, so context-free too), whose own boundary
 * groups recurse. Only the Earley transitions depend on the parse, so a state seen for the first time
 * (a new nesting context) costs one Earley step per distinct sequence of lexemes that tokens can hold
 * there, and a few cached lookups, never a trie walk.
 */
export interface LexerTokenScan {
  /** Tokens allowed by the lexer alone: a dense bitset (scans from the root) or an id list. */
  readonly bits?: Uint32Array;
  readonly ids?: Int32Array;
  /** Boundaries grouped by the id of the list of lexemes that end there. */
  readonly groups: readonly BoundaryGroup[];
  /** The last fillGrammarMask call (its `maskCall` number) that ORed these tokens in. */
  oredIn: number;
}

interface BoundaryGroup {
  readonly endId: number;
  /** The fresh lexer state in which the next lexeme starts (FRESH, or conditional under longest match). */
  readonly fresh: number;
  /** Trie nodes (with children) where the lexemes of `endId` end. */
  readonly nodes: Int32Array;
  /** Per allowed set after the boundary: the scan below every node of the group, from `fresh`. */
  readonly continuations: Map<number, LexerTokenScan>;
  /**
   * The Earley sets from which the last fillGrammarMask call (number `visitedIn`) visited this group:
   * the first one, then the others (a group is reached from several sets in code grammars).
   */
  visitedIn: number;
  visitedFrom: EarleySet | undefined;
  visitedFromMore: Set<EarleySet> | undefined;
}

/** Has no tokens and no groups, so ORing it in twice is harmless (it is shared by every cache). */
const EMPTY_SCAN: LexerTokenScan = { ids: new Int32Array(0), groups: [], oredIn: 0 };

/**
 * Numbers the calls of fillGrammarMask, process-wide: the per-call "already done" marks live on the
 * scans and groups themselves (a call would otherwise build a Map and two Sets, garbage that fed
 * scavenges during first visits).
 */
let maskCall = 0;

/** The lexer scans of one grammar over one vocabulary trie. */
export class LexerScanCache {
  private roots = new Map<number, LexerTokenScan>();
  private size = 0;
  // Per-depth scratch for `walk` (see there).
  private readonly stack: Int32Array;
  private readonly openNode: Int32Array;
  private readonly openEnd: Int32Array;
  private readonly openFresh: Int32Array;
  private readonly missingBelow: Uint8Array;
  /**
   * Scratch of `build` for the token ids of a scan below boundaries, reused (code grammars: tens of
   * thousands of ids below identifier boundaries, which a growing array and its copy made garbage of).
   */
  private ids = new Int32Array(1024);
  private idCount = 0;
  /** Trie nodes visited building scans, for benchmarks. */
  visits = 0;

  constructor(
    private readonly lexer: LexemeLexer,
    private readonly trie: TokenTrie,
    private readonly words: number,
    private readonly maxEntries: number,
  ) {
    this.stack = new Int32Array(trie.maxDepth + 1);
    this.openNode = new Int32Array(trie.maxDepth + 1);
    this.openEnd = new Int32Array(trie.maxDepth + 1);
    this.openFresh = new Int32Array(trie.maxDepth + 1);
    this.missingBelow = new Uint8Array(trie.maxDepth + 1);
  }

  /** The scan of the whole trie from lexer state `state` (< 0: a lexeme starts here). */
  root(allowed: number, state: number): LexerTokenScan {
    const narrowed = state >= 0 ? this.lexer.narrow(allowed, state) : allowed;
    // Lexer states interleave DFA states (>= -1) and conditional fresh states (< -1) into non-negative
    // numbers, so that the key stays an exact integer.
    const key = narrowed * 0x1000000 + (state >= -1 ? 2 * (state + 1) : 2 * (-2 - state) + 1);
    let scan = this.roots.get(key);
    if (scan === undefined) {
      this.makeRoom();
      scan = this.build(narrowed, state, ROOT_ONLY);
      this.roots.set(key, scan);
      this.size++;
    }
    return scan;
  }

  /** The scan below every node of `group`, for the lexemes `allowedAfter` allows after the boundary. */
  continuation(group: BoundaryGroup, allowedAfter: number): LexerTokenScan {
    let scan = group.continuations.get(allowedAfter);
    if (scan === undefined) {
      this.makeRoom();
      scan = this.build(allowedAfter, group.fresh, group.nodes);
      group.continuations.set(allowedAfter, scan);
      this.size++;
    }
    return scan;
  }

  /** Sharing only: dropping every entry when full bounds memory and never changes a mask. */
  private makeRoom(): void {
    if (this.size < this.maxEntries) return;
    this.roots = new Map();
    this.size = 0;
  }

  /**
   * One scan below each of `starts` (the root: a dense bitset), merged: the tokens the lexer alone
   * allows and the boundaries grouped by (ended lexemes, fresh state).
   */
  private build(allowed: number, state: number, starts: Int32Array): LexerTokenScan {
    const dense = starts === ROOT_ONLY;
    const bits = dense ? new Uint32Array(this.words) : undefined;
    this.idCount = 0;
    let covered: Uint8Array | undefined;
    // Slices describe paths from the root, so only scans from the root use them.
    const loop = dense && state >= 0 ? this.lexer.scanClass(allowed, state) : undefined;
    if (loop !== undefined) {
      const slice = this.trie.slice(loop);
      bits!.set(slice.bits);
      covered = slice.covered;
    }
    const boundaries = new Map<number, { endId: number; fresh: number; nodes: number[]; seen: Set<number> }>();
    const record = (endId: number, fresh: number, node: number): void => {
      const key = endId * 0x100000 - fresh;
      let group = boundaries.get(key);
      if (group === undefined) boundaries.set(key, (group = { endId, fresh, nodes: [], seen: new Set() }));
      if (group.seen.has(node)) return;
      group.seen.add(node);
      group.nodes.push(node);
    };
    for (let s = 0; s < starts.length; s++) this.walk(allowed, state, starts[s], bits, covered, record);
    if (!dense && this.idCount === 0 && boundaries.size === 0) return EMPTY_SCAN;
    const groups: BoundaryGroup[] = [...boundaries.values()].map((g) => ({
      endId: g.endId,
      fresh: g.fresh,
      nodes: Int32Array.from(g.nodes),
      continuations: new Map(),
      visitedIn: 0,
      visitedFrom: undefined,
      visitedFromMore: undefined,
    }));
    return dense ? { bits, groups, oredIn: 0 } : { ids: this.ids.slice(0, this.idCount), groups, oredIn: 0 };
  }

  /** The lexer alone below trie node `root` (see `build`); tokens go to `bits`, or else to `ids`. */
  private walk(
    allowed: number,
    state: number,
    root: number,
    bits: Uint32Array | undefined,
    covered: Uint8Array | undefined,
    record: (endId: number, fresh: number, node: number) => void,
  ): void {
    const lexer = this.lexer;
    const { nodeByte, nodeDepth, subtreeEnd, nodeTokenStart, tokenIds } = this.trie;
    // The memo tables of `step` and `info`, read inline: a scan is thousands of steps, and first masks
    // are mostly scans (fast paths here, the lexer's methods on a miss; FRESH's row is rows[0]).
    const { rows, info: infos } = lexer.tables(allowed);
    // A fresh lexeme below a node with many children: visit only children that can start it.
    const starts = state < 0 ? lexer.startTable(allowed, state) : undefined;
    // The walk keeps the open path (ancestors of the current node) on per-depth stacks. A boundary is
    // kept only when some token strictly below it is not allowed by the lexer alone (inside a comment
    // or an identifier a lexeme ends at every byte, and most of those subtrees are allowed whole);
    // that is known when the node is closed (post-order).
    const { stack, openNode, openEnd, openFresh, missingBelow } = this;
    const base = nodeDepth[root];
    stack[base] = state;
    missingBelow[base] = 0;
    let top = base;
    let visits = 0;
    const end = subtreeEnd[root];
    let i = root + 1;
    while (i < end) {
      const depth = nodeDepth[i];
      // Close the open nodes deeper than this node's parent.
      while (top >= depth) {
        if (missingBelow[top] !== 0) {
          if (openEnd[top] !== 0) record(openEnd[top], openFresh[top], openNode[top]);
          missingBelow[top - 1] = 1;
        }
        top--;
      }
      if (covered !== undefined && covered[i] !== 0) {
        i = subtreeEnd[i];
        continue;
      }
      const byte = nodeByte[i];
      if (starts !== undefined && depth === base + 1 && starts[byte] === 0) {
        missingBelow[depth - 1] = 1;
        i = subtreeEnd[i];
        continue;
      }
      visits++;
      const parent = stack[depth - 1];
      let d = -2;
      if (parent >= -1) {
        const row = rows[parent + 1];
        if (row !== undefined) d = row[byte];
      }
      if (d === -2) d = lexer.step(allowed, parent, byte);
      if (d < 0) {
        missingBelow[depth - 1] = 1;
        i = subtreeEnd[i];
        continue;
      }
      for (let k = nodeTokenStart[i], stop = nodeTokenStart[i + 1]; k < stop; k++) {
        const id = tokenIds[k];
        if (bits !== undefined) bits[id >>> 5] |= 1 << (id & 31);
        else {
          if (this.idCount === this.ids.length) {
            const grown = new Int32Array(2 * this.ids.length);
            grown.set(this.ids);
            this.ids = grown;
          }
          this.ids[this.idCount++] = id;
        }
      }
      const info = infos[d] ?? lexer.info(allowed, d);
      const endId = info >> 1;
      const hasChildren = subtreeEnd[i] > i + 1;
      if ((info & 1) !== 0) {
        top = depth;
        stack[depth] = d;
        openNode[depth] = i;
        openEnd[depth] = hasChildren ? endId : 0;
        if (endId !== 0) openFresh[depth] = lexer.freshAfter(d);
        missingBelow[depth] = 0;
        i++;
      } else {
        if (hasChildren) {
          // Nothing below continues this lexeme: the tokens below are the parser's, or not allowed.
          missingBelow[depth - 1] = 1;
          if (endId !== 0) record(endId, lexer.freshAfter(d), i);
        }
        i = subtreeEnd[i];
      }
    }
    while (top > base) {
      if (missingBelow[top] !== 0) {
        if (openEnd[top] !== 0) record(openEnd[top], openFresh[top], openNode[top]);
        missingBelow[top - 1] = 1;
      }
      top--;
    }
    this.visits += visits;
  }
}

/** The `starts` of a scan from the trie root. */
const ROOT_ONLY = Int32Array.of(0);

/** The parse-dependent step: the Earley set after lexemes of end list `endId` ended, having started at `origin`. */
export type AfterLexemes = (origin: EarleySet, endId: number) => EarleySet;

/**
 * Fills `out` (zeroed by the caller) with the text tokens allowed from the hypotheses (sets[i], lex[i]).
 * Returns the recursion steps taken (root scans and group continuations), or -1 when `fuel` steps did
 * not suffice, in which case `out` holds a superset (every token below the boundaries not visited).
 */
export function fillGrammarMask(
  sets: readonly EarleySet[],
  lex: Int32Array,
  trie: TokenTrie,
  scans: LexerScanCache,
  after: AfterLexemes,
  out: Uint32Array,
  fuel: number,
): number {
  const fill = new MaskFill(trie, scans, after, out, fuel);
  for (let h = 0; h < sets.length; h++) {
    if (fill.budget-- <= 0) {
      fill.exact = false;
      out.fill(0xffffffff);
      break;
    }
    fill.steps++;
    const scan = scans.root(sets[h].allowed, lex[h]);
    fill.orScan(scan);
    for (const group of scan.groups) fill.visit(sets[h], group);
  }
  return fill.exact ? fill.steps : -1;
}

/** One fillGrammarMask call: the recursion over (Earley set, boundary group). */
class MaskFill {
  budget: number;
  steps = 0;
  exact = true;
  /** This call's number (see maskCall). */
  private readonly call = ++maskCall;

  constructor(
    private readonly trie: TokenTrie,
    private readonly scans: LexerScanCache,
    private readonly after: AfterLexemes,
    private readonly out: Uint32Array,
    fuel: number,
  ) {
    this.budget = fuel;
  }

  /**
   * ORs a scan's tokens in, once per call: a continuation is shared by every set with the same allowed
   * lexemes, and a group is reached from many sets (code: hundreds of (set, group) pairs per cold mask),
   * with tens of thousands of tokens below identifier boundaries.
   */
  orScan(scan: LexerTokenScan): void {
    if (scan.oredIn === this.call) return;
    scan.oredIn = this.call;
    const out = this.out;
    if (scan.bits !== undefined) {
      const bits = scan.bits;
      for (let w = 0; w < bits.length; w++) out[w] |= bits[w];
    } else {
      const ids = scan.ids!;
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k];
        out[id >>> 5] |= 1 << (id & 31);
      }
    }
  }

  /**
   * Continues below `group` after its lexemes ended from `set`. Each (set after, group) is visited once
   * per call: many cuts of the same text reach the same parse (a run of ignored spaces can be cut into
   * lexemes 2^n ways, all ending in the same set).
   */
  visit(set: EarleySet, group: BoundaryGroup): void {
    const next = this.after(set, group.endId);
    if (group.visitedIn !== this.call) {
      group.visitedIn = this.call;
      group.visitedFrom = next;
      group.visitedFromMore = undefined;
    } else {
      if (group.visitedFrom === next) return;
      // Rare (not once in the first C program's masks): a group reached from a second parse.
      const more = (group.visitedFromMore ??= new Set());
      if (more.has(next)) return;
      more.add(next);
    }
    if (this.budget-- <= 0) {
      // Out of fuel: every token below the group's nodes is undecided, so allowed (a superset).
      this.exact = false;
      const { subtreeEnd, nodeTokenStart, tokenIds } = this.trie;
      const out = this.out;
      for (const node of group.nodes) {
        for (let k = nodeTokenStart[node + 1], stop = nodeTokenStart[subtreeEnd[node]]; k < stop; k++) {
          const id = tokenIds[k];
          out[id >>> 5] |= 1 << (id & 31);
        }
      }
      return;
    }
    this.steps++;
    const scan = this.scans.continuation(group, next.allowed);
    this.orScan(scan);
    for (const inner of scan.groups) this.visit(next, inner);
  }
}
