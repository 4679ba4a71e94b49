import { maskCount, maskWords } from '../../grammar/automaton/token-automaton.js';
import type { Discrete, Random } from '../random.js';
import { SumTree } from '../sum-tree.js';

/** Lazy handling of the unlikely tail of a distribution (see TokenUrn). */
export interface TailOptions {
  /** Vocabularies smaller than this are loaded whole. */
  readonly minVocab: number;
  /** The tail's mass is provably at most this share of the largest candidate's probability. */
  readonly maxMass: number;
}

/**
 * A draw lands in the tail (and pays one exp() pass over the vocabulary, ~2.4 ms for 128k ids on the
 * shared VM) with probability at most ~maxMass; the tail's mass is known to the decoder's
 * normalisation error (~1e-14 absolute), and the tail is expanded before the mass left drops below
 * 1e-3, so weights stay exact to ~1e-10 relative. 0.03 measured best in expected time per AWRS draw
 * on 128k ids (bench/samplers.ts rows and a wider, peaked one): 0.01 keeps 2.5x more of a flat head,
 * 0.1 lands in the tail up to 20% of the draws.
 */
export const DEFAULT_TAIL: TailOptions = { minVocab: 4096, maxMass: 0.03 };

/** Candidates below exp(-690) ~ 1e-300 of the largest are kept out of the tree until a rescale. */
const UNDERFLOW = -690;
/** A remaining mass below exp(-600) of the scale triggers a rescale when candidates were left out. */
const RESCALE_BELOW = Math.exp(-600);
/** The approximate tail is expanded once the mass left falls below this (its ~1e-14 error stays < 1e-11 relative). */
const EXPAND_TAIL_BELOW = 1e-3;
const FULL_WORD = 0xffffffff;
/** Histogram resolution of the head/tail split: a bin's weights are within e^(1/4) of each other. */
const BINS_PER_NAT = 4;
const MAX_BINS = 64 * BINS_PER_NAT;
/** Below this many collected candidates the histogram costs more than the exp() it saves. */
const HISTOGRAM_MIN = 1024;
/** First attempt of the head/tail split: candidates within this many nats of the largest (see fillWithTail). */
const FIRST_GAP = 14;

/**
 * The decoder's next-token distribution over a set of candidate ids, as an urn to draw from
 * without replacement: draw a token in proportion to its probability, remove it, read the mass
 * left. AWRS runs on it, so everything but loading a distribution is O(log V) per call.
 *
 * Weights are exp(logp - shift), shift being the largest candidate log-probability, in a SumTree
 * whose leaves are the loaded candidates (remaining masses are tree totals, never differences).
 * Loading is one pass over the log-probabilities, 32 ids per candidate word, plus exp() of what is
 * loaded; exp() is the cost floor (~10 ns each, measured: a JS table-driven exp was 2.4x slower),
 * so for dense candidate sets of large vocabularies a lazy tail keeps it off most of the ids:
 * - Lazy tail: candidates far below the largest one (at most `maxMass` of its probability all
 *   together, see fillWithTail) are not exponentiated: one pseudo-leaf holds their mass,
 *   1 - head - non-candidates (log-probabilities are a log-softmax, normalised to ~1e-14). The tail
 *   is expanded into real leaves only when a draw lands on it or the mass left becomes small.
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
  /** The candidate set after keepAllowed (the urn's own copy; the caller's set is never written). */
  private readonly kept: Uint32Array;
  private readonly tree = new SumTree(1);
  /** Token id of each leaf; with an approximate tail, the leaf after the last one is the tail. */
  private readonly ids: Int32Array;
  private count = 0;
  /** id -> leaf + 1 (0: not loaded). */
  private readonly slot: Int32Array;
  /** Whether leaf `count` is the approximate tail: the candidates at or below `tailTop`, not loaded. */
  private approximateTail = false;
  private tailTop = -Infinity;
  /** Histogram of the collected candidates by quarter nats below the maximum (4 interleaved copies). */
  private readonly bins = new Int32Array(MAX_BINS * 4);
  private readonly tail = new TailDistribution();

  constructor(
    vocabSize: number,
    private readonly tailOptions: TailOptions | false = DEFAULT_TAIL,
  ) {
    this.ids = new Int32Array(vocabSize + 1);
    this.slot = new Int32Array(vocabSize + 1);
    this.removedBits = new Uint32Array(maskWords(vocabSize));
    this.kept = new Uint32Array(maskWords(vocabSize));
  }

  /**
   * Loads `logProbs` (a log-softmax) restricted to the ids set in `candidates` (undefined: all).
   * Returns the total weight; the candidates' probability is exp(shift) * total.
   */
  fill(logProbs: Float64Array, candidates: Uint32Array | undefined): number {
    this.unload();
    this.logProbs = logProbs;
    this.candidates = candidates;
    this.removed.length = 0;
    const size = logProbs.length;
    this.size = size;
    const tail = this.tailOptions;
    if (tail === false || size < tail.minVocab) return this.rescale();
    const count = candidates === undefined ? size : maskCount(candidates, size);
    // A sparse candidate set (a superset mask) is loaded exactly: the tail's mass would need exp() of
    // every non-candidate.
    if (count * 2 < size) return this.rescale();
    return this.fillWithTail(tail.maxMass, count);
  }

  /**
   * Loads the head exactly and the tail as one pseudo-leaf. One pass over the candidate words (32 ids
   * per word, no branch on the common path) finds the maximum, the ids within `gap` nats of the
   * running maximum (a superset of the head), the smallest log-probability and the non-candidates'
   * mass. A histogram of the collected ids in quarter nats below the maximum then moves the deepest
   * bins to the tail while their bound (count x the bin's largest weight) fits in the budget. Only
   * the head is exponentiated; the tail's mass is then known.
   *
   * The split only decides speed (a draw landing in the tail expands it), never the distribution, so
   * the first attempt collects within FIRST_GAP nats and keeps the split if the tail's actual mass is
   * within maxMass; else a second pass collects within ln(8n/maxMass) nats, where everything further
   * down provably weighs less than maxMass/8 (measured on the benchmark's model: 16k ids collected
   * instead of 68k, 1.4x faster per fill, and no second pass).
   */
  private fillWithTail(maxMass: number, count: number): number {
    const boundedGap = Math.log((8 * count) / maxMass);
    if (FIRST_GAP < boundedGap) {
      const total = this.splitAt(FIRST_GAP, maxMass, count, false);
      if (total >= 0) return total;
    }
    return this.splitAt(boundedGap, maxMass, count, true);
  }

  /**
   * One attempt of fillWithTail with `gap`; returns the total, or -1 (nothing loaded) when the tail
   * is heavier than maxMass of the largest weight and `bounded` is false.
   */
  private splitAt(gap: number, maxMass: number, count: number, bounded: boolean): number {
    const { logProbs, candidates, ids } = this;
    const size = logProbs.length;
    let max = -Infinity;
    let floor = -Infinity;
    let min = Infinity;
    let n = 0;
    let outsideMass = 0;
    const words = (size + 31) >>> 5;
    for (let w = 0; w < words; w++) {
      const word = candidates === undefined ? FULL_WORD : candidates[w];
      const base = w << 5;
      if (word === FULL_WORD && base + 32 <= size) {
        for (let i = base, end = base + 32; i < end; i++) {
          const v = logProbs[i];
          // Branch-free append: a branch on noisy log-probabilities mispredicts (measured 2x slower).
          ids[n] = i;
          n += +(v >= floor);
          if (v > max) {
            max = v;
            floor = v - gap;
          }
          if (v < min && v > -Infinity) min = v;
        }
        continue;
      }
      const end = Math.min(32, size - base);
      for (let b = 0; b < end; b++) {
        const i = base + b;
        const v = logProbs[i];
        if (((word >>> b) & 1) === 0) {
          if (v > -Infinity) outsideMass += Math.exp(v);
          continue;
        }
        ids[n] = i;
        n += +(v >= floor);
        if (v > max) {
          max = v;
          floor = v - gap;
        }
        if (v < min && v > -Infinity) min = v;
      }
    }
    if (max === -Infinity) return this.rescale();
    // Bounded: everything not collected weighs < e^-gap each, maxMass/8 all together; the bins share
    // the rest. Unbounded: the bins take half of maxMass, and the tail is weighed below.
    const uncollected = bounded ? maxMass / 8 : 0;
    const tailTop = n >= HISTOGRAM_MIN ? this.tailTopOf(max, gap, n, uncollected, bounded ? maxMass : maxMass / 2) : max - gap;
    let h = 0;
    for (let k = 0; k < n; k++) {
      const id = ids[k];
      ids[h] = id;
      h += +(logProbs[id] > tailTop);
    }
    const approximateTail = h < count;
    const leaves = this.tree.load(approximateTail ? h + 1 : h);
    let headMass = 0;
    for (let k = 0; k < h; k++) headMass += leaves[k] = Math.exp(logProbs[ids[k]] - max);
    if (approximateTail) {
      const tailMass = 1 - Math.exp(max) * headMass - outsideMass;
      const tailWeight = tailMass > 0 ? tailMass * Math.exp(-max) : 0;
      if (!bounded && tailWeight > maxMass) return -1;
      leaves[h] = tailWeight;
    }
    const slot = this.slot;
    for (let k = 0; k < h; k++) slot[ids[k]] = k + 1;
    this.count = h;
    this.approximateTail = approximateTail;
    this.tailTop = tailTop;
    this.shift = max;
    this.underflowed = min - max < UNDERFLOW ? this.countUnderflowed(max) : 0;
    this.tree.build();
    return this.tree.total();
  }

  /**
   * The largest log-probability of the tail, from a histogram of the first `n` ids (quarter nats
   * below `max`; four interleaved copies, so that runs of equal bins do not wait on each other's
   * stores: measured 1.8x faster on a peaked distribution). Starting from the bound `below` on what
   * the histogram does not hold, bins join the tail from the deepest up while the total bound stays
   * within `budget`. The bin of the maximum always stays in the head; with no bin moved, the tail is
   * what lies more than `gap` nats down.
   */
  private tailTopOf(max: number, gap: number, n: number, below: number, budget: number): number {
    const { logProbs, ids } = this;
    const bins = this.bins;
    const binCount = Math.min(MAX_BINS, Math.ceil(gap * BINS_PER_NAT));
    const depth = binCount / BINS_PER_NAT;
    bins.fill(0, 0, binCount * 4);
    for (let k = 0; k < n; k++) {
      const d = (max - logProbs[ids[k]]) * BINS_PER_NAT;
      if (d < binCount) bins[((d | 0) << 2) | (k & 3)]++;
    }
    // Collected ids deeper than the histogram (only when gap exceeds MAX_BINS) weigh < e^-depth each.
    let inBins = 0;
    for (let b = 0; b < binCount * 4; b++) inBins += bins[b];
    let bound = below + (depth < gap ? (n - inBins) * Math.exp(-depth) : 0);
    let cut = binCount;
    while (cut > 1) {
      const k = (cut - 1) << 2;
      const next = bound + (bins[k] + bins[k + 1] + bins[k + 2] + bins[k + 3]) * Math.exp(-(cut - 1) / BINS_PER_NAT);
      if (next > budget) break;
      bound = next;
      cut--;
    }
    return cut === binCount ? max - gap : max - cut / BINS_PER_NAT;
  }

  /** Candidates with a probability below exp(UNDERFLOW) of the largest one (exact count, rare). */
  private countUnderflowed(max: number): number {
    const { logProbs, candidates } = this;
    const size = logProbs.length;
    const below = max + UNDERFLOW;
    let count = 0;
    for (let id = 0; id < size; id++) {
      const v = logProbs[id];
      if (v < below && v > -Infinity && (candidates === undefined || (candidates[id >>> 5] & (1 << (id & 31))) !== 0)) count++;
    }
    return count;
  }

  total(): number {
    return this.tree.total();
  }

  weight(id: number): number {
    const s = this.slot[id];
    return s > 0 ? this.tree.weight(s - 1) : 0;
  }

  /** A token drawn in proportion to its weight; landing on the tail expands it and draws inside it. */
  draw(random: Random): number {
    const leaf = random.choose(this.tree);
    if (leaf < this.count) return this.ids[leaf];
    const first = this.count;
    this.expandTail();
    const tail = this.tail;
    tail.reset(this.tree, first, this.count);
    // A tail mass that was only the rounding of 1 - head: nothing is really there.
    if (!(tail.total() > 0)) return this.ids[random.choose(this.tree)];
    return this.ids[first + random.choose(tail)];
  }

  /** Takes `id` out of the urn (a drawn token; removing one still in the approximate tail expands it). */
  remove(id: number): void {
    let s = this.slot[id];
    if (s === 0 && this.approximateTail && this.logProbs[id] <= this.tailTop && this.isCandidate(id)) {
      this.expandTail();
      s = this.slot[id];
    }
    if (s > 0) this.tree.remove(s - 1);
    this.removed.push(id);
  }

  private isCandidate(id: number): boolean {
    return this.candidates === undefined || (this.candidates[id >>> 5] & (1 << (id & 31))) !== 0;
  }

  /**
   * The mass left, after expanding the approximate tail once what is left is small and rescaling
   * when only what underflowed is left (so `shift` may change: read it after this call).
   */
  remaining(): number {
    let total = this.tree.total();
    if (this.approximateTail && total * Math.exp(this.shift) < EXPAND_TAIL_BELOW) {
      this.expandTail();
      total = this.tree.total();
    }
    return this.underflowed > 0 && total < RESCALE_BELOW ? this.rescale() : total;
  }

  /**
   * Removes every remaining candidate (except `known`) that `allowed` refuses, then loads the rest
   * exactly at their own scale. Returns the removed mass at the scale on entry.
   */
  keepOnly(allowed: (id: number) => boolean, known: number): number {
    return this.keepAllowed(undefined, allowed, known);
  }

  /**
   * Like keepOnly, for a condition's mask: the candidates become those in `mask` (confirmed with
   * `check` when one is given: a superset mask), `known` kept, computed word by word into the urn's
   * own candidate set, so an exact mask costs no call and no list entry per refused token. The
   * refused mass (at the scale on entry) costs exp() of every refused token: pass `weighRefused`
   * false when it is not needed.
   */
  keepAllowed(mask: Uint32Array | undefined, check: ((id: number) => boolean) | undefined, known: number, weighRefused = true): number {
    const { logProbs, removedBits, kept } = this;
    const size = logProbs.length;
    const shift = this.shift;
    const candidates = this.candidates;
    for (const id of this.removed) removedBits[id >>> 5] |= 1 << (id & 31);
    let refused = 0;
    const words = (size + 31) >>> 5;
    for (let w = 0; w < words; w++) {
      const remaining = (candidates === undefined ? FULL_WORD : candidates[w]) & ~removedBits[w];
      let allowed = mask === undefined ? remaining : remaining & mask[w];
      if (check !== undefined) {
        let x = allowed;
        while (x !== 0) {
          const low = x & -x;
          const id = (w << 5) + 31 - Math.clz32(low);
          x ^= low;
          if (id !== known && id < size && logProbs[id] > -Infinity && !check(id)) allowed &= ~low;
        }
      }
      if (known >>> 5 === w && (remaining & (1 << (known & 31))) !== 0) allowed |= 1 << (known & 31);
      kept[w] = allowed;
      if (!weighRefused) continue;
      let x = remaining & ~allowed;
      while (x !== 0) {
        const low = x & -x;
        const id = (w << 5) + 31 - Math.clz32(low);
        x ^= low;
        if (id < size && logProbs[id] > -Infinity) refused += Math.exp(logProbs[id] - shift);
      }
    }
    for (const id of this.removed) removedBits[id >>> 5] = 0;
    // The kept set already leaves out everything removed.
    this.candidates = kept;
    this.removed.length = 0;
    this.rescale();
    return refused;
  }

  /**
   * Turns the approximate tail into real leaves, after the head's leaves (which keep their positions
   * and removals): one pass to collect the tail's candidates and exp() of each (candidates that
   * underflow at the current scale stay out; `underflowed` counted them when the urn was filled).
   */
  private expandTail(): void {
    const { logProbs, candidates, removedBits, ids, slot } = this;
    const size = logProbs.length;
    const shift = this.shift;
    const head = this.count;
    const top = this.tailTop;
    const below = shift + UNDERFLOW;
    for (const id of this.removed) removedBits[id >>> 5] |= 1 << (id & 31);
    let n = head;
    const words = (size + 31) >>> 5;
    for (let w = 0; w < words; w++) {
      const word = (candidates === undefined ? FULL_WORD : candidates[w]) & ~removedBits[w];
      if (word === 0) continue;
      const base = w << 5;
      if (word === FULL_WORD && base + 32 <= size) {
        for (let i = base, end = base + 32; i < end; i++) {
          const v = logProbs[i];
          ids[n] = i;
          n += +(v <= top && v >= below);
        }
        continue;
      }
      const end = Math.min(32, size - base);
      for (let b = 0; b < end; b++) {
        const v = logProbs[base + b];
        ids[n] = base + b;
        n += +(((word >>> b) & 1) !== 0 && v <= top && v >= below);
      }
    }
    const leaves = this.tree.load(n);
    for (let k = 0; k < head; k++) {
      const id = ids[k];
      if ((removedBits[id >>> 5] & (1 << (id & 31))) === 0) leaves[k] = Math.exp(logProbs[id] - shift);
    }
    for (const id of this.removed) removedBits[id >>> 5] = 0;
    for (let k = head; k < n; k++) {
      const id = ids[k];
      slot[id] = k + 1;
      leaves[k] = Math.exp(logProbs[id] - shift);
    }
    this.count = n;
    this.approximateTail = false;
    this.tree.build();
  }

  private unload(): void {
    const { ids, slot } = this;
    for (let k = 0; k < this.count; k++) slot[ids[k]] = 0;
    this.count = 0;
    this.approximateTail = false;
  }

  /**
   * Loads the tree exactly with exp(logp - shift) over the candidates not removed, shift being their
   * largest log-probability; candidates below exp(UNDERFLOW) of it are left out and counted. Returns
   * the total.
   */
  private rescale(): number {
    this.unload();
    const { logProbs, candidates, removedBits, ids, slot } = this;
    const size = logProbs.length;
    for (const id of this.removed) removedBits[id >>> 5] |= 1 << (id & 31);
    let n = 0;
    let max = -Infinity;
    let min = Infinity;
    const words = (size + 31) >>> 5;
    for (let w = 0; w < words; w++) {
      const word = (candidates === undefined ? FULL_WORD : candidates[w]) & ~removedBits[w];
      if (word === 0) continue;
      const base = w << 5;
      const end = Math.min(32, size - base);
      for (let b = 0; b < end; b++) {
        const v = logProbs[base + b];
        // Finite candidates only; a cleared bit reads as -Infinity.
        const x = ((word >>> b) & 1) === 0 ? -Infinity : v;
        ids[n] = base + b;
        n += +(x > -Infinity);
        if (x > max) max = x;
        if (x < min && x > -Infinity) min = x;
      }
    }
    for (const id of this.removed) removedBits[id >>> 5] = 0;
    const shift = max;
    // Candidates below exp(UNDERFLOW) of the scale are left out (none when nothing is that far below).
    let h = n;
    if (shift > -Infinity && min - shift < UNDERFLOW) {
      const below = shift + UNDERFLOW;
      h = 0;
      for (let k = 0; k < n; k++) {
        const id = ids[k];
        ids[h] = id;
        h += +(logProbs[id] >= below);
      }
    } else if (shift === -Infinity) {
      h = 0;
    }
    const leaves = this.tree.load(h);
    for (let k = 0; k < h; k++) {
      const id = ids[k];
      slot[id] = k + 1;
      leaves[k] = Math.exp(logProbs[id] - shift);
    }
    this.count = h;
    this.shift = shift;
    this.underflowed = n - h;
    this.tree.build();
    return this.tree.total();
  }
}

/**
 * The expanded tail of a draw: the tree's leaves from `first` on. Its mass and draws come from the
 * tree (prefix sums along one path, O(log n)), not from a scan of the ~V tail leaves.
 */
class TailDistribution implements Discrete {
  size = 0;
  private tree: SumTree | undefined;
  private first = 0;
  private before = 0;
  private sum = 0;

  reset(tree: SumTree, first: number, end: number): void {
    this.tree = tree;
    this.first = first;
    this.size = end - first;
    this.before = tree.sumBefore(first);
    this.sum = tree.sumFrom(first);
  }

  total(): number {
    return this.sum;
  }

  weight(i: number): number {
    return this.tree!.weight(this.first + i);
  }

  locate(target: number): number {
    const tree = this.tree!;
    let leaf = tree.locate(this.before + target);
    // Rounding of before + target can land just before the tail: take its first leaf with weight.
    while (leaf < this.first || !(tree.weight(leaf) > 0)) {
      if (leaf < this.first) leaf = this.first;
      else leaf++;
      if (leaf >= this.first + this.size) return this.lastWithWeight();
    }
    return leaf - this.first;
  }

  private lastWithWeight(): number {
    for (let i = this.size - 1; i >= 0; i--) if (this.weight(i) > 0) return i;
    return this.size - 1;
  }
}
