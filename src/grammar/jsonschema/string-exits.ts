import type { TokenTrie } from '../vocab/token-trie.js';

/**
 * The tokens of a vocabulary as seen from inside a JSON string, for the schema machine's masks.
 * Every token is one of:
 *
 *   BODY     complete string-body characters only (`hello`, ` wörld`)
 *   PARTIAL  body characters, then an incomplete UTF-8 character (byte-level BPE splits characters)
 *   CLOSE    body characters, then the closing quote, then any suffix (`",`, `name":`, `"]}`)
 *   REJECT   a control byte or invalid UTF-8 before any quote: never allowed inside a string
 *   OTHER    an escape (`\`) before any quote: walked byte by byte
 *
 * Inside a string whose automata let every character through unchanged, BODY and PARTIAL tokens are all
 * allowed (up to a length budget), and a CLOSE token is allowed exactly when its suffix is allowed after
 * the string closes, whatever its body prefix. Grouping CLOSE tokens by suffix (a small trie of
 * suffixes: `,`, `:`, `}`, `"]`, ...) turns the ~1,300 quote-bearing tokens of Llama-3 into a few dozen
 * checks; with BODY/PARTIAL/REJECT ORed or skipped, a string mask walks only the few hundred escape
 * tokens. Measured on Llama-3: ~5,400 trie nodes visited per string-state mask before, ~600 after.
 */
export const BODY = 0;
export const PARTIAL = 1;
export const CLOSE = 2;
export const REJECT = 3;
export const OTHER = 4;

export interface StringExits {
  /** Characters before the first special byte (for BODY/PARTIAL: all of them, a partial one counting 1). */
  readonly chars: Uint16Array;
  /** Per trie node: every token below it is BODY, PARTIAL or REJECT (a body walk may skip it). */
  readonly bodyCovered: Uint8Array;
  /** Per trie node: every token below it is BODY, PARTIAL, REJECT or CLOSE (an exit walk may skip it). */
  readonly exitCovered: Uint8Array;
  /** Per trie node: the most characters of a BODY/PARTIAL token below it. */
  readonly maxBodyChars: Uint16Array;
  /** Suffix trie of CLOSE tokens (bytes after the quote): per node, its children and the tokens ending there. */
  readonly suffixByte: Uint8Array;
  readonly suffixFirstChild: Int32Array;
  readonly suffixNextSibling: Int32Array;
  readonly suffixTokens: readonly Int32Array[];
  /** BODY and PARTIAL tokens with at most `budget` characters, by budget (lazily). */
  readonly bodyBits: Map<number, Uint32Array>;
  /** BODY and PARTIAL token ids sorted by their number of characters. */
  readonly bodyByChars: Int32Array;
  readonly size: number;
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
  // Suffix trie, built with maps then flattened.
  const bodyTokens: number[] = [];
  const children: Map<number, number>[] = [new Map()];
  const tokensAt: number[][] = [[]];
  for (let i = 1; i < nodeCount; i++) {
    const d = nodeDepth[i];
    path[d - 1] = nodeByte[i];
    if (nodeTokenStart[i + 1] === nodeTokenStart[i]) continue;
    const [cls, n] = classify(path, d);
    nodeClass[i] = cls;
    nodeChars[i] = n;
    for (let k = nodeTokenStart[i]; k < nodeTokenStart[i + 1]; k++) {
      chars[tokenIds[k]] = n;
      if (cls === BODY || cls === PARTIAL) bodyTokens.push(tokenIds[k]);
    }
    if (cls === CLOSE) {
      // The quote is at byte position of the first special byte: find it again.
      let q = 0;
      while (path[q] !== 0x22) q++;
      let s = 0;
      for (let p = q + 1; p < d; p++) {
        let next = children[s].get(path[p]);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          tokensAt.push([]);
          children[s].set(path[p], next);
        }
        s = next;
      }
      for (let k = nodeTokenStart[i]; k < nodeTokenStart[i + 1]; k++) tokensAt[s].push(tokenIds[k]);
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
  // Flatten the suffix trie: first-child / next-sibling, children in byte order.
  const count = children.length;
  const suffixByte = new Uint8Array(count);
  const suffixFirstChild = new Int32Array(count).fill(-1);
  const suffixNextSibling = new Int32Array(count).fill(-1);
  for (let s = 0; s < count; s++) {
    const kids = [...children[s].entries()].sort((a, b) => a[0] - b[0]);
    let prev = -1;
    for (const [byte, c] of kids) {
      suffixByte[c] = byte;
      if (prev < 0) suffixFirstChild[s] = c;
      else suffixNextSibling[prev] = c;
      prev = c;
    }
  }
  exits = {
    chars,
    bodyCovered,
    exitCovered,
    maxBodyChars,
    suffixByte,
    suffixFirstChild,
    suffixNextSibling,
    suffixTokens: tokensAt.map((t) => Int32Array.from(t)),
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
