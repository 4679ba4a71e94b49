import { bitsKey, emptyBits, hasBit, type Bits } from './bits.js';
import { COUNTS, MUST, UNEVALUATED, type ChildLink, type LinkTable, type Requirement } from './child-link.js';
import type { Goal } from './goal.js';

/**
 * The array keywords of all atoms of one goal: which schema each item position gets (prefixItems /
 * items, draft-07 items arrays / additionalItems), `contains` counting, item count bounds, uniqueItems.
 * Item indexes saturate once no keyword can tell positions apart any more.
 */
export class ArrayPlan {
  readonly goal: Goal;
  /** Indexes saturate here: past every prefix and every min/maxItems bound, positions look alike. */
  readonly indexCap: number;
  readonly minItems: Float64Array;
  readonly maxItems: Float64Array;
  /** Per goal atom: -1 without contains, else the count at which it saturates. */
  readonly containsCap: Int32Array;
  readonly minContains: Float64Array;
  readonly maxContains: Float64Array;
  /** Atoms with uniqueItems. */
  readonly unique: Bits;
  /** Atoms with unevaluatedItems. */
  readonly unevaluatedAtoms: Bits;
  readonly hasContains: boolean;
  private readonly links: LinkTable;

  constructor(goal: Goal, links: LinkTable) {
    this.goal = goal;
    this.links = links;
    const n = goal.atoms.length;
    this.minItems = new Float64Array(n);
    this.maxItems = new Float64Array(n).fill(Infinity);
    this.containsCap = new Int32Array(n).fill(-1);
    this.minContains = new Float64Array(n);
    this.maxContains = new Float64Array(n).fill(Infinity);
    this.unique = emptyBits(n);
    this.unevaluatedAtoms = emptyBits(n);
    let cap = 0;
    let hasContains = false;
    goal.atoms.forEach((atom, i) => {
      const arr = atom.arr;
      if (arr === undefined) return;
      this.minItems[i] = arr.minItems;
      this.maxItems[i] = arr.maxItems;
      cap = Math.max(cap, arr.prefix.length, arr.minItems, arr.maxItems === Infinity ? 0 : arr.maxItems + 1);
      if (arr.contains !== undefined) {
        hasContains = true;
        this.minContains[i] = arr.minContains;
        this.maxContains[i] = arr.maxContains;
        this.containsCap[i] = Math.min(Math.max(arr.minContains, arr.maxContains === Infinity ? 0 : arr.maxContains + 1), 1 << 30);
      }
      if (arr.unique) this.unique[i >>> 5] |= 1 << (i & 31);
      if (arr.unevaluated !== undefined) this.unevaluatedAtoms[i >>> 5] |= 1 << (i & 31);
    });
    this.indexCap = cap;
    this.hasContains = hasContains;
  }

  /** The link of the item at `index` (saturated) for the live atoms. */
  itemLink(alive: Bits, index: number): ChildLink {
    let prefixCap = 0;
    for (const atom of this.goal.atoms) if (atom.arr) prefixCap = Math.max(prefixCap, atom.arr.prefix.length);
    const position = Math.min(index, prefixCap);
    return this.links.link(`i:${this.goal.id}:${bitsKey(alive)}:${position}`, () => {
      const reqs: Requirement[] = [];
      this.goal.atoms.forEach((atom, i) => {
        const arr = atom.arr;
        if (arr === undefined || !hasBit(alive, i)) return;
        const node = position < arr.prefix.length ? arr.prefix[position] : arr.items;
        if (node !== undefined) reqs.push({ owner: i, kind: MUST, nodes: [node] });
        if (arr.contains !== undefined) reqs.push({ owner: i, kind: COUNTS, nodes: [arr.contains] });
        const u = arr.unevaluated;
        if (u !== undefined && u.expr.k !== 'true' && u.expr.k !== 'false') reqs.push({ owner: i, kind: UNEVALUATED, nodes: [u] });
      });
      return reqs;
    });
  }
}
