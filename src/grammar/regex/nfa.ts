import { LimitError } from '../../errors.js';
import { charClassAutomaton } from './char-class-automaton.js';
import { CodePointSet } from './code-point-set.js';
import { isWordBoundary, type RegexNode, type WordBoundaryNode } from './regex-node.js';

/**
 * A Thompson-style NFA over bytes for one or more patterns, in flat typed arrays, built in
 * continuation-passing style (each piece is compiled knowing the node that follows it, so no patching).
 * subset-construction.ts determinizes it lazily; nothing here ever backtracks.
 *
 * Node kinds:
 * - EPS: epsilon edges to out1 and out2 (-1 = none); alternation, repetition, joins.
 * - BYTES: consumes one byte; ranges [out1, out1 + out2) of rangeLo/rangeHi/rangeNext, disjoint.
 * - START / END: the assertions `^` / `$` (start / end of input), then out1.
 * - MATCH: pattern `out1` matches here.
 * - WORD_BOUNDARY / NOT_WORD_BOUNDARY: `\b` / `\B`, then out1 (only from compileRegex on pattern text).
 *
 * Counted repetition is unrolled (`x{2,4}` = x x (x (x)?)?, nested so that a state set holds one
 * copy at a time); the node count is capped, so `(a|b){0,1e9}` fails with LimitError at compile time
 * instead of exhausting memory.
 */
export const EPS = 0;
export const BYTES = 1;
export const START = 2;
export const END = 3;
export const MATCH = 4;
export const WORD_BOUNDARY = 5;
export const NOT_WORD_BOUNDARY = 6;
export const NFA_KINDS = Object.freeze({ EPS, BYTES, START, END, MATCH, WORD_BOUNDARY, NOT_WORD_BOUNDARY });

export interface Nfa {
  readonly size: number;
  readonly kind: Uint8Array;
  readonly out1: Int32Array;
  readonly out2: Int32Array;
  readonly rangeLo: Uint8Array;
  readonly rangeHi: Uint8Array;
  readonly rangeNext: Int32Array;
  /** Pattern index of every node. */
  readonly owner: Int32Array;
  /** Entry node of every pattern (-1 when it matches nothing). */
  readonly starts: Int32Array;
  /**
   * Search semantics: per pattern, the node after which any valid UTF-8 continues to match (the
   * trailing "anything" loop), or -1. Reaching it makes the rest of the pattern's threads redundant.
   */
  readonly universal: Int32Array;
  /** The BYTES node of that trailing loop (its only member worth keeping), or -1. */
  readonly universalEntry: Int32Array;
  /**
   * True when the NFA has word boundary assertions: liveness below is then an over-approximation
   * (it does not check both sides of a boundary), and compileRegex adds an exact check.
   */
  readonly hasWordAssertions: boolean;
  /** BYTES nodes from which some continuation reaches MATCH (others are dropped from state sets). */
  readonly liveBytes: Uint8Array;
  /** Byte equivalence classes: bytes in one class are indistinguishable by every BYTES range. */
  readonly classOf: Uint8Array;
  readonly classCount: number;
}

export interface NfaOptions {
  semantics: 'search' | 'full';
  /** Node budget; exceeding it throws LimitError. */
  maxNodes: number;
}

/** Default node budget: about 25 MB of NFA, enough for `.{0,100000}` (7 nodes per `.`). */
export const DEFAULT_MAX_NFA_NODES = 1_000_000;
/** AST nesting limit, so a hostile or generated tree cannot overflow the stack. */
const MAX_DEPTH = 2_000;

/** Any Unicode scalar value: the search-mode prefix and suffix loops. */
const ANY_SCALAR = CodePointSet.all();

class NfaBuilder {
  // Plain arrays while building (cheap to create and grow; most patterns are a few dozen nodes),
  // typed arrays once built.
  readonly kind: number[] = [];
  readonly out1: number[] = [];
  readonly out2: number[] = [];
  readonly owner: number[] = [];
  readonly rangeLo: number[] = [];
  readonly rangeHi: number[] = [];
  readonly rangeNext: number[] = [];
  pattern = 0;
  depth = 0;
  hasWordAssertions = false;

  constructor(private readonly maxNodes: number) {}

  node(kind: number, a: number, b: number): number {
    if (this.kind.length >= this.maxNodes) this.overBudget();
    this.kind.push(kind);
    this.out1.push(a);
    this.out2.push(b);
    this.owner.push(this.pattern);
    return this.owner.length - 1;
  }

  eps(a: number, b: number): number {
    if (a < 0) return b;
    if (b < 0) return a;
    return this.node(EPS, a, b);
  }

  /** Emits the byte automaton of `set` leading to `next`; -1 when the set has no encodable member. */
  chars(set: CodePointSet, next: number): number {
    const { nodes } = charClassAutomaton(set);
    if (nodes.length === 0) return -1;
    if (nodes.length === 1) {
      // One node (an ASCII class): every edge exits.
      const edges = nodes[0].edges;
      const first = this.rangeLo.length;
      for (let k = 0; k < edges.length; k += 3) {
        this.rangeLo.push(edges[k]);
        this.rangeHi.push(edges[k + 1]);
        this.rangeNext.push(next);
      }
      return this.node(BYTES, first, edges.length / 3);
    }
    const ids = new Int32Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) {
      const edges = nodes[i].edges;
      const first = this.rangeLo.length;
      for (let k = 0; k < edges.length; k += 3) {
        this.rangeLo.push(edges[k]);
        this.rangeHi.push(edges[k + 1]);
        this.rangeNext.push(edges[k + 2] < 0 ? next : ids[edges[k + 2]]); // < 0: EXIT
      }
      ids[i] = this.node(BYTES, first, edges.length / 3);
    }
    return ids[nodes.length - 1];
  }

  /**
   * Upper bound of the nodes `node` compiles to, so that an oversized repetition fails at once rather
   * than after filling the budget. Memoised per tree object (trees are shared by repetition).
   */
  estimate(node: RegexNode, memo = new Map<RegexNode, number>(), depth = 0): number {
    let n = memo.get(node);
    if (n !== undefined) return n;
    if (depth > MAX_DEPTH) throw new LimitError(`regex nested deeper than ${MAX_DEPTH} levels`, { limit: 'regex-depth' });
    switch (node.kind) {
      case 'chars':
        n = charClassAutomaton(node.set).nodes.length;
        break;
      case 'concat':
      case 'alt':
        n = node.items.length;
        for (const item of node.items) n += this.estimate(item, memo, depth + 1);
        break;
      case 'repeat': {
        const copies = node.max === Infinity ? node.min + 1 : node.max;
        n = copies * (this.estimate(node.item, memo, depth + 1) + 1);
        break;
      }
      default:
        n = 1;
    }
    memo.set(node, n);
    return n;
  }

  checkBudget(nodes: number): void {
    if (nodes > this.maxNodes) this.overBudget();
  }

  private overBudget(): never {
    throw new LimitError(
      `regex automaton exceeds ${this.maxNodes} NFA nodes (counted repetition too large?); ` +
        'reduce the repetition bounds or match the length separately',
      { limit: 'regex-nfa-nodes' },
    );
  }

  /** Compiles `node` in continuation-passing style: the returned entry leads to `next` on a match. */
  compile(node: RegexNode, next: number): number {
    if (++this.depth > MAX_DEPTH) {
      throw new LimitError(`regex nested deeper than ${MAX_DEPTH} levels`, { limit: 'regex-depth' });
    }
    try {
      return this.compileNode(node, next);
    } finally {
      this.depth--;
    }
  }

  private compileNode(node: RegexNode, next: number): number {
    if (isWordBoundary(node)) {
      this.hasWordAssertions = true;
      return this.node((node as unknown as WordBoundaryNode).negated ? NOT_WORD_BOUNDARY : WORD_BOUNDARY, next, -1);
    }
    switch (node.kind) {
      case 'empty':
        return next;
      case 'nothing':
        return -1;
      case 'chars':
        return this.chars(node.set, next);
      case 'bytes': {
        const ranges = node.set.ranges();
        if (ranges.length === 0) return -1;
        const first = this.rangeLo.length;
        for (const [lo, hi] of ranges) {
          this.rangeLo.push(lo);
          this.rangeHi.push(hi);
          this.rangeNext.push(next);
        }
        return this.node(BYTES, first, ranges.length);
      }
      case 'anchor':
        return this.node(node.which === 'start' ? START : END, next, -1);
      case 'concat': {
        let t = next;
        for (let i = node.items.length - 1; i >= 0 && t >= 0; i--) t = this.compile(node.items[i], t);
        return t;
      }
      case 'alt': {
        let t = -1;
        for (let i = node.items.length - 1; i >= 0; i--) t = this.eps(this.compile(node.items[i], next), t);
        return t;
      }
      case 'repeat':
        return this.repeat(node.item, node.min, node.max, next);
    }
  }

  private repeat(item: RegexNode, min: number, max: number, next: number): number {
    let t: number;
    if (max === Infinity) {
      // loop: EPS(item -> loop, next)
      const loop = this.node(EPS, -1, next);
      this.out1[loop] = this.compile(item, loop);
      t = loop;
    } else {
      t = next;
      for (let k = min; k < max; k++) t = this.eps(this.compile(item, t), next);
    }
    for (let k = 0; k < min && t >= 0; k++) t = this.compile(item, t);
    return t;
  }
}

/** Builds the NFA of `patterns` (pattern i reports MATCH with owner i). */
export function buildNfa(patterns: readonly RegexNode[], options: NfaOptions): Nfa {
  const b = new NfaBuilder(options.maxNodes);
  const starts = new Int32Array(patterns.length);
  const universal = new Int32Array(patterns.length).fill(-1);
  const universalEntry = new Int32Array(patterns.length).fill(-1);
  let estimate = 0;
  for (const pattern of patterns) estimate += b.estimate(pattern);
  b.checkBudget(estimate);
  for (let p = 0; p < patterns.length; p++) {
    b.pattern = p;
    const match = b.node(MATCH, p, -1);
    if (options.semantics === 'full') {
      starts[p] = b.compile(patterns[p], match);
      continue;
    }
    // RegExp.prototype.test: any text, the pattern, any text. The text around must itself be valid
    // UTF-8, so the loops consume whole scalar values.
    const tail = b.node(EPS, match, -1);
    const tailEntry = b.chars(ANY_SCALAR, tail);
    b.out2[tail] = tailEntry;
    universal[p] = tail;
    universalEntry[p] = tailEntry;
    const body = b.compile(patterns[p], tail);
    if (body < 0) {
      starts[p] = -1;
      continue;
    }
    const head = b.node(EPS, -1, body);
    const headEntry = b.chars(ANY_SCALAR, head);
    b.out1[head] = headEntry;
    starts[p] = head;
  }

  const size = b.kind.length;
  const kind = Uint8Array.from(b.kind);
  const out1 = Int32Array.from(b.out1);
  const out2 = Int32Array.from(b.out2);
  const rangeLo = Uint8Array.from(b.rangeLo);
  const rangeHi = Uint8Array.from(b.rangeHi);
  const rangeNext = Int32Array.from(b.rangeNext);
  const { classOf, classCount } = byteClasses(rangeLo, rangeHi, b.hasWordAssertions);
  const liveBytes = liveness(size, kind, out1, out2, rangeNext);
  return {
    size,
    kind,
    out1,
    out2,
    rangeLo,
    rangeHi,
    rangeNext,
    owner: Int32Array.from(b.owner),
    starts,
    universal,
    universalEntry,
    hasWordAssertions: b.hasWordAssertions,
    liveBytes,
    classOf,
    classCount,
  };
}

/**
 * Splits 0..255 at every range boundary: bytes between two boundaries behave identically. A word
 * boundary also tells word bytes [0-9A-Za-z_] from the others, so those edges split classes too.
 */
function byteClasses(rangeLo: Uint8Array, rangeHi: Uint8Array, wordBytes: boolean): { classOf: Uint8Array; classCount: number } {
  const boundary = new Uint8Array(257);
  for (let r = 0; r < rangeLo.length; r++) {
    boundary[rangeLo[r]] = 1;
    boundary[rangeHi[r] + 1] = 1;
  }
  if (wordBytes) for (const edge of [0x30, 0x3a, 0x41, 0x5b, 0x5f, 0x60, 0x61, 0x7b]) boundary[edge] = 1;
  const classOf = new Uint8Array(256);
  let cls = 0;
  for (let byte = 0; byte < 256; byte++) {
    if (byte > 0 && boundary[byte]) cls++;
    classOf[byte] = cls;
  }
  return { classOf, classCount: cls + 1 };
}

/**
 * Which BYTES nodes can still lead to a match, so that the DFA drops hopeless threads and `step`
 * reports a dead end as soon as the input has no completion (exactly, not just when the thread set
 * empties). E: MATCH reachable through epsilon and `$` edges alone (the end of input). L: E reachable
 * through epsilon and byte edges. `^` edges never count: after a byte has been read they cannot pass
 * (the initial state resolves them when it is built). A `$` followed by a byte can never pass either,
 * which is why `$` edges appear only in E.
 */
function liveness(size: number, kind: Uint8Array, out1: Int32Array, out2: Int32Array, rangeNext: Int32Array): Uint8Array {
  // Predecessor lists (CSR): count, prefix sums, fill.
  const start = new Int32Array(size + 1);
  for (let n = 0; n < size; n++) {
    const k = kind[n];
    if (k === EPS) {
      if (out1[n] >= 0) start[out1[n] + 1]++;
      if (out2[n] >= 0) start[out2[n] + 1]++;
    } else if (k === BYTES) {
      for (let r = out1[n], end = out1[n] + out2[n]; r < end; r++) start[rangeNext[r] + 1]++;
    } else if (k !== MATCH) {
      start[out1[n] + 1]++;
    }
  }
  for (let n = 0; n < size; n++) start[n + 1] += start[n];
  const preds = new Int32Array(start[size]);
  const fill = start.slice(0, size);
  for (let n = 0; n < size; n++) {
    const k = kind[n];
    if (k === EPS) {
      if (out1[n] >= 0) preds[fill[out1[n]]++] = n;
      if (out2[n] >= 0) preds[fill[out2[n]]++] = n;
    } else if (k === BYTES) {
      for (let r = out1[n], end = out1[n] + out2[n]; r < end; r++) preds[fill[rangeNext[r]]++] = n;
    } else if (k !== MATCH) {
      preds[fill[out1[n]]++] = n;
    }
  }

  const inE = new Uint8Array(size);
  const inL = new Uint8Array(size);
  const stack = new Int32Array(size);
  let top = 0;
  for (let n = 0; n < size; n++) {
    if (kind[n] === MATCH) {
      inE[n] = 1;
      stack[top++] = n;
    }
  }
  while (top > 0) {
    const n = stack[--top];
    for (let i = start[n]; i < start[n + 1]; i++) {
      const p = preds[i];
      if (!inE[p] && (kind[p] === EPS || kind[p] === END || kind[p] >= WORD_BOUNDARY)) {
        inE[p] = 1;
        stack[top++] = p;
      }
    }
  }
  for (let n = 0; n < size; n++) {
    if (inE[n]) {
      inL[n] = 1;
      stack[top++] = n;
    }
  }
  while (top > 0) {
    const n = stack[--top];
    for (let i = start[n]; i < start[n + 1]; i++) {
      const p = preds[i];
      if (!inL[p] && (kind[p] === EPS || kind[p] === BYTES || kind[p] >= WORD_BOUNDARY)) {
        inL[p] = 1;
        stack[top++] = p;
      }
    }
  }
  const liveBytes = new Uint8Array(size);
  for (let n = 0; n < size; n++) if (kind[n] === BYTES && inL[n]) liveBytes[n] = 1;
  return liveBytes;
}
