import type { Bits } from './bits.js';

/**
 * Counted runs of a string's product automaton: `[0-9a-zA-Z_-]{1,255}`, an email's local part
 * `[^@]{1,64}`, a hostname label's `[A-Za-z0-9-]{0,61}`. Such a state never loops (every character
 * moves the count), so the body walk's loop skip (StringPlan.loopBytes) never applies and the walk
 * stepped every identifier-like token of the vocabulary: 60-100k nodes per mask on Llama-3, the
 * largest walks of MaskBench (emails, `{1,255}` keys of `patternProperties`).
 *
 * But inside a run, every byte of one class leads to one same next state: after k bytes of the class
 * the state is the same whichever bytes they were. A run of a state is a list of spans (bytes,
 * depth): every string of at most `depth` bytes, all in `bytes`, leads through such states and kills
 * no atom on the way (each state on it has the same dead atoms as the first). A trie subtree whose
 * string-body bytes are all in a span's bytes, and no deeper than its depth, then holds only tokens
 * that keep the string alive: the walk allows them without stepping.
 *
 * Only printable ASCII counts (what counted patterns count; a multi-byte character passes through
 * several states). Spans are ordered by depth, their byte sets shrinking: from one state a class of
 * bytes may run for 3 steps and a smaller one for 60.
 */
export interface RunSpans {
  /** Span k's bytes: words [8k, 8k + 8) (256 bits). */
  readonly bytes: Uint32Array;
  /** Span k's depth, increasing with k. */
  readonly depths: Int32Array;
}

/** The product automaton as the runs see it. */
export interface RunAutomaton {
  step(state: number, byte: number): number;
  deadAt(state: number): Bits;
}

/**
 * A state's counted run is found (~94 steps, new product states for the bytes that leave the run)
 * only at a node with at least this many nodes below; smaller subtrees use the runs found before (the
 * states of a run found higher up). Finding runs at every inner node added ~9% to the bytes the
 * MaskBench masks allocate.
 */
export const RUN_MIN_NODES = 32;

/** Depths are counted up to here: a run this long is as good as unbounded for any vocabulary's tokens. */
export const RUN_DEPTH_CAP = 256;

/** Scratch of nextOf: per printable byte its target (-1: kills), and the distinct targets with counts. */
const BYTE_TARGET = new Int32Array(0x80);
const TARGETS = new Int32Array(0x80);
const COUNTS = new Int32Array(0x80);

const NO_SPANS: RunSpans = { bytes: new Uint32Array(0), depths: new Int32Array(0) };

export class CountedRuns {
  private readonly spansMemo: (RunSpans | undefined)[] = [];
  /** Per state: the largest class of bytes leading to one state that kills nothing more (8 words), and that state. */
  private readonly classMemo: (Uint32Array | undefined)[] = [];
  private readonly nextMemo: number[] = [];

  constructor(private readonly automaton: RunAutomaton) {}

  /** spans(state) where already known, else undefined (nothing computed). */
  knownSpans(state: number): RunSpans | undefined {
    return this.spansMemo[state];
  }

  /** The spans of `state`'s run (empty when no byte class moves it uniformly). */
  spans(state: number): RunSpans {
    const known = this.spansMemo[state];
    if (known !== undefined) return known;
    // Follow the run forward to a state whose spans are known, that loops, that has no class, or where
    // no byte of the first class goes on (a date-time's digits end at its first `-`: its later states
    // are not asked about); then fold back. A run of 255 states computes each state's class once, and
    // every later state is a suffix.
    const chain: number[] = [];
    const common = new Uint32Array(8).fill(0xffffffff);
    let cut = false;
    for (let t = state; ; ) {
      chain.push(t);
      const next = this.nextOf(t);
      if (next < 0 || next === t || this.spansMemo[next] !== undefined || chain.length >= RUN_DEPTH_CAP) break;
      const cls = this.classMemo[t]!;
      let any = 0;
      for (let w = 0; w < 8; w++) any |= common[w] &= cls[w];
      if (any === 0) {
        cut = true;
        break;
      }
      t = next;
    }
    // Where the walk stopped because the classes ran dry, the last state's own spans are not known (its
    // next state's are not): a state keeps its answer only if the classes from it to there run dry too.
    let reach: Uint32Array | undefined = cut ? new Uint32Array(8).fill(0xffffffff) : undefined;
    const spansAt: RunSpans[] = [];
    let result = NO_SPANS;
    for (let k = chain.length - 1; k >= 0; k--) {
      const s = chain[k];
      const cls = this.classMemo[s]!;
      const next = this.nextMemo[s];
      let spans: RunSpans;
      if (next < 0) spans = NO_SPANS;
      else if (next === s) spans = { bytes: cls, depths: Int32Array.of(RUN_DEPTH_CAP) };
      else spans = prepend(cls, this.spansMemo[next] ?? (k + 1 < chain.length ? spansAt[k + 1] : NO_SPANS));
      spansAt[k] = spans;
      let exact = true;
      if (reach !== undefined) {
        let any = 0;
        for (let w = 0; w < 8; w++) any |= reach[w] &= cls[w];
        exact = any === 0;
        if (exact) reach = undefined;
      }
      if (exact) this.spansMemo[s] = spans;
      result = spans;
    }
    return result;
  }

  /** The next state of the run from `state` (-1: no class), computing its class once. */
  private nextOf(state: number): number {
    if (this.classMemo[state] !== undefined) return this.nextMemo[state];
    const { automaton } = this;
    const dead = automaton.deadAt(state);
    // Targets and their byte counts in scratch arrays: a key's state can send every byte elsewhere
    // (a property-name trie), and a bitset per target allocated ~18 KB per state.
    let distinct = 0;
    for (let b = 0x20; b < 0x7f; b++) {
      BYTE_TARGET[b] = -1;
      if (b === 0x22 || b === 0x5c) continue;
      const u = automaton.step(state, b);
      if (u !== state && !sameBits(automaton.deadAt(u), dead)) continue;
      BYTE_TARGET[b] = u;
      let g = 0;
      while (g < distinct && TARGETS[g] !== u) g++;
      if (g === distinct) {
        TARGETS[distinct] = u;
        COUNTS[distinct++] = 0;
      }
      COUNTS[g]++;
    }
    let best = -1;
    for (let g = 0; g < distinct; g++) if (best < 0 || COUNTS[g] > COUNTS[best]) best = g;
    const cls = new Uint32Array(8);
    const next = best < 0 ? -1 : TARGETS[best];
    if (next >= 0) for (let b = 0x20; b < 0x7f; b++) if (BYTE_TARGET[b] === next) cls[b >>> 5] |= 1 << (b & 31);
    this.classMemo[state] = cls;
    this.nextMemo[state] = next;
    return this.nextMemo[state];
  }
}

/**
 * The spans of a state whose class `cls` leads to a state with spans `after`: one byte of `cls`, then
 * a string of span k of `after` (depth + 1, bytes in both). A span whose bytes equal the next one's is
 * dropped (the deeper one says more).
 */
function prepend(cls: Uint32Array, after: RunSpans): RunSpans {
  const current = PREPEND_CURRENT;
  const both = PREPEND_BOTH;
  current.set(cls);
  const bytes: number[] = [];
  const depths: number[] = [];
  let depth = 1;
  for (let k = 0; k < after.depths.length; k++) {
    let any = 0;
    for (let w = 0; w < 8; w++) any |= both[w] = current[w] & after.bytes[k * 8 + w];
    if (any === 0) break;
    if (!sameBits(both, current)) {
      for (let w = 0; w < 8; w++) bytes.push(current[w]);
      depths.push(depth);
      current.set(both);
    }
    depth = Math.min(RUN_DEPTH_CAP, after.depths[k] + 1);
  }
  for (let w = 0; w < 8; w++) bytes.push(current[w]);
  depths.push(depth);
  return { bytes: Uint32Array.from(bytes), depths: Int32Array.from(depths) };
}

const PREPEND_CURRENT = new Uint32Array(8);
const PREPEND_BOTH = new Uint32Array(8);

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) return false;
  return true;
}

/**
 * Whether every string-body byte below trie node `node` (`below`, 8 words per node) is in the bytes of
 * a span at least `height` deep: then every body path of the subtree runs inside the run.
 */
export function runCovers(spans: RunSpans, below: Uint32Array, node: number, height: number): boolean {
  const { depths, bytes } = spans;
  let k = 0;
  while (k < depths.length && depths[k] < height) k++;
  if (k === depths.length) return false;
  const at = node * 8;
  const span = k * 8;
  for (let w = 0; w < 8; w++) if ((below[at + w] & ~bytes[span + w]) !== 0) return false;
  return true;
}
