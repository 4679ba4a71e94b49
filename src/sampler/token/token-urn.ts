import { maskWords } from '../../grammar/automaton/token-automaton.js';
import type { Discrete, Random } from '../random.js';
import { SumTree } from '../sum-tree.js';

/** Lazy handling of the unlikely tail of a distribution (see TokenUrn). */
export interface TailOptions {
  /** Vocabularies smaller than this are loaded whole. */
  readonly minVocab: number;
  /** The tail's mass is provably at most this share of the head's. */
  readonly maxMass: number;
}

/**
 * A draw lands in the tail (and pays one exp() pass over the vocabulary) with probability at most
 * ~maxMass; the tail's mass is known to the decoder's normalisation error (~1e-14 absolute), and the
 * tail is expanded before the mass left drops below 1e-3, so weights stay exact to ~1e-10 relative.
 */
export const DEFAULT_TAIL: TailOptions = { minVocab: 4096, maxMass: 0.01 };

/** Candidates below exp(-690) ~ 1e-300 of the largest are kept out of the tree until a rescale. */
const UNDERFLOW = -690;
/** A remaining mass below exp(-600) of the scale triggers a rescale when candidates were left out. */
const RESCALE_BELOW = Math.exp(-600);
/** The approximate tail is expanded once the mass left falls below this (its ~1e-14 error stays < 1e-11 relative). */
const EXPAND_TAIL_BELOW = 1e-3;
/** Histogram of candidates by whole nats of -log p (the last bin: this far or more). */
const NAT_BINS = 64;

/**
 * The decoder's next-token distribution over a set of candidate ids, as an urn to draw from
 * without replacement: draw a token in proportion to its probability, remove it, read the mass
 * left. AWRS runs on it.
 *
 * Weights are exp(logp - shift), shift being the largest candidate log-probability, in SumTrees
 * (remaining masses are tree totals, never differences). Two refinements keep a draw over a 128k
 * vocabulary cheap and exact:
 * - Lazy tail: one pass of comparisons bins the candidates by -log p; the unlikely ones (provably
 *   at most `maxMass` of the head's probability) are not exponentiated: one pseudo-leaf holds their
 *   mass, 1 - head - non-candidates (log-probabilities are a log-softmax, normalised to ~1e-14). The
 *   tail is expanded into real leaves only when a draw lands on it or the mass left becomes small, so
 *   a typical draw costs one pass of comparisons and exp() of the head.
 * - Rescaling: candidates below 1e-300 of the largest are left out of the tree; if removals take away
 *   everything above them (low temperatures make gaps of 700+ nats), the tree is rebuilt at a new
 *   scale, so an allowed mass of 1e-400 is still found and weighed right.
 */
export class TokenUrn {
  /** log of the factor weights are scaled by. */
  shift = 0;
  /** Candidates with probability left out of the tree at the current scale. */
  underflowed = 0;
  size = 0;
  private logProbs: Float64Array = new Float64Array(0);
  private candidates: Uint32Array | undefined;
  /** Ids removed since `fill` (drawn and refused, or dropped by `keepOnly`). */
  private removed: number[] = [];
  private readonly removedBits: Uint32Array;
  private readonly full: SumTree;
  private readonly head: SumTree;
  /** Compact mode: head ids by leaf; the leaf after the last one is the tail. */
  private readonly headIds: Int32Array;
  private headCount = 0;
  /** id -> head leaf + 1 (0: not in the head), set only in compact mode. */
  private readonly slot: Int32Array;
  private compact = false;
  /** Candidates with log-probability at or below this are the tail. */
  private tailCut = -Infinity;
  private readonly bins = new Float64Array(NAT_BINS);
  private readonly tail = new TailDistribution();

  constructor(
    vocabSize: number,
    private readonly tailOptions: TailOptions | false = DEFAULT_TAIL,
  ) {
    this.full = new SumTree(vocabSize);
    this.head = new SumTree(1);
    this.headIds = new Int32Array(vocabSize + 1);
    this.slot = new Int32Array(vocabSize + 1);
    this.removedBits = new Uint32Array(maskWords(vocabSize));
  }

  /**
   * Loads `logProbs` (a log-softmax) restricted to the ids set in `candidates` (undefined: all).
   * Returns the total weight; the candidates' probability is exp(shift) * total.
   */
  fill(logProbs: Float64Array, candidates: Uint32Array | undefined): number {
    this.leaveCompact();
    this.logProbs = logProbs;
    this.candidates = candidates;
    this.removed.length = 0;
    const size = logProbs.length;
    this.size = size;
    const tail = this.tailOptions;
    if (tail === false || size < tail.minVocab) return this.rescale(false);
    // One pass: the largest candidate, a histogram of -log p, and how many ids are not candidates.
    const bins = this.bins;
    bins.fill(0);
    let shift = -Infinity;
    let outside = 0;
    const words = (size + 31) >>> 5;
    for (let w = 0; w < words; w++) {
      const word = candidates === undefined ? 0xffffffff : candidates[w];
      const base = w << 5;
      const end = Math.min(32, size - base);
      for (let b = 0; b < end; b++) {
        const v = logProbs[base + b];
        if (((word >>> b) & 1) === 0) {
          if (v > -Infinity) outside++;
          continue;
        }
        if (v > shift) shift = v;
        const nats = -v;
        if (nats < NAT_BINS - 1) bins[nats > 0 ? nats | 0 : 0]++;
        else if (nats < Infinity) bins[NAT_BINS - 1]++;
      }
    }
    if (shift === -Infinity) return this.rescale(false);
    const cut = outside <= size >>> 4 ? this.tailCutOf(shift, tail.maxMass, size) : Infinity;
    if (cut === Infinity) return this.rescale(false);
    return this.fillCompact(shift, cut);
  }

  /**
   * The smallest cut k (whole nats) such that the candidates with -log p >= k hold at most maxMass
   * of the largest candidate's probability (bounded through the histogram: a candidate in bin j has
   * p <= e^-j), provided they are at least an eighth of the vocabulary (else the split spares too
   * little). Infinity: no split.
   */
  private tailCutOf(shift: number, maxMass: number, size: number): number {
    const bins = this.bins;
    const budget = maxMass * Math.exp(shift);
    let bound = 0;
    let count = 0;
    let k = NAT_BINS - 1;
    // The tail must stay strictly below the largest candidate's bin.
    const top = Math.min(NAT_BINS - 1, Math.floor(-shift) + 1);
    while (k >= top) {
      const next = bound + bins[k] * Math.exp(-k);
      if (next > budget) break;
      bound = next;
      count += bins[k];
      k--;
    }
    if (k === NAT_BINS - 1 || count === 0 || count < size / 8) return Infinity;
    return k + 1;
  }

  /** Head leaves for candidates with -log p < cut, one leaf for the rest. */
  private fillCompact(shift: number, cut: number): number {
    const { logProbs, candidates, headIds, slot } = this;
    const size = logProbs.length;
    const threshold = -cut;
    let n = 0;
    let tailCount = 0;
    let underflowed = 0;
    let outsideMass = 0;
    const words = (size + 31) >>> 5;
    for (let w = 0; w < words; w++) {
      const word = candidates === undefined ? 0xffffffff : candidates[w];
      const base = w << 5;
      const end = Math.min(32, size - base);
      for (let b = 0; b < end; b++) {
        const v = logProbs[base + b];
        if (((word >>> b) & 1) === 0) {
          if (v > -Infinity) outsideMass += Math.exp(v);
        } else if (v > threshold) {
          headIds[n++] = base + b;
        } else if (v - shift >= UNDERFLOW) {
          tailCount++;
        } else if (v > -Infinity) {
          underflowed++;
        }
      }
    }
    this.shift = shift;
    this.underflowed = underflowed;
    if (tailCount === 0) return this.rescale(true);
    const leaves = this.head.load(n + 1);
    let headMass = 0;
    for (let i = 0; i < n; i++) {
      const id = headIds[i];
      slot[id] = i + 1;
      headMass += leaves[i] = Math.exp(logProbs[id] - shift);
    }
    const tailMass = 1 - Math.exp(shift) * headMass - outsideMass;
    leaves[n] = tailMass > 0 ? tailMass * Math.exp(-shift) : 0;
    this.head.build();
    this.headCount = n;
    this.compact = true;
    this.tailCut = threshold;
    return this.head.total();
  }

  total(): number {
    return this.compact ? this.head.total() : this.full.total();
  }

  weight(id: number): number {
    if (!this.compact) return this.full.weight(id);
    const s = this.slot[id];
    return s > 0 ? this.head.weight(s - 1) : 0;
  }

  /** A token drawn in proportion to its weight; landing on the tail expands it and draws inside it. */
  draw(random: Random): number {
    if (!this.compact) return random.choose(this.full);
    const leaf = random.choose(this.head);
    if (leaf < this.headCount) return this.headIds[leaf];
    this.rescale(true);
    const tail = this.tail;
    tail.reset(this.full, this.logProbs, this.tailCut);
    // A tail mass that was only the rounding of 1 - head: nothing is really there.
    if (!(tail.total() > 0)) return random.choose(this.full);
    return random.choose(tail);
  }

  remove(id: number): void {
    if (this.compact) {
      const s = this.slot[id];
      if (s > 0) this.head.remove(s - 1);
    } else {
      this.full.remove(id);
    }
    this.removed.push(id);
  }

  /**
   * The mass left, after expanding the approximate tail once what is left is small and rescaling
   * when only what underflowed is left (so `shift` may change: read it after this call).
   */
  remaining(): number {
    let total = this.total();
    if (this.compact && total * Math.exp(this.shift) < EXPAND_TAIL_BELOW) total = this.rescale(true);
    return this.underflowed > 0 && total < RESCALE_BELOW ? this.rescale(false) : total;
  }

  /**
   * Removes every remaining candidate (except `known`) that `allowed` refuses, then loads the rest
   * exactly at their own scale. Returns the removed mass at the scale on entry.
   */
  keepOnly(allowed: (id: number) => boolean, known: number): number {
    const { logProbs, candidates, removedBits } = this;
    for (const id of this.removed) removedBits[id >>> 5] |= 1 << (id & 31);
    let refused = 0;
    for (let id = 0; id < logProbs.length; id++) {
      if (!(logProbs[id] > -Infinity) || id === known || (removedBits[id >>> 5] & (1 << (id & 31))) !== 0) continue;
      if (candidates !== undefined && (candidates[id >>> 5] & (1 << (id & 31))) === 0) continue;
      if (!allowed(id)) {
        refused += Math.exp(logProbs[id] - this.shift);
        this.removed.push(id);
      }
    }
    for (const id of this.removed) removedBits[id >>> 5] = 0;
    this.rescale(false);
    return refused;
  }

  private leaveCompact(): void {
    if (!this.compact) return;
    for (let i = 0; i < this.headCount; i++) this.slot[this.headIds[i]] = 0;
    this.compact = false;
  }

  /**
   * Loads the full tree with exp(logp - shift) over the candidates not removed (keepShift: at the
   * current scale, else at their largest log-probability); candidates below exp(UNDERFLOW) of it are
   * left out and counted. Returns the total.
   */
  private rescale(keepShift: boolean): number {
    this.leaveCompact();
    const { logProbs, candidates, removedBits } = this;
    const size = logProbs.length;
    const words = (size + 31) >>> 5;
    for (const id of this.removed) removedBits[id >>> 5] |= 1 << (id & 31);
    let shift = this.shift;
    if (!keepShift) {
      shift = -Infinity;
      for (let w = 0; w < words; w++) {
        let x = (candidates === undefined ? 0xffffffff : candidates[w]) & ~removedBits[w];
        while (x !== 0) {
          const low = x & -x;
          const id = (w << 5) + 31 - Math.clz32(low);
          x ^= low;
          if (id < size && logProbs[id] > shift) shift = logProbs[id];
        }
      }
    }
    const leaves = this.full.load(size);
    let underflowed = 0;
    if (shift > -Infinity) {
      for (let w = 0; w < words; w++) {
        let x = (candidates === undefined ? 0xffffffff : candidates[w]) & ~removedBits[w];
        while (x !== 0) {
          const low = x & -x;
          const id = (w << 5) + 31 - Math.clz32(low);
          x ^= low;
          if (id >= size) continue;
          const v = logProbs[id] - shift;
          if (v >= UNDERFLOW) leaves[id] = Math.exp(v);
          else if (v > -Infinity) underflowed++;
        }
      }
    }
    for (const id of this.removed) removedBits[id >>> 5] = 0;
    this.shift = shift;
    this.underflowed = underflowed;
    this.full.build();
    return this.full.total();
  }
}

/** The expanded tail of a draw: full-tree leaves of the ids at or below the tail cut. */
class TailDistribution implements Discrete {
  size = 0;
  private tree: SumTree | undefined;
  private logProbs: Float64Array = new Float64Array(0);
  private cut = -Infinity;
  private sum = 0;

  reset(tree: SumTree, logProbs: Float64Array, cut: number): void {
    this.tree = tree;
    this.logProbs = logProbs;
    this.cut = cut;
    this.size = logProbs.length;
    let sum = 0;
    for (let id = 0; id < this.size; id++) if (logProbs[id] <= cut) sum += tree.weight(id);
    this.sum = sum;
  }

  total(): number {
    return this.sum;
  }

  weight(id: number): number {
    return this.logProbs[id] <= this.cut ? this.tree!.weight(id) : 0;
  }

  locate(target: number): number {
    let last = -1;
    for (let id = 0; id < this.size; id++) {
      const w = this.weight(id);
      if (w > 0) {
        if (target < w) return id;
        target -= w;
        last = id;
      }
    }
    return last;
  }
}
