import type { ByteClassId } from '../automaton/byte-machine.js';
import { LimitError } from '../../errors.js';
import { tokenInClass, type TokenSlice } from './token-slice.js';

export type { TokenSlice } from './token-slice.js';

/**
 * The one trie over the byte strings of all non-special tokens of a vocabulary, laid out flat in DFS
 * pre-order so that a mask computation is a tight loop over typed arrays:
 *
 * - node 0 is the root (the empty string); a node's children follow it, in ascending byte order, and its
 *   subtree is the index range [i, subtreeEnd[i]);
 * - `nodeByte[i]` is the byte on the edge into node i and `nodeDepth[i]` its distance from the root;
 * - the tokens whose bytes end exactly at node i are `tokenIds[nodeTokenStart[i] .. nodeTokenStart[i + 1])`
 *   (several ids can share one byte string), in ascending id order. Because tokens are listed in node
 *   order, the tokens of a whole subtree are the contiguous range
 *   `tokenIds[nodeTokenStart[i] .. nodeTokenStart[subtreeEnd[i]])`.
 *
 * A walk that rejects the byte of node i skips to subtreeEnd[i]: the whole subtree is pruned at once.
 */
export class TokenTrie {
  /** Number of nodes, root included. */
  readonly nodeCount: number;
  readonly nodeByte: Uint8Array;
  readonly nodeDepth: Uint16Array;
  readonly subtreeEnd: Uint32Array;
  /** Length nodeCount + 1. */
  readonly nodeTokenStart: Uint32Array;
  /** All token ids in the trie, in node (DFS) order. */
  readonly tokenIds: Uint32Array;
  /** Length of the longest token in bytes. */
  readonly maxDepth: number;
  /** Logit width the slice bitsets are sized for. */
  readonly size: number;

  /**
   * The byte strings the trie was built over: token id's bytes are `bytes[offsets[id] .. offsets[id + 1])`
   * (what Vocabulary.tokenBytes returns for text tokens), for loops that must not allocate a view per token.
   */
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  private readonly slices = new Map<string, TokenSlice>();
  private readonly slicesByArray = new WeakMap<readonly ByteClassId[], TokenSlice>();

  /**
   * Builds the trie over token ids `0 .. offsets.length - 2` whose bytes are
   * `bytes[offsets[id] .. offsets[id + 1])`, leaving out the ids for which `include[id]` is 0 and the
   * empty byte strings (an empty token would let a model emit no-ops forever, so it is never allowed).
   * `size` is the logit width (>= the number of ids) that slice bitsets are sized for.
   */
  constructor(bytes: Uint8Array, offsets: Uint32Array, include: Uint8Array, size: number) {
    this.bytes = bytes;
    this.offsets = offsets;
    this.size = size;
    const tokenCount = offsets.length - 1;

    let trieTokens = 0;
    let totalBytes = 0;
    let maxDepth = 0;
    for (let id = 0; id < tokenCount; id++) {
      const length = offsets[id + 1] - offsets[id];
      if (!include[id] || length === 0) continue;
      if (length > 0xffff) {
        throw new LimitError(`token ${id} is ${length} bytes long (limit 65535)`, { limit: 'token-length' });
      }
      trieTokens++;
      totalBytes += length;
      if (length > maxDepth) maxDepth = length;
    }
    const tokenIds = new Int32Array(trieTokens);
    for (let id = 0, k = 0; id < tokenCount; id++) if (include[id] && offsets[id + 1] > offsets[id]) tokenIds[k++] = id;
    sortByBytes(tokenIds, bytes, offsets);

    // In sorted order, each token shares its longest common prefix with the previous one and adds new
    // nodes for the rest of its bytes, which is exactly DFS pre-order. Nodes deeper than the common
    // prefix are complete: their subtree ends at the next node created.
    const maxNodes = totalBytes + 1;
    const nodeByte = new Uint8Array(maxNodes);
    const nodeDepth = new Uint16Array(maxNodes);
    const subtreeEnd = new Uint32Array(maxNodes);
    const nodeTokenStart = new Uint32Array(maxNodes + 1);
    const pathNode = new Int32Array(maxDepth + 1);
    let n = 1;
    let pathLength = 0;
    let previousStart = 0;
    for (let k = 0; k < trieTokens; k++) {
      const id = tokenIds[k];
      const start = offsets[id];
      const length = offsets[id + 1] - start;
      let common = 0;
      const limit = Math.min(length, pathLength);
      while (common < limit && bytes[start + common] === bytes[previousStart + common]) common++;
      for (let d = pathLength; d > common; d--) subtreeEnd[pathNode[d]] = n;
      for (let d = common + 1; d <= length; d++) {
        nodeByte[n] = bytes[start + d - 1];
        nodeDepth[n] = d;
        nodeTokenStart[n] = k;
        pathNode[d] = n++;
      }
      pathLength = length;
      previousStart = start;
    }
    for (let d = pathLength; d > 0; d--) subtreeEnd[pathNode[d]] = n;
    subtreeEnd[0] = n;
    nodeTokenStart[n] = trieTokens;

    this.nodeCount = n;
    this.nodeByte = nodeByte.slice(0, n);
    this.nodeDepth = nodeDepth.slice(0, n);
    this.subtreeEnd = subtreeEnd.slice(0, n);
    this.nodeTokenStart = nodeTokenStart.slice(0, n + 1);
    this.tokenIds = new Uint32Array(tokenIds.buffer, 0, trieTokens);
    this.maxDepth = maxDepth;
  }

  /** Number of tokens in the trie (non-special, non-empty). */
  get tokenCount(): number {
    return this.tokenIds.length;
  }

  /**
   * The slice of tokens made only of bytes of `classId`, computed on first use and kept (one pass over
   * the trie; ~0.4 MB for 128k tokens).
   */
  slice(classId: ByteClassId): TokenSlice {
    let slice = this.slices.get(classId);
    if (slice === undefined) {
      slice = this.computeSlice(classId);
      this.slices.set(classId, slice);
    }
    return slice;
  }

  /**
   * The union of the slices of `classIds`: its bits are the tokens in any of them, and a node is covered
   * when its whole subtree lies in one of them. Cached per combination (machines name few).
   */
  sliceUnion(classIds: readonly ByteClassId[]): TokenSlice {
    // Machines usually hand out the same array for a state, so look it up by identity first (a mask
    // call should not sort and join strings).
    let slice = this.slicesByArray.get(classIds);
    if (slice !== undefined) return slice;
    const distinct = [...new Set(classIds)].sort();
    if (distinct.length === 1) slice = this.slice(distinct[0]);
    else {
      const key = distinct.join('+');
      slice = this.slices.get(key);
      if (slice === undefined) {
        slice = this.computeUnion(distinct);
        this.slices.set(key, slice);
      }
    }
    this.slicesByArray.set(classIds, slice);
    return slice;
  }

  /** The child of `node` along `byte`, or -1. Children are scanned in byte order (at most 256). */
  child(node: number, byte: number): number {
    const end = this.subtreeEnd[node];
    let c = node + 1;
    while (c < end) {
      const b = this.nodeByte[c];
      if (b === byte) return c;
      if (b > byte) return -1;
      c = this.subtreeEnd[c];
    }
    return -1;
  }

  /** Bytes memory held by the trie arrays (slices included), for benchmarks. */
  get byteLength(): number {
    let total =
      this.nodeByte.byteLength +
      this.nodeDepth.byteLength +
      this.subtreeEnd.byteLength +
      this.nodeTokenStart.byteLength +
      this.tokenIds.byteLength;
    for (const s of this.slices.values()) total += s.bits.byteLength + s.covered.byteLength;
    return total;
  }

  private computeSlice(classId: ByteClassId): TokenSlice {
    const bits = new Uint32Array((this.size + 31) >>> 5);
    const ids = this.tokenIds;
    // outside[k]: how many of the first k tokens (trie order) are not in the slice; a subtree's tokens
    // are a contiguous range of that order, so it is covered when the count does not grow across it.
    const outside = new Uint32Array(ids.length + 1);
    let count = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      if (tokenInClass(this.bytes, this.offsets[id], this.offsets[id + 1], classId)) {
        bits[id >>> 5] |= 1 << (id & 31);
        outside[k + 1] = outside[k];
        count++;
      } else {
        outside[k + 1] = outside[k] + 1;
      }
    }
    const covered = new Uint8Array(this.nodeCount);
    const { nodeTokenStart, subtreeEnd } = this;
    for (let i = 0; i < this.nodeCount; i++) {
      covered[i] = outside[nodeTokenStart[i]] === outside[nodeTokenStart[subtreeEnd[i]]] ? 1 : 0;
    }
    return { classIds: [classId], bits, count, covered };
  }

  private computeUnion(classIds: readonly ByteClassId[]): TokenSlice {
    const parts = classIds.map((classId) => this.slice(classId));
    const bits = new Uint32Array((this.size + 31) >>> 5);
    const covered = new Uint8Array(this.nodeCount);
    for (const part of parts) {
      for (let w = 0; w < bits.length; w++) bits[w] |= part.bits[w];
      for (let i = 0; i < covered.length; i++) covered[i] |= part.covered[i];
    }
    let count = 0;
    for (let w = 0; w < bits.length; w++) {
      let v = bits[w];
      while (v !== 0) {
        v &= v - 1;
        count++;
      }
    }
    return { classIds, bits, count, covered };
  }
}

/** Buckets at most this small are finished by insertion sort instead of another radix pass. */
const INSERTION_SORT_MAX = 16;

/**
 * Sorts token ids by their byte strings (a prefix before its extensions; equal strings by ascending id)
 * with an MSD radix sort: one counting pass per depth over each bucket, insertion sort for small
 * buckets. Measured 3-4x faster than a hash-built trie and than Array#sort on 128k tokens.
 */
function sortByBytes(ids: Int32Array, bytes: Uint8Array, offsets: Uint32Array): void {
  const scratch = new Int32Array(ids.length);
  const count = new Int32Array(258);
  const starts = new Int32Array(258);
  const stack: number[] = [0, ids.length, 0];
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    if (hi - lo <= INSERTION_SORT_MAX) {
      insertionSort(ids, lo, hi, depth, bytes, offsets);
      continue;
    }
    // Key 0: the token ends at this depth (sorts first); key b + 1: byte b.
    count.fill(0);
    for (let k = lo; k < hi; k++) {
      const id = ids[k];
      const p = offsets[id] + depth;
      count[(p < offsets[id + 1] ? bytes[p] + 1 : 0) + 1]++;
    }
    for (let b = 0; b < 257; b++) count[b + 1] += count[b];
    starts.set(count);
    for (let k = lo; k < hi; k++) {
      const id = ids[k];
      const p = offsets[id] + depth;
      scratch[lo + count[p < offsets[id + 1] ? bytes[p] + 1 : 0]++] = id;
    }
    ids.set(scratch.subarray(lo, hi), lo);
    // The ended bucket holds equal strings, already in ascending id order (every pass is stable).
    for (let b = 1; b < 257; b++) {
      if (starts[b + 1] - starts[b] > 1) stack.push(lo + starts[b], lo + starts[b + 1], depth + 1);
    }
  }
}

/** Stable insertion sort of ids[lo, hi), whose byte strings agree on their first `depth` bytes. */
function insertionSort(ids: Int32Array, lo: number, hi: number, depth: number, bytes: Uint8Array, offsets: Uint32Array): void {
  for (let a = lo + 1; a < hi; a++) {
    const x = ids[a];
    const xStart = offsets[x] + depth;
    const xEnd = offsets[x + 1];
    let b = a - 1;
    while (b >= lo) {
      const y = ids[b];
      let yp = offsets[y] + depth;
      const yEnd = offsets[y + 1];
      let xp = xStart;
      // order = sign of (y - x) in byte order; ties keep y first (stability).
      let order = 0;
      while (true) {
        if (yp === yEnd || xp === xEnd) {
          order = (yp === yEnd ? 0 : 1) - (xp === xEnd ? 0 : 1);
          break;
        }
        order = bytes[yp] - bytes[xp];
        if (order !== 0) break;
        yp++;
        xp++;
      }
      if (order <= 0) break;
      ids[b + 1] = y;
      b--;
    }
    ids[b + 1] = x;
  }
}
