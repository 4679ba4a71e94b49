import type { Discrete } from './random.js';

/**
 * Weights over token ids in a complete binary tree of partial sums (Float64): draw an id in
 * proportion to its weight and remove it, both in O(log V). AWRS draws without replacement with it.
 *
 * Why not a Fenwick tree: a Fenwick removal subtracts the weight from prefix sums, so after the
 * likely tokens are rejected the remaining mass is a difference of nearly equal numbers (1 - 0.999...)
 * and loses its digits exactly when it matters (the estimator divides by it). Here a removal zeroes
 * the leaf and recomputes each ancestor as the sum of its two children, so every node, and the total
 * (the remaining mass), is a sum of the weights still present, accurate to a few ulps of itself.
 */
export class SumTree implements Discrete {
  private nodes: Float64Array;
  /** Index of the first leaf (a power of two >= size). */
  private base: number;
  /** Leaves [0, extent) may be non-zero or have stale ancestors: what `build` must cover. */
  private extent = 0;
  size: number;

  constructor(capacity = 1) {
    this.base = leafBase(capacity);
    this.nodes = new Float64Array(2 * this.base);
    this.size = 0;
  }

  /**
   * Starts a new distribution over `size` ids and returns the leaf array to fill (all zero). Call
   * `build` after filling it. The buffer is reused across calls: no allocation in steady state.
   */
  load(size: number): Float64Array {
    if (size > this.base) {
      this.base = leafBase(size);
      this.nodes = new Float64Array(2 * this.base);
      this.extent = size;
    } else {
      this.extent = Math.max(size, this.extent);
      this.nodes.fill(0, this.base, this.base + this.extent);
    }
    this.size = size;
    return this.nodes.subarray(this.base, this.base + size);
  }

  /** The current leaves, writable: call `build` after changing them. */
  leaves(): Float64Array {
    return this.nodes.subarray(this.base, this.base + this.size);
  }

  /** Computes every internal node from the leaves. */
  build(): void {
    const nodes = this.nodes;
    // Only the levels above the filled leaves are touched: a small distribution in a big buffer stays cheap.
    let low = this.base;
    let high = this.base + Math.max(this.extent, 1) - 1;
    while (low > 1) {
      low >>>= 1;
      high >>>= 1;
      for (let k = low; k <= high; k++) nodes[k] = nodes[2 * k] + nodes[2 * k + 1];
    }
    this.extent = this.size;
  }

  total(): number {
    return this.nodes[1];
  }

  weight(id: number): number {
    return this.nodes[this.base + id];
  }

  /** Sum of the leaves from `first` on: the leaf and every right sibling on its path to the root (no subtraction). */
  sumFrom(first: number): number {
    if (first >= this.size) return 0;
    const nodes = this.nodes;
    let k = this.base + first;
    let sum = nodes[k];
    for (; k > 1; k >>>= 1) if ((k & 1) === 0) sum += nodes[k + 1];
    return sum;
  }

  /** Sum of the leaves before `first`: every left sibling on the path from leaf `first` to the root. */
  sumBefore(first: number): number {
    if (first >= this.size) return this.total();
    const nodes = this.nodes;
    let sum = 0;
    for (let k = this.base + first; k > 1; k >>>= 1) if ((k & 1) === 1) sum += nodes[k - 1];
    return sum;
  }

  /** Sets a leaf to zero and recomputes its ancestors as sums of their children (no subtraction). */
  remove(id: number): void {
    this.set(id, 0);
  }

  set(id: number, value: number): void {
    const nodes = this.nodes;
    let k = this.base + id;
    nodes[k] = value;
    for (k >>>= 1; k >= 1; k >>>= 1) nodes[k] = nodes[2 * k] + nodes[2 * k + 1];
  }

  locate(target: number): number {
    const nodes = this.nodes;
    let k = 1;
    while (k < this.base) {
      const left = nodes[2 * k];
      // Rounding can leave `target` at or past the end of a subtree: never step into an empty child.
      if ((target < left && left > 0) || !(nodes[2 * k + 1] > 0)) {
        k = 2 * k;
      } else {
        target -= left;
        k = 2 * k + 1;
      }
    }
    return k - this.base;
  }
}

function leafBase(size: number): number {
  let base = 1;
  while (base < size) base *= 2;
  return base;
}
