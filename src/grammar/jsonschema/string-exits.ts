import type { TokenTrie } from '../vocab/token-trie.js';

/**
 * The tokens of a vocabulary as seen from inside a JSON string, for the schema machine's masks.
 * Every token is one of:
 *
 *   BODY     complete string-body characters only (`hello`, ` wörld`)
 *   PARTIAL  body characters, then an incomplete UTF-8 character (byte-level BPE splits characters)
 *   CLOSE    body characters, then the closing quote, then any suffix (`",`, `name":`, `"]}`)
 *   REJECT   a control byte or invalid UTF-8 before any quote: never allowed inside a string
 *   OTHER    an escape (`\`) before any quote
 *
 * Inside a string whose automata let every character through unchanged, BODY and PARTIAL tokens are all
 * allowed (up to a length budget), and a CLOSE token is allowed exactly when its suffix is allowed after
 * the string closes, whatever its body prefix. Grouping CLOSE tokens by suffix (a small trie of
 * suffixes: `,`, `:`, `}`, `"]`, ...) turns the ~1,300 quote-bearing tokens of Llama-3 into a few dozen
 * checks; with BODY/PARTIAL/REJECT ORed or skipped, a string mask walks only the few hundred escape
 * tokens. Measured on Llama-3: ~5,400 trie nodes visited per string-state mask before, ~600 after.
 * The same holds for escapes, and in strings whose automata move, for prefixes reaching the same state:
 * CLOSE and OTHER tokens are also indexed by their special byte's trie node (184 quote and 67 backslash
 * roots on Llama-3) and by what follows it, for walks by groups of prefixes (budgeted-walk.ts).
 */
export const BODY = 0;
export const PARTIAL = 1;
export const CLOSE = 2;
export const REJECT = 3;
export const OTHER = 4;

/**
 * A trie of the bytes that follow one special byte (`"` or `\`) in the tokens that reach it after a
 * body-only prefix, whatever that prefix: `,` `:` `"]}` after a quote, `n` `u00` `"` after a backslash.
 */
export interface SuffixTrie {
  /** Per node: the byte leading to it, its first child and next sibling (children in byte order). */
  readonly byte: Uint8Array;
  readonly firstChild: Int32Array;
  readonly nextSibling: Int32Array;
  /** Per node: the tokens whose bytes end there, and (same order) the index of each one's root. */
  readonly tokens: readonly Int32Array[];
  readonly roots: readonly Int32Array[];
}

/**
 * The trie nodes where a token's first special byte sits (a quote or a backslash after a body-only,
 * complete-character prefix), with that prefix: walks group them by the state the prefix leads to.
 */
export interface SpecialRoots {
  readonly node: Int32Array;
  /** Root r's prefix is path[pathStart[r] .. pathStart[r + 1]). */
  readonly pathStart: Int32Array;
  readonly path: Uint8Array;
}

export interface StringExits {
  /** Characters before the first special byte (for BODY/PARTIAL: all of them, a partial one counting 1). */
  readonly chars: Uint16Array;
  /** Per trie node: every token below it is BODY, PARTIAL or REJECT (a body walk may skip it). */
  readonly bodyCovered: Uint8Array;
  /** Per trie node: every token below it is BODY, PARTIAL, REJECT or CLOSE (an exit walk may skip it). */
  readonly exitCovered: Uint8Array;
  /** Per trie node: the most characters of a BODY/PARTIAL token below it. */
  readonly maxBodyChars: Uint16Array;
  /** CLOSE tokens: the bytes after their quote, and the quotes' trie nodes. */
  readonly afterQuote: SuffixTrie;
  readonly quoteRoots: SpecialRoots;
  /** OTHER tokens: the bytes after their first backslash, and the backslashes' trie nodes. */
  readonly afterBackslash: SuffixTrie;
  readonly backslashRoots: SpecialRoots;
  /** BODY and PARTIAL tokens with at most `budget` characters, by budget (lazily). */
  readonly bodyBits: Map<number, Uint32Array>;
  /** BODY and PARTIAL token ids sorted by their number of characters. */
  readonly bodyByChars: Int32Array;
  readonly size: number;
}

/** Collects the tokens after one special byte into a SuffixTrie, with their roots. */
class SuffixTrieBuilder {
  private readonly children: Map<number, number>[] = [new Map()];
  private readonly tokensAt: number[][] = [[]];
  private readonly rootsAt: number[][] = [[]];
  private readonly rootOfNode = new Map<number, number>();
  private readonly rootNodes: number[] = [];
  private readonly pathStarts: number[] = [0];
  private readonly paths: number[] = [];

  /** Adds the tokens ending at a trie node whose path is `path[0..end)`, its special byte at `at`. */
  add(path: Uint8Array, at: number, end: number, rootNode: number, ids: ArrayLike<number>, from: number, to: number): void {
    let root = this.rootOfNode.get(rootNode);
    if (root === undefined) {
      root = this.rootNodes.length;
      this.rootOfNode.set(rootNode, root);
      this.rootNodes.push(rootNode);
      for (let p = 0; p < at; p++) this.paths.push(path[p]);
      this.pathStarts.push(this.paths.length);
    }
    let s = 0;
    for (let p = at + 1; p < end; p++) {
      let next = this.children[s].get(path[p]);
      if (next === undefined) {
        next = this.children.length;
        this.children.push(new Map());
        this.tokensAt.push([]);
        this.rootsAt.push([]);
        this.children[s].set(path[p], next);
      }
      s = next;
    }
    for (let k = from; k < to; k++) {
      this.tokensAt[s].push(ids[k]);
      this.rootsAt[s].push(root);
    }
  }

  build(): { trie: SuffixTrie; roots: SpecialRoots } {
    const count = this.children.length;
    const byte = new Uint8Array(count);
    const firstChild = new Int32Array(count).fill(-1);
    const nextSibling = new Int32Array(count).fill(-1);
    for (let s = 0; s < count; s++) {
      const kids = [...this.children[s].entries()].sort((a, b) => a[0] - b[0]);
      let prev = -1;
      for (const [b, c] of kids) {
        byte[c] = b;
        if (prev < 0) firstChild[s] = c;
        else nextSibling[prev] = c;
        prev = c;
      }
    }
    return {
      trie: { byte, firstChild, nextSibling, tokens: this.tokensAt.map((t) => Int32Array.from(t)), roots: this.rootsAt.map((r) => Int32Array.from(r)) },
      roots: { node: Int32Array.from(this.rootNodes), pathStart: Int32Array.from(this.pathStarts), path: Uint8Array.from(this.paths) },
    };
  }
}

const cache = new WeakMap<TokenTrie, StringExits>();

/** Classifies `bytes[0..n)`; returns [class, chars before the first special byte]. */
function classify(bytes: Uint8Array, n: number): [number, number] {
  let i = 0;
  let chars = 0;
  while (i < n) {
    const b = bytes[i];
    if (b === 0x22) return [CLOSE, chars];
    if (b === 0x5c) return [OTHER, chars];
    if (b < 0x20) return [REJECT, chars];
    if (b < 0x80) {
      i++;
      chars++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return [REJECT, chars];
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return [PARTIAL, chars + 1];
      const c = bytes[i + k];
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return [REJECT, chars];
    }
    i += need + 1;
    chars++;
  }
  return [BODY, chars];
}

export function stringExits(trie: TokenTrie): StringExits {
  let exits = cache.get(trie);
  if (exits !== undefined) return exits;
  const { nodeByte, nodeDepth, subtreeEnd, nodeTokenStart, tokenIds, nodeCount } = trie;
  const chars = new Uint16Array(trie.size);
  const nodeClass = new Int8Array(nodeCount).fill(-1); // class of the tokens ending at a node
  const nodeChars = new Uint16Array(nodeCount);
  const path = new Uint8Array(trie.maxDepth + 1);
  // Trie node at each depth of the current path (the root of a special byte is an ancestor).
  const nodeAt = new Int32Array(trie.maxDepth + 1);
  const bodyTokens: number[] = [];
  const afterQuote = new SuffixTrieBuilder();
  const afterBackslash = new SuffixTrieBuilder();
  for (let i = 1; i < nodeCount; i++) {
    const d = nodeDepth[i];
    path[d - 1] = nodeByte[i];
    nodeAt[d] = i;
    if (nodeTokenStart[i + 1] === nodeTokenStart[i]) continue;
    const [cls, n] = classify(path, d);
    nodeClass[i] = cls;
    nodeChars[i] = n;
    for (let k = nodeTokenStart[i]; k < nodeTokenStart[i + 1]; k++) {
      chars[tokenIds[k]] = n;
      if (cls === BODY || cls === PARTIAL) bodyTokens.push(tokenIds[k]);
    }
    if (cls === CLOSE || cls === OTHER) {
      // The first special byte: continuation bytes of the complete characters before it are >= 0x80.
      const special = cls === CLOSE ? 0x22 : 0x5c;
      let q = 0;
      while (path[q] !== special) q++;
      (cls === CLOSE ? afterQuote : afterBackslash).add(path, q, d, nodeAt[q + 1], tokenIds, nodeTokenStart[i], nodeTokenStart[i + 1]);
    }
  }
  // Subtree summaries, children after parents in pre-order: process in reverse.
  const bodyCovered = new Uint8Array(nodeCount);
  const exitCovered = new Uint8Array(nodeCount);
  const maxBodyChars = new Uint16Array(nodeCount);
  for (let i = nodeCount - 1; i >= 0; i--) {
    const cls = nodeClass[i];
    let body = cls < 0 || cls === BODY || cls === PARTIAL || cls === REJECT ? 1 : 0;
    let exit = body === 1 || cls === CLOSE ? 1 : 0;
    let m = cls === BODY || cls === PARTIAL ? nodeChars[i] : 0;
    for (let j = i + 1; j < subtreeEnd[i]; j = subtreeEnd[j]) {
      body &= bodyCovered[j];
      exit &= exitCovered[j];
      if (maxBodyChars[j] > m) m = maxBodyChars[j];
    }
    bodyCovered[i] = body;
    exitCovered[i] = exit;
    maxBodyChars[i] = m;
  }
  const quotes = afterQuote.build();
  const backslashes = afterBackslash.build();
  exits = {
    chars,
    bodyCovered,
    exitCovered,
    maxBodyChars,
    afterQuote: quotes.trie,
    quoteRoots: quotes.roots,
    afterBackslash: backslashes.trie,
    backslashRoots: backslashes.roots,
    bodyBits: new Map(),
    bodyByChars: Int32Array.from(bodyTokens.sort((a, b) => chars[a] - chars[b])),
    size: trie.size,
  };
  cache.set(trie, exits);
  // Node classes are only needed for the build.
  void nodeClass;
  return exits;
}

/** BODY and PARTIAL tokens of at most `budget` characters (Infinity: all). */
export function bodyBits(trie: TokenTrie, exits: StringExits, budget: number): Uint32Array {
  const key = budget >= trie.maxDepth ? -1 : budget;
  let bits = exits.bodyBits.get(key);
  if (bits === undefined) {
    bits = new Uint32Array((exits.size + 31) >>> 5);
    const ids = exits.bodyByChars;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      if (key >= 0 && exits.chars[id] > key) break;
      bits[id >>> 5] |= 1 << (id & 31);
    }
    exits.bodyBits.set(key, bits);
  }
  return bits;
}
