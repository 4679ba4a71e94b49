import type { ByteClassId, ByteCursor } from '../automaton/byte-machine.js';
import type { TokenTrie } from '../vocab/token-trie.js';
import { minusBits, subsetBits } from './bits.js';
import { runCovers, RUN_MIN_NODES, type RunSpans } from './counted-runs.js';
import { keepBodyWalk, sharedBodyWalk } from './shared-body-walks.js';
import { bodyBits, stringExits, type SpecialRoots, type SuffixTrie } from './string-exits.js';

/**
 * The trie walk behind the schema machine's masks (ByteMachine.fillMask), with BUDGETED slices: in a
 * string with `maxLength: 20` and 5 characters read, every string-body token of at most 15 characters
 * is allowed, so those tokens are ORed in from a precomputed bitset and their subtrees skipped, exactly
 * as the token automaton does for unbounded slices. Without the budget every such state walks the whole
 * string-body part of the trie (~265k nodes, ~20-80 ms on Llama-3); with it the walk only visits the
 * tokens that leave the string or run past the budget.
 */

interface TrieLengths {
  /** Characters (UTF-8 lead bytes) on the path to each node. */
  readonly chars: Uint16Array;
  /** Largest `chars` in each node's subtree. */
  readonly maxBelow: Uint16Array;
  /** Per slice class and budget: tokens of the slice with at most `budget` characters. */
  readonly byBudget: Map<string, Uint32Array>;
}

const lengths = new WeakMap<TokenTrie, TrieLengths>();

function trieLengths(trie: TokenTrie): TrieLengths {
  let t = lengths.get(trie);
  if (t === undefined) {
    const { nodeByte, nodeDepth, subtreeEnd, nodeCount } = trie;
    const chars = new Uint16Array(nodeCount);
    const maxBelow = new Uint16Array(nodeCount);
    const stack = new Int32Array(trie.maxDepth + 2);
    stack[0] = 0;
    for (let i = 1; i < nodeCount; i++) {
      const d = nodeDepth[i];
      const parent = stack[d - 1];
      const b = nodeByte[i];
      chars[i] = chars[parent] + (b < 0x80 || b >= 0xc0 ? 1 : 0);
      stack[d] = i;
    }
    // Subtree maxima in reverse pre-order: children come after their parent.
    for (let i = nodeCount - 1; i >= 0; i--) {
      let m = chars[i];
      for (let j = i + 1; j < subtreeEnd[i]; j = subtreeEnd[j]) if (maxBelow[j] > m) m = maxBelow[j];
      maxBelow[i] = m;
    }
    t = { chars, maxBelow, byBudget: new Map() };
    lengths.set(trie, t);
  }
  return t;
}

/** The tokens of slice `classId` with at most `budget` characters (cached per trie, class and budget). */
function budgetBits(trie: TokenTrie, classId: ByteClassId, budget: number): Uint32Array {
  const t = trieLengths(trie);
  const key = `${classId}/${budget}`;
  let bits = t.byBudget.get(key);
  if (bits === undefined) {
    const slice = trie.slice(classId).bits;
    bits = new Uint32Array(slice.length);
    const { nodeTokenStart, tokenIds, nodeCount } = trie;
    const chars = t.chars;
    for (let i = 1; i < nodeCount; i++) {
      if (chars[i] > budget) continue;
      for (let k = nodeTokenStart[i], end = nodeTokenStart[i + 1]; k < end; k++) {
        const id = tokenIds[k];
        const bit = 1 << (id & 31);
        if (slice[id >>> 5] & bit) bits[id >>> 5] |= bit;
      }
    }
    t.byBudget.set(key, bits);
  }
  return bits;
}

/** The indices of the non-zero words of a bitset (cached per bitset: slices are built once). */
const nonZeroWords = new WeakMap<Uint32Array, Int32Array>();

/**
 * ORs `bits` into `out` through its non-zero words: the whitespace and digit slices hold a small part
 * of Llama-3's 128k tokens, and OR-ing all 4,009 words was ~4% of the time of object-state masks.
 */
function orWords(out: Uint32Array, bits: Uint32Array): void {
  let words = nonZeroWords.get(bits);
  if (words === undefined) {
    const list: number[] = [];
    for (let w = 0; w < bits.length; w++) if (bits[w] !== 0) list.push(w);
    words = Int32Array.from(list);
    nonZeroWords.set(bits, words);
  }
  for (let k = 0; k < words.length; k++) out[words[k]] |= bits[words[k]];
}

/**
 * Fills `out` with the tokens the cursor accepts. With a slice (`classId`), every slice token of at
 * most `budget` characters is taken from the precomputed set (the caller guarantees they are all
 * accepted) and fully covered subtrees within the budget are skipped. Returns the nodes visited, or -1
 * when `fuel` ran out (then `out` is all ones: a superset).
 */
export function budgetedWalk(
  trie: TokenTrie,
  cursor: ByteCursor,
  out: Uint32Array,
  fuel: number,
  classId: ByteClassId | undefined,
  budget: number,
): number {
  let covered: Uint8Array | undefined;
  let maxBelow: Uint16Array | undefined;
  if (classId !== undefined) {
    const slice = trie.slice(classId);
    covered = slice.covered;
    const bits = budget >= trie.maxDepth ? slice.bits : budgetBits(trie, classId, budget);
    orWords(out, bits);
    if (budget < trie.maxDepth) maxBelow = trieLengths(trie).maxBelow;
  }
  return walkUncovered(trie, cursor, out, fuel, 0, covered, maxBelow, budget);
}

/**
 * The walk both masks end with: every trie node the cursor accepts marks its tokens in `out`, except
 * subtrees already in `out` (`covered[i] !== 0` and, when `maxChars` is given, `maxChars[i] <= budget`).
 * Counts visited nodes on from `work`; returns the total, or -1 when it passes `fuel` (then `out` is
 * all ones: a superset).
 */
function walkUncovered(
  trie: TokenTrie,
  cursor: ByteCursor,
  out: Uint32Array,
  fuel: number,
  work: number,
  covered: Uint8Array | undefined,
  maxChars: Uint16Array | undefined,
  budget: number,
): number {
  const { nodeByte, nodeDepth, subtreeEnd, nodeTokenStart, tokenIds, nodeCount } = trie;
  let depth = 0;
  let i = 1;
  while (i < nodeCount) {
    if (covered !== undefined && covered[i] !== 0 && (maxChars === undefined || maxChars[i] <= budget)) {
      i = subtreeEnd[i];
      continue;
    }
    if (work++ >= fuel) {
      out.fill(0xffffffff);
      return -1;
    }
    const d = nodeDepth[i];
    while (depth >= d) {
      cursor.pop();
      depth--;
    }
    if (cursor.push(nodeByte[i])) {
      depth++;
      for (let k = nodeTokenStart[i], end = nodeTokenStart[i + 1]; k < end; k++) {
        const id = tokenIds[k];
        out[id >>> 5] |= 1 << (id & 31);
      }
      i++;
    } else {
      i = subtreeEnd[i];
    }
  }
  return work;
}

/**
 * How a string-state mask treats the tokens that close the string: `after` is a cursor right after the
 * closing quote (null when the string cannot close here), valid for every body prefix; `exceptions` are
 * body prefixes after which the closing differs (the rest of a property name: the key then names that
 * property), whose tokens are walked exactly; `at` makes a fresh cursor at the string state; `escapes`,
 * when given, lets the escape tokens be decided by groups (see walkSpecialRoots) instead of a walk.
 */
export interface ExitPlan {
  readonly after: ByteCursor | null;
  readonly exceptions: readonly Uint8Array[];
  at(): ByteCursor;
  readonly escapes?: PrefixGroups;
}

/**
 * What decides the special tokens of a string state by groups (walkSpecialRoots): the string's
 * product state and its step. The machine gives it only where the state a body-only prefix leads to is
 * a function of the product state it reaches (and of its character count, `counted`): the string keeps
 * no text, or a key keeps it only to refuse written keys, whose `rests` (the bytes that would repeat
 * one) send the prefixes still spelling one to an exact walk.
 */
export interface PrefixGroups {
  readonly ps: number;
  readonly plan: { step(ps: number, byte: number): number };
  readonly rests: readonly Uint8Array[];
  /** The character count matters (a length limit): groups are by product state and count. */
  readonly counted: boolean;
}

/**
 * Mask of a string state whose automata let every character through (see string-exits.ts): BODY and
 * PARTIAL tokens within `budget` characters from a bitset; with an exit plan, CLOSE tokens by suffix;
 * the remaining tokens by a walk. Without an exit plan, `groups` (when given) decides CLOSE and escape
 * tokens by groups instead of the walk; it also means that no body character can end the string's
 * life but by its count, so the BODY/PARTIAL tokens allowed are those up to the count at which `a`s
 * pushed on the cursor stop being accepted (more than `budget` when atoms with longer limits survive
 * the death of the shortest). Returns the work done, or -1 past `fuel` (then `out` is all ones).
 */
export function stringWalk(
  trie: TokenTrie,
  cursor: ByteCursor,
  out: Uint32Array,
  fuel: number,
  budget: number,
  exit: ExitPlan | undefined,
  groups?: PrefixGroups,
): number {
  const exits = stringExits(trie);
  let bodyChars = budget;
  const longest = exits.maxBodyChars[0];
  if (exit === undefined && groups !== undefined && budget < longest) {
    let pushed = 0;
    while (pushed < longest && cursor.push(0x61)) pushed++;
    for (let k = 0; k < pushed; k++) cursor.pop();
    bodyChars = pushed;
  }
  const body = bodyBits(trie, exits, bodyChars);
  for (let w = 0; w < out.length; w++) out[w] |= body[w];
  let work = 0;
  if (exit !== undefined) {
    if (exit.after !== null) {
      const tokens = exits.afterQuote.tokens;
      work += walkSuffixTrie(exits.afterQuote, exit.after, (s) => {
        const ids = tokens[s];
        for (let k = 0; k < ids.length; k++) out[ids[k] >>> 5] |= 1 << (ids[k] & 31);
      });
    }
    if (exit.exceptions.length > 0) {
      // One cursor for every exception (each walk leaves it where it found it): its memo of full steps
      // is shared, and a key with 64 names to finish no longer allocates 64 cursors per mask.
      const at = exit.at();
      for (const prefix of exit.exceptions) work += walkException(trie, at, out, prefix);
    }
    if (exit.escapes !== undefined) return work + walkSpecialRoots(trie, exits.backslashRoots, exits.afterBackslash, 0x5c, exit.at(), out, exit.escapes);
  } else if (groups !== undefined) {
    work += bodyChars === budget ? 0 : bodyChars + 1;
    work += walkSpecialRoots(trie, exits.quoteRoots, exits.afterQuote, 0x22, cursor, out, groups);
    return work + walkSpecialRoots(trie, exits.backslashRoots, exits.afterBackslash, 0x5c, cursor, out, groups);
  }
  const covered = exit !== undefined ? exits.exitCovered : exits.bodyCovered;
  return walkUncovered(trie, cursor, out, fuel, work, covered, exits.maxBodyChars, budget);
}

/**
 * The tokens below `roots` (every token whose first special byte is `special`, after a body-only
 * prefix), decided by groups: prefixes that lead the string's product automaton to the same state (and,
 * when counted, add as many characters) lead the machine to the same state, so one cursor per group
 * pushes one member's prefix and the special byte, and walks the shared suffix trie once for all its
 * members (measured on Llama-3: ~150 roots of each kind, a few groups per mask, where the trie walk
 * stepped the full machine through every prefix). A prefix still spelling a written key's rest is
 * walked exactly. `cursor` is left where it was given.
 */
function walkSpecialRoots(trie: TokenTrie, roots: SpecialRoots, after: SuffixTrie, special: number, cursor: ByteCursor, out: Uint32Array, g: PrefixGroups): number {
  const { node, pathStart, path } = roots;
  const n = node.length;
  const groupOf = new Int32Array(n);
  const representatives: number[] = [];
  const groupByState = new Map<number, number>();
  const exact: number[] = [];
  let work = 0;
  for (let r = 0; r < n; r++) {
    const from = pathStart[r];
    const to = pathStart[r + 1];
    let ps = g.ps;
    for (let k = from; k < to; k++) ps = g.plan.step(ps, path[k]);
    work += to - from;
    if (g.rests.length > 0 && spellsRest(g.rests, path, from, to)) {
      groupOf[r] = -1;
      exact.push(r);
      continue;
    }
    // The characters a prefix adds are its lead bytes.
    let chars = 0;
    if (g.counted) for (let k = from; k < to; k++) if (path[k] < 0x80 || path[k] >= 0xc0) chars++;
    const key = g.counted ? ps * 4096 + chars : ps;
    let group = groupByState.get(key);
    if (group === undefined) {
      group = representatives.length;
      representatives.push(r);
      groupByState.set(key, group);
    }
    groupOf[r] = group;
  }
  const members = new Int32Array(representatives.length);
  for (let r = 0; r < n; r++) if (groupOf[r] >= 0) members[groupOf[r]]++;
  const { subtreeEnd, nodeDepth } = trie;
  const { tokens, roots: rootOf } = after;
  for (let group = 0; group < representatives.length; group++) {
    const r = representatives[group];
    const length = pathStart[r + 1] - pathStart[r];
    const pushed = pushPrefix(cursor, path, pathStart[r], pathStart[r + 1]);
    work += pushed;
    if (pushed === length && members[group] < SUFFIX_TRIE_MEMBERS) {
      // A small group: each member's own subtree from the shared cursor (the cursor's memo of full
      // steps serves the members' common first bytes), cheaper than the whole suffix trie.
      // walkRange counts depths from the base it is given: a member's prefix may be longer or shorter.
      for (let m = r; m < n; m++) if (groupOf[m] === group) work += walkRange(trie, cursor, out, node[m], subtreeEnd[node[m]], nodeDepth[node[m]] - 1);
    } else if (pushed === length && cursor.push(special)) {
      work += 1 + walkSuffixTrie(after, cursor, (s) => {
        const ids = tokens[s];
        const of = rootOf[s];
        for (let k = 0; k < ids.length; k++) if (groupOf[of[k]] === group) out[ids[k] >>> 5] |= 1 << (ids[k] & 31);
      });
      cursor.pop();
    }
    for (let k = 0; k < pushed; k++) cursor.pop();
  }
  for (const r of exact) {
    const length = pathStart[r + 1] - pathStart[r];
    const pushed = pushPrefix(cursor, path, pathStart[r], pathStart[r + 1]);
    if (pushed === length) work += walkRange(trie, cursor, out, node[r], subtreeEnd[node[r]], length);
    for (let k = 0; k < pushed; k++) cursor.pop();
  }
  return work;
}

/**
 * Groups of at least this many roots walk the shared suffix trie once; smaller ones walk their members'
 * subtrees (a key's name automaton moves on most bytes: its groups are mostly single roots).
 */
const SUFFIX_TRIE_MEMBERS = 8;

/**
 * Visits the nodes of a suffix trie that `cursor` accepts from where it stands (the root first), calling
 * `accepted` on each; returns the children tried. The cursor is left where it was given.
 */
function walkSuffixTrie(trie: SuffixTrie, cursor: ByteCursor, accepted: (node: number) => void): number {
  return visitSuffixNode(trie, cursor, accepted, 0);
}

/**
 * walkSuffixTrie below node `s`; returns the children tried. A function of its own rather than a
 * recursive closure: under tsx each named closure costs a defineProperty per call, once per exit walk.
 */
function visitSuffixNode(trie: SuffixTrie, cursor: ByteCursor, accepted: (node: number) => void, s: number): number {
  accepted(s);
  let work = 0;
  for (let c = trie.firstChild[s]; c >= 0; c = trie.nextSibling[c]) {
    work++;
    if (cursor.push(trie.byte[c])) {
      work += visitSuffixNode(trie, cursor, accepted, c);
      cursor.pop();
    }
  }
  return work;
}

/** Pushes path[from..to) while the cursor accepts; returns how many bytes it took. */
function pushPrefix(cursor: ByteCursor, path: Uint8Array, from: number, to: number): number {
  let pushed = 0;
  while (from + pushed < to && cursor.push(path[from + pushed])) pushed++;
  return pushed;
}

/** Whether path[from..to) is a prefix of (or equals) one of `rests`. */
function spellsRest(rests: readonly Uint8Array[], path: Uint8Array, from: number, to: number): boolean {
  const length = to - from;
  outer: for (const rest of rests) {
    if (rest.length < length) continue;
    for (let k = 0; k < length; k++) if (rest[k] !== path[from + k]) continue outer;
    return true;
  }
  return false;
}

/**
 * Recomputes exactly the tokens that spell `prefix` then the closing quote (first clearing them). The
 * cursor is left at the depth it had.
 */
function walkException(trie: TokenTrie, cursor: ByteCursor, out: Uint32Array, prefix: Uint8Array): number {
  let node = 0;
  for (const b of prefix) {
    node = trie.child(node, b);
    if (node < 0) return 0;
  }
  node = trie.child(node, 0x22);
  if (node < 0) return 0;
  const { nodeDepth, subtreeEnd, nodeTokenStart, tokenIds } = trie;
  for (let k = nodeTokenStart[node], end = nodeTokenStart[subtreeEnd[node]]; k < end; k++) {
    const id = tokenIds[k];
    out[id >>> 5] &= ~(1 << (id & 31));
  }
  let pushed = 0;
  while (pushed < prefix.length && cursor.push(prefix[pushed])) pushed++;
  if (pushed === prefix.length && cursor.push(0x22)) pushed++;
  if (pushed <= prefix.length) {
    for (let k = 0; k < pushed; k++) cursor.pop();
    return prefix.length + 1;
  }
  for (let k = nodeTokenStart[node], end = nodeTokenStart[node + 1]; k < end; k++) {
    const id = tokenIds[k];
    out[id >>> 5] |= 1 << (id & 31);
  }
  const work = prefix.length + 1 + walkRange(trie, cursor, out, node + 1, subtreeEnd[node], nodeDepth[node]);
  // walkRange leaves the cursor at the node: pop the prefix and the quote (the node's depth).
  for (let depth = nodeDepth[node]; depth > 0; depth--) cursor.pop();
  return work;
}

const bodyBytes = new WeakMap<TokenTrie, Uint32Array>();

/**
 * Per trie node, 8 words: the bytes on string-body paths strictly below it, a path stopping before a
 * quote, a backslash or a control byte (what follows those leaves the string body). Lazily, per trie
 * (~9 MB for Llama-3's 275k nodes).
 */
export function bodyBytesBelow(trie: TokenTrie): Uint32Array {
  let below = bodyBytes.get(trie);
  if (below === undefined) {
    const { nodeByte, subtreeEnd, nodeCount } = trie;
    below = new Uint32Array(nodeCount * 8);
    // Children come after their parent in pre-order: fill in reverse.
    for (let i = nodeCount - 1; i >= 0; i--) {
      for (let j = i + 1; j < subtreeEnd[i]; j = subtreeEnd[j]) {
        const b = nodeByte[j];
        if (b < 0x20 || b === 0x22 || b === 0x5c) continue;
        below[i * 8 + (b >>> 5)] |= 1 << (b & 31);
        for (let w = 0; w < 8; w++) below[i * 8 + w] |= below[j * 8 + w];
      }
    }
    bodyBytes.set(trie, below);
  }
  return below;
}

const bodyHeights = new WeakMap<TokenTrie, Uint16Array>();

/**
 * Per trie node, the most string-body bytes on a path strictly below it (paths stopping as in
 * bodyBytesBelow): how deep a counted run must reach to cover the subtree (counted-runs.ts).
 */
export function bodyHeightBelow(trie: TokenTrie): Uint16Array {
  let height = bodyHeights.get(trie);
  if (height === undefined) {
    const { nodeByte, subtreeEnd, nodeCount } = trie;
    height = new Uint16Array(nodeCount);
    for (let i = nodeCount - 1; i >= 0; i--) {
      let h = 0;
      for (let j = i + 1; j < subtreeEnd[i]; j = subtreeEnd[j]) {
        const b = nodeByte[j];
        if (b < 0x20 || b === 0x22 || b === 0x5c) continue;
        if (height[j] + 1 > h) h = height[j] + 1;
      }
      height[i] = h;
    }
    bodyHeights.set(trie, height);
  }
  return height;
}

/**
 * A string's product automaton as the walks read it (StringPlan is one). Passed as the object itself,
 * not as closures over it: a mask made eight closures per string state, each also costing a
 * defineProperty under tsx (its `keepNames`), in a per-mask path.
 */
export interface BodyPlan {
  /** Product automaton step, atoms a product state kills, and the code point cap. */
  step(ps: number, byte: number): number;
  deadAt(ps: number): Uint32Array;
  /** Atoms whose maxLength `cp` code points exceed. */
  tooLongAt(cp: number): Uint32Array;
  readonly cpCap: number;
  /** Every live automaton loops on body characters in this product state (no death can follow). */
  loops(ps: number): boolean;
  /** The body bytes that leave product state `ps` unchanged (256 bits; see StringPlan.loopBytes). */
  loopBytes(ps: number): Uint32Array;
  /** loopBytes(ps) where already computed, else undefined (nothing computed). */
  knownLoopBytes(ps: number): Uint32Array | undefined;
  /** The spans of product state `ps`'s counted run (StringPlan.runSpans). */
  runSpans(ps: number): RunSpans;
  /** runSpans(ps) where already computed, else undefined (nothing computed). */
  knownRunSpans(ps: number): RunSpans | undefined;
}

/** What the automaton-only pass needs to know about a string state. */
export interface BodyState {
  readonly ps: number;
  readonly cp: number;
  readonly plan: BodyPlan;
  /** Live atoms, and the smallest maxLength among them. */
  readonly alive: Uint32Array;
  readonly maxLength: number;
  /** Whether the document survives the death of these atoms (false for the usual single atom). */
  survives(dead: Uint32Array): boolean;
  /**
   * Property names only: whether a product state the key moves to leaves the enclosing object as it is
   * (no closed atom dies, none is left needing a declared name), and the rests of the undeclared keys
   * already written that the key text can still repeat (at most 31). A body path moving to a state
   * that is not plain is walked with the full machine; a node still spelling such a rest is checked
   * with it.
   */
  readonly key?: { plain(ps: number): boolean; readonly rests: readonly Uint8Array[] };
  /** When given, pass 3 decides the CLOSE and escape tokens by groups (walkSpecialRoots). */
  readonly groups?: PrefixGroups;
  /**
   * Value strings: what pass 1 depends on besides the document's survival (StringPlan.signature, the
   * product state, live atoms, count), under which it is shared (shared-body-walks.ts).
   */
  readonly share?: string;
}

/** Whether the bytes below trie node `i` are all in `bytes`. */
export function within(below: Uint32Array, i: number, bytes: Uint32Array): boolean {
  const at = i * 8;
  for (let w = 0; w < 8; w++) if ((below[at + w] & ~bytes[w]) !== 0) return false;
  return true;
}

function intersect(a: Uint32Array, b: Uint32Array): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w] & b[w]) !== 0) return true;
  return false;
}

/**
 * Mask of a string state whose automata may reject characters (patterns, formats): the string-body
 * part of the trie is walked with the product automaton alone (typed-array steps, no frames), tokens
 * killing no atom are allowed; subtrees where an atom dies are walked again with the full machine only
 * if the state survives that death; everything that leaves the string body (quotes, escapes) is walked
 * with the full machine. Measured: ~3x faster per node than the full machine for format strings.
 */
export function bodyAutomatonWalk(trie: TokenTrie, cursor: () => ByteCursor, out: Uint32Array, fuel: number, s: BodyState): number {
  const exits = stringExits(trie);
  const deaths: DeathRoots = { roots: [], survived: false, pathBytes: [], pathStart: [0] };
  let work: number;
  const share = s.key === undefined ? s.share : undefined;
  const known = share !== undefined ? sharedBodyWalk(trie, share) : undefined;
  if (known !== undefined && !known.deadSets.some((dead) => s.survives(dead))) {
    // Pass 1 as another state (another property, another schema) with this behaviour walked it.
    for (let w = 0; w < out.length; w++) out[w] |= known.bits[w];
    work = 0;
  } else {
    const dest = share !== undefined ? passScratch(out.length) : out;
    const deadSets: Uint32Array[] = [];
    work = automatonPass(trie, cursor, dest, fuel, s, deaths, deadSets);
    if (work < 0) {
      out.fill(0xffffffff);
      return -1;
    }
    if (dest !== out) {
      for (let w = 0; w < out.length; w++) out[w] |= dest[w];
      // Only a pass whose deaths all end the document says the same in every context.
      if (deaths.roots.length === 0 && !deaths.survived) keepBodyWalk(trie, share!, { bits: dest.slice(), deadSets });
    }
  }
  const { subtreeEnd } = trie;
  const { roots: deathRoots, pathBytes: deathPathBytes, pathStart: deathPathStart } = deaths;
  // Pass 2: subtrees where an atom died, with the full machine (which decides whether the state
  // survives that death: with a single atom the first byte is refused at once).
  const exact = deathRoots.length > 0 ? cursor() : undefined;
  for (let r = 0; r < deathRoots.length; r++) {
    const root = deathRoots[r];
    const from = deathPathStart[r];
    const length = deathPathStart[r + 1] - from;
    let pushed = 0;
    while (pushed < length && exact!.push(deathPathBytes[from + pushed])) pushed++;
    if (pushed === length) work += walkRange(trie, exact!, out, root, subtreeEnd[root], length);
    for (let k = 0; k < pushed; k++) exact!.pop();
  }
  // Pass 3: everything that leaves the string body, with the full machine (by groups where it may).
  if (s.groups !== undefined) {
    const at = cursor();
    work += walkSpecialRoots(trie, exits.quoteRoots, exits.afterQuote, 0x22, at, out, s.groups);
    return work + walkSpecialRoots(trie, exits.backslashRoots, exits.afterBackslash, 0x5c, at, out, s.groups);
  }
  return walkUncovered(trie, cursor(), out, fuel, work, exits.bodyCovered, undefined, 0);
}

/**
 * A cleared bitset for a pass that may be shared: pass 1 runs to its end before anything else walks,
 * so one buffer per length serves every call, and only a pass that is kept is copied out of it.
 */
function passScratch(words: number): Uint32Array {
  let scratch = scratchByLength.get(words);
  if (scratch === undefined) {
    scratch = new Uint32Array(words);
    scratchByLength.set(words, scratch);
  } else {
    scratch.fill(0);
  }
  return scratch;
}

const scratchByLength = new Map<number, Uint32Array>();

/** Subtrees of the trie where atoms die (pass 1 of bodyAutomatonWalk), each with the path to its parent. */
interface DeathRoots {
  readonly roots: number[];
  /** Whether pass 1 walked on past a death the document survives (its result is then not shared). */
  survived: boolean;
  /** Root r's path is pathBytes[pathStart[r] .. pathStart[r + 1]) (one flat buffer: a key has hundreds). */
  readonly pathBytes: number[];
  readonly pathStart: number[];
}

/**
 * Pass 1 of bodyAutomatonWalk: string-body paths with the automaton alone, allowed tokens into `out`,
 * subtrees where atoms die and the document survives into `deaths`; every set of atoms whose death the
 * document does not survive into `deadSets` (once). Returns the work, or -1 past `fuel` (`out` is then
 * incomplete).
 */
function automatonPass(
  trie: TokenTrie,
  cursor: () => ByteCursor,
  out: Uint32Array,
  fuel: number,
  s: BodyState,
  deaths: DeathRoots,
  deadSets: Uint32Array[],
): number {
  const exits = stringExits(trie);
  const { nodeByte, nodeDepth, subtreeEnd, nodeTokenStart, tokenIds, nodeCount } = trie;
  const psAt = new Int32Array(trie.maxDepth + 2);
  const cpAt = new Int32Array(trie.maxDepth + 2);
  const escAt = new Int8Array(trie.maxDepth + 2);
  const path = new Uint8Array(trie.maxDepth + 2);
  psAt[0] = s.ps;
  cpAt[0] = s.cp;
  escAt[0] = 0;
  // Per depth: the atoms still alive. A value string walks on past a death its document survives:
  // the machine's later steps depend on the atoms left alive, and whether it survives further deaths
  // on all the atoms dead by then (killing some atoms and then others settles as killing all at once).
  const aliveAt: Uint32Array[] = new Array<Uint32Array>(trie.maxDepth + 2);
  aliveAt[0] = s.alive;
  // Per depth: the written-key rests the path is still a prefix of (bit r: s.key.rests[r]).
  const restsAt = s.key !== undefined ? new Int32Array(trie.maxDepth + 2) : undefined;
  let restCursor: ByteCursor | undefined;
  if (restsAt !== undefined) restsAt[0] = (1 << s.key!.rests.length) - 1;
  const bodyCovered = exits.bodyCovered;
  const bodyTokens = bodyBits(trie, exits, Infinity);
  const below = bodyBytesBelow(trie);
  const height = bodyHeightBelow(trie);
  const maxBodyChars = exits.maxBodyChars;
  // Whether running past the shortest live maxLength ends the document (asked once, when needed).
  let lengthFatal: boolean | undefined;
  let work = 0;
  // Pass 1: string-body paths with the automaton alone.
  let i = 1;
  while (i < nodeCount) {
    const d = nodeDepth[i];
    const b = nodeByte[i];
    path[d - 1] = b;
    const esc = escAt[d - 1];
    let next: number;
    // UTF-8 and JSON body validity: esc 0 = at a character boundary, else continuation bytes expected
    // (1-3), with 4..7 encoding the restricted second-byte ranges of E0, ED, F0, F4.
    if (esc === 0) {
      if (b < 0x20 || b === 0x22 || b === 0x5c) next = -1;
      else if (b < 0x80) next = 0;
      else if (b >= 0xc2 && b <= 0xdf) next = 1;
      else if (b === 0xe0) next = 4;
      else if (b === 0xed) next = 5;
      else if (b >= 0xe1 && b <= 0xef) next = 2;
      else if (b === 0xf0) next = 6;
      else if (b === 0xf4) next = 7;
      else if (b >= 0xf1 && b <= 0xf3) next = 3;
      else next = -1;
    } else if (esc <= 3) next = b >= 0x80 && b <= 0xbf ? esc - 1 : -1;
    else if (esc === 4) next = b >= 0xa0 && b <= 0xbf ? 1 : -1;
    else if (esc === 5) next = b >= 0x80 && b <= 0x9f ? 1 : -1;
    else if (esc === 6) next = b >= 0x90 && b <= 0xbf ? 2 : -1;
    else next = b >= 0x80 && b <= 0x8f ? 2 : -1;
    if (next < 0) {
      i = subtreeEnd[i];
      continue;
    }
    if (work++ >= fuel) {
      return -1;
    }
    const ps = s.plan.step(psAt[d - 1], b);
    const cp = esc === 0 && s.plan.cpCap > 0 ? Math.min(cpAt[d - 1] + 1, s.plan.cpCap) : cpAt[d - 1];
    const alive = aliveAt[d - 1];
    const byState = ps !== psAt[d - 1] && intersect(s.plan.deadAt(ps), alive);
    const byLength = cp > s.maxLength && (alive === s.alive || intersect(s.plan.tooLongAt(cp), alive));
    let byKey = false;
    if (restsAt !== undefined) {
      const rests = s.key!.rests;
      const before = restsAt[d - 1];
      let still = 0;
      if (before !== 0) for (let r = 0; r < rests.length; r++) if ((before >>> r) & 1 && rests[r].length >= d && rests[r][d - 1] === b) still |= 1 << r;
      restsAt[d] = still;
      // A key's deaths are always left to the full machine, which also checks the enclosing object.
      byKey = byState || byLength || (ps !== psAt[d - 1] && !s.key!.plain(ps));
      if (!byKey && still !== 0) {
        // The text may still repeat a written key (freshKey decides): this one node by the full machine,
        // whose frame, when it lives, is the one the automaton walk assumes below it.
        restCursor ??= cursor();
        let pushed = 0;
        while (pushed < d && restCursor.push(path[pushed])) pushed++;
        for (let k = 0; k < pushed; k++) restCursor.pop();
        work += pushed;
        if (pushed < d) {
          i = subtreeEnd[i];
          continue;
        }
      }
    }
    let aliveBelow = alive;
    if (byState || byLength || byKey) {
      if (byKey) {
        // A key's deaths are always walked by the full machine (pass 2).
        deaths.roots.push(i);
        for (let k = 0; k < d - 1; k++) deaths.pathBytes.push(path[k]);
        deaths.pathStart.push(deaths.pathBytes.length);
        i = subtreeEnd[i];
        continue;
      }
      // A value's atoms die here: only worth walking on if the document can survive their death. Every
      // atom dead by now is in the set (dead components stay dead; a longer count is too long for more).
      let dead = byState || alive !== s.alive ? s.plan.deadAt(ps) : s.plan.tooLongAt(cp);
      if ((byState || alive !== s.alive) && cp > s.maxLength) {
        dead = dead.slice();
        const long = s.plan.tooLongAt(cp);
        for (let w = 0; w < dead.length; w++) dead[w] |= long[w];
      }
      if (!s.survives(dead)) {
        if (!deadSets.some((known) => subsetBits(known, dead) && subsetBits(dead, known))) deadSets.push(dead.slice());
        i = subtreeEnd[i];
        continue;
      }
      // Walk on (measured on MaskBench: a value under `anyOf` of two patterns walked each subtree where
      // one died with the full machine, ~268k nodes and 30-40 ms per mask).
      aliveBelow = minusBits(s.alive, dead);
      deaths.survived = true;
    }
    aliveAt[d] = aliveBelow;
    psAt[d] = ps;
    cpAt[d] = cp;
    escAt[d] = next;
    // A leaf's own tokens are allowed below whatever the state does next: the subtree skips are only
    // asked where there is a subtree to skip (most nodes are leaves).
    const inner = subtreeEnd[i] > i + 1;
    if (inner && next === 0 && s.plan.cpCap === 0 && bodyCovered[i] !== 0 && (restsAt === undefined || restsAt[d] === 0) && s.plan.loops(ps)) {
      // Nothing below can kill or count: every BODY/PARTIAL token of the subtree is allowed (its
      // other tokens are rejected anyway), without stepping (measured: pass 1 dominated key masks).
      allowBodyTokens(out, bodyTokens, tokenIds, nodeTokenStart[i], nodeTokenStart[subtreeEnd[i]]);
      i = subtreeEnd[i];
      continue;
    }
    let loopBytes: Uint32Array | undefined;
    let spans: RunSpans | undefined;
    if (
      inner &&
      (restsAt === undefined || restsAt[d] === 0) &&
      (s.plan.cpCap === 0 || s.cp + maxBodyChars[i] <= s.maxLength || (aliveBelow === s.alive && (lengthFatal ??= lengthKillsDocument(s)))) &&
      (((loopBytes = ps === psAt[d - 1] ? s.plan.loopBytes(ps) : s.plan.knownLoopBytes(ps)) !== undefined && within(below, i, loopBytes)) ||
        (next === 0 &&
          (spans = subtreeEnd[i] - i >= RUN_MIN_NODES ? s.plan.runSpans(ps) : s.plan.knownRunSpans(ps)) !== undefined &&
          runCovers(spans, below, i, height[i]) &&
          (s.key === undefined || plainAlongRun(s, ps, below, i, height[i]))))
    ) {
      // Every body byte below leaves the state as it is (a pattern's `[A-Za-z0-9_.-]+`, `.*` before
      // an `@`, a word of a word count), or every body path below stays inside a counted run
      // (counted-runs.ts: `{1,255}`, an email's local part) where no atom dies: the subtree's
      // BODY/PARTIAL tokens are all allowed, unstepped (measured on Llama-3: a walk in
      // `^[A-Za-z0-9_.-]+$` visits ~4k nodes instead of ~93k), those too long for the shortest
      // maxLength left out where running past it ends the document (word counts under a maxLength
      // walked every subtree near the limit: 20-70k nodes per mask; not below a survived death, which
      // may have been that maxLength's atom). A state's loop bytes cost ~94 steps to find, wasted on
      // states that every character moves (a date-time's digits: its first mask took 22 ms, not 3):
      // they are found only where this byte looped already, and used where it moved only if found
      // before (the first letter of each word of a word count). Runs are found only at large subtrees
      // (RUN_MIN_NODES).
      const fits = s.plan.cpCap === 0 || s.cp + maxBodyChars[i] <= s.maxLength ? bodyTokens : bodyBits(trie, exits, s.maxLength - s.cp);
      allowBodyTokens(out, fits, tokenIds, nodeTokenStart[i], nodeTokenStart[subtreeEnd[i]]);
      i = subtreeEnd[i];
      continue;
    }
    for (let k = nodeTokenStart[i], end = nodeTokenStart[i + 1]; k < end; k++) {
      const id = tokenIds[k];
      out[id >>> 5] |= 1 << (id & 31);
    }
    i++;
  }
  return work;
}

/**
 * A key's run skip also needs every state of the run to be `plain` (the enclosing object unchanged):
 * the run's states are the same for all its bytes, so one byte below the node spells them.
 */
function plainAlongRun(s: BodyState, ps: number, below: Uint32Array, node: number, height: number): boolean {
  let byte = -1;
  for (let w = 0; w < 8 && byte < 0; w++) {
    const word = below[node * 8 + w];
    if (word !== 0) byte = w * 32 + (31 - Math.clz32(word & -word));
  }
  let state = ps;
  for (let k = 0; k < height; k++) {
    const next = s.plan.step(state, byte);
    if (next !== state && !s.key!.plain(next)) return false;
    state = next;
  }
  return true;
}

/**
 * Whether the document dies when the string runs past its shortest live maxLength: then every longer
 * count does too (more atoms die), and a token too long for it is refused whatever its characters.
 */
function lengthKillsDocument(s: BodyState): boolean {
  return s.maxLength !== Infinity && !s.survives(s.plan.tooLongAt(s.maxLength + 1));
}

/** Walks nodes [from, to) (a subtree whose root has depth `base` + 1) with a cursor positioned at its parent. */
function walkRange(trie: TokenTrie, cursor: ByteCursor, out: Uint32Array, from: number, to: number, base: number): number {
  const { nodeByte, nodeDepth, subtreeEnd, nodeTokenStart, tokenIds } = trie;
  let depth = base;
  let work = 0;
  let i = from;
  while (i < to) {
    work++;
    const d = nodeDepth[i];
    while (depth >= d) {
      cursor.pop();
      depth--;
    }
    if (cursor.push(nodeByte[i])) {
      depth++;
      for (let k = nodeTokenStart[i], end = nodeTokenStart[i + 1]; k < end; k++) {
        const id = tokenIds[k];
        out[id >>> 5] |= 1 << (id & 31);
      }
      i++;
    } else {
      i = subtreeEnd[i];
    }
  }
  // Leave the cursor where it was given.
  while (depth > base) {
    cursor.pop();
    depth--;
  }
  return work;
}

/** ORs into `out` the tokens tokenIds[from..to) that are in `bodyTokens` (a subtree's BODY/PARTIAL tokens). */
function allowBodyTokens(out: Uint32Array, bodyTokens: Uint32Array, tokenIds: ArrayLike<number>, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const id = tokenIds[k];
    const bit = 1 << (id & 31);
    if (bodyTokens[id >>> 5] & bit) out[id >>> 5] |= bit;
  }
}
