import type { TokenTrie } from '../vocab/token-trie.js';
import type { EarleySet } from './earley-chart.js';
import type { LexemeLexer } from './lexeme-lexer.js';

/**
 * Token masks of grammar states, split at lexeme boundaries (the idea behind XGrammar's
 * context-independent tokens and llguidance's lexer-driven walk, taken all the way down):
 *
 * A *scan* is the lexer alone walking the trie below a node, from one lexer configuration (allowed
 * lexeme set, DFA state). It depends on nothing else, so it is computed once per grammar and vocabulary
 * and cached. A token below the node whose bytes keep some allowed lexeme alive to its end is allowed
 * whatever the parse (including one ending exactly where a lexeme ends). Where lexemes end strictly
 * inside tokens (boundary nodes with children) the scan records the boundary, grouped by which lexemes
 * ended, unless the lexer alone already allows every token below it (inside a comment or an identifier
 * lexemes end at every byte). Subtrees of a byte class the lexer loops on (string bodies, whitespace,
 * digits) are ORed in from the vocabulary's slices and never walked.
 *
 * The mask of a state is then a recursion over (Earley set, lexer state, trie node), each visited once:
 * OR the scan's tokens, and for each boundary group take the Earley set after the ended lexemes
 * (memoised on the set) and recurse at the boundary nodes where a lexeme allowed there can start (that
 * list is cached per group and allowed set, so it is context-free too). Only the Earley transitions
 * depend on the parse, so a state seen for the first time (a new nesting context) costs a few dozen
 * cached lookups, not a trie walk. Measured on the JSON corpus with Llama-3 (bench/grammar.ts): the
 * median new state takes ~10 recursion steps where a cursor walk of the trie took 1,000-5,000 pushes.
 */
export interface LexerTokenScan {
  /** Tokens allowed by the lexer alone: a dense bitset (scans from the root) or a sorted id list. */
  readonly bits?: Uint32Array;
  readonly ids?: Int32Array;
  /** Boundaries grouped by the id of the list of lexemes that end there. */
  readonly groups: readonly BoundaryGroup[];
}

interface BoundaryGroup {
  readonly endId: number;
  /** The fresh lexer state in which the next lexeme starts (FRESH, or conditional under longest match). */
  readonly fresh: number;
  /** Trie nodes (with children) where the lexemes of `endId` end. */
  readonly nodes: Int32Array;
  /** Per allowed set after the boundary: the nodes where a lexeme allowed there can start (see `live`). */
  readonly live: Map<number, Int32Array>;
}

const EMPTY_SCAN: LexerTokenScan = { ids: new Int32Array(0), groups: [] };

/** The lexer scans of one grammar over one vocabulary trie. */
export class LexerScanCache {
  private scans = new Map<number, Map<number, LexerTokenScan>>();
  private size = 0;
  // Per-depth scratch for `build` (see there).
  private readonly stack: Int32Array;
  private readonly openNode: Int32Array;
  private readonly openEnd: Int32Array;
  private readonly openFresh: Int32Array;
  private readonly missingBelow: Uint8Array;
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

  /** The scan below trie `node` from lexer state `state` (< 0: a lexeme starts at the node). */
  get(allowed: number, state: number, node: number): LexerTokenScan {
    // Two levels keep keys exact: (allowed set, lexer state) -> node -> scan. Lexer states interleave
    // DFA states (>= -1) and conditional fresh states (< -1) into non-negative numbers.
    const configKey = allowed * 0x1000000 + (state >= -1 ? 2 * (state + 1) : 2 * (-2 - state) + 1);
    let byNode = this.scans.get(configKey);
    if (byNode === undefined) this.scans.set(configKey, (byNode = new Map()));
    let scan = byNode.get(node);
    if (scan === undefined) {
      // Sharing only: dropping every entry when full bounds memory and never changes a mask.
      if (this.size >= this.maxEntries) {
        this.scans = new Map([[configKey, (byNode = new Map())]]);
        this.size = 0;
      }
      scan = this.build(allowed, state, node);
      byNode.set(node, scan);
      this.size++;
    }
    return scan;
  }

  /**
   * The nodes of `group` with a child whose byte can start a lexeme allowed at `allowedAfter` (a cheap
   * superset of the nodes whose scan is not empty; identifier-like lexemes end at nearly every node).
   */
  live(group: BoundaryGroup, allowedAfter: number): Int32Array {
    let list = group.live.get(allowedAfter);
    if (list === undefined) {
      const starts = this.lexer.startTable(allowedAfter, group.fresh);
      const { nodeByte, subtreeEnd } = this.trie;
      const out: number[] = [];
      for (const node of group.nodes) {
        for (let c = node + 1, end = subtreeEnd[node]; c < end; c = subtreeEnd[c]) {
          if (starts[nodeByte[c]] !== 0) {
            out.push(node);
            break;
          }
        }
      }
      list = Int32Array.from(out);
      group.live.set(allowedAfter, list);
    }
    return list;
  }

  private build(allowed: number, state: number, root: number): LexerTokenScan {
    const lexer = this.lexer;
    const trie = this.trie;
    const { nodeByte, nodeDepth, subtreeEnd, nodeTokenStart, tokenIds } = trie;
    const dense = root === 0;
    const bits = dense ? new Uint32Array(this.words) : undefined;
    const ids: number[] = [];
    let covered: Uint8Array | undefined;
    // Slices describe paths from the root, so only scans from the root use them.
    const loops = dense && state >= 0 ? lexer.loopClasses(allowed, state) : [];
    if (loops.length > 0) {
      const slice = trie.sliceUnion(loops);
      bits!.set(slice.bits);
      covered = slice.covered;
    }
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
    const close = (depth: number): void => {
      while (top > depth) {
        if (missingBelow[top] !== 0) {
          if (openEnd[top] !== 0) record(openEnd[top], openFresh[top], openNode[top]);
          missingBelow[top - 1] = 1;
        }
        top--;
      }
    };
    const boundaries = new Map<number, { endId: number; fresh: number; nodes: number[] }>();
    const record = (endId: number, fresh: number, node: number): void => {
      const key = endId * 0x100000 - fresh;
      let group = boundaries.get(key);
      if (group === undefined) boundaries.set(key, (group = { endId, fresh, nodes: [] }));
      group.nodes.push(node);
    };
    const end = subtreeEnd[root];
    let i = root + 1;
    while (i < end) {
      const depth = nodeDepth[i];
      close(depth - 1);
      if (covered !== undefined && covered[i] !== 0) {
        i = subtreeEnd[i];
        continue;
      }
      if (starts !== undefined && depth === base + 1 && starts[nodeByte[i]] === 0) {
        missingBelow[depth - 1] = 1;
        i = subtreeEnd[i];
        continue;
      }
      this.visits++;
      const d = lexer.step(allowed, stack[depth - 1], nodeByte[i]);
      if (d < 0) {
        missingBelow[depth - 1] = 1;
        i = subtreeEnd[i];
        continue;
      }
      for (let k = nodeTokenStart[i], stop = nodeTokenStart[i + 1]; k < stop; k++) {
        const id = tokenIds[k];
        if (bits !== undefined) bits[id >>> 5] |= 1 << (id & 31);
        else ids.push(id);
      }
      const info = lexer.info(allowed, d);
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
    close(base);
    const groups: BoundaryGroup[] = [...boundaries.values()].map((g) => ({ ...g, nodes: Int32Array.from(g.nodes), live: new Map() }));
    if (!dense && ids.length === 0 && groups.length === 0) return EMPTY_SCAN;
    return dense ? { bits, groups } : { ids: Int32Array.from(ids), groups };
  }
}

/** The parse-dependent step: the Earley set after lexemes of end list `endId` ended, having started at `origin`. */
export type AfterLexemes = (origin: EarleySet, endId: number) => EarleySet;

/**
 * Fills `out` (zeroed by the caller) with the text tokens allowed from the hypotheses (sets[i], lex[i]).
 * Returns the recursion steps taken, or -1 when `fuel` steps did not suffice, in which case `out` holds
 * a superset (every token below the boundaries not visited).
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
  let budget = fuel;
  let steps = 0;
  let exact = true;
  const { subtreeEnd, nodeTokenStart, tokenIds, nodeCount } = trie;
  // Each (set, lexer state, node) is filled once per call: many cuts of the same text reach the same
  // parse (a run of ignored spaces can be cut into lexemes 2^n ways, all ending in the same set).
  // (set, state) pairs are numbered locally so that the key stays an exact small integer.
  const pairs = new Map<EarleySet, Map<number, number>>();
  let pairCount = 0;
  const done = new Set<number>();

  const fill = (set: EarleySet, state: number, node: number): void => {
    let byState = pairs.get(set);
    if (byState === undefined) pairs.set(set, (byState = new Map()));
    let pair = byState.get(state);
    if (pair === undefined) byState.set(state, (pair = pairCount++));
    const key = pair * nodeCount + node;
    if (done.has(key)) return;
    done.add(key);
    if (budget-- <= 0) {
      // Out of fuel: every token below this node is undecided, so allowed (a superset).
      exact = false;
      for (let k = nodeTokenStart[node + 1]; k < nodeTokenStart[subtreeEnd[node]]; k++) {
        const id = tokenIds[k];
        out[id >>> 5] |= 1 << (id & 31);
      }
      return;
    }
    steps++;
    const scan = scans.get(set.allowed, state, node);
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
    for (const group of scan.groups) {
      const next = after(set, group.endId);
      const live = scans.live(group, next.allowed);
      for (let k = 0; k < live.length; k++) fill(next, group.fresh, live[k]);
    }
  };

  for (let h = 0; h < sets.length; h++) fill(sets[h], lex[h], 0);
  return exact ? steps : -1;
}
