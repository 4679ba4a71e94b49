import type { TokenTrie } from '../vocab/token-trie.js';
import { bitsKey } from './bits.js';
import { bodyBytesBelow, bodyHeightBelow, within } from './budgeted-walk.js';
import { runCovers, RUN_MIN_NODES } from './counted-runs.js';
import { ESCAPES, ESCAPE_U, hex, utf8Encode } from './frame.js';
import { stringExits } from './string-exits.js';
import type { StringPlan } from './string-plan.js';

/**
 * Product states of a string plan that no token can tell apart, so that their masks can share one
 * cache entry.
 *
 * A pattern such as `^[0-9a-zA-Z_-]{1,255}$` or `^[A-Fa-f\d]{24}$` moves its automaton to a new state
 * on every character (it counts them), so every position of such a string was its own mask-cache key
 * and its own trie walk: on MaskBench these walks took 2-40 ms each, a large share of the masks over
 * 5 ms. Yet the 3rd and the 4th character of a 24-digit id allow the same tokens: no token of hex
 * digits is long enough to reach the 24th.
 *
 * What a token does to a value string in its normal (unescaped) state depends on the product state
 * only through the atoms that are dead (`deadAt`) where it ends and the atoms that accept (`acceptAt`)
 * where its closing quote comes; after the quote the string is done. (Atoms that die halfway stay
 * dead, and the machine's verdict only grows more false as they die.) So two states are equivalent
 * when every token of every vocabulary served ends with the same dead atoms from both, and closes the
 * string, if it does, with the same accepting atoms. That is checked exactly by walking the tries with
 * the pair of states (escapes decoded as the machine decodes them), skipping subtrees where the states
 * meet or the machine refuses the bytes whatever the state. Where a token ends inside an unfinished
 * escape the machine asks whether some code point can follow: there the pair must agree on every byte
 * string of one code point (4 bytes). A state that cannot be proven equal to one of a few recent
 * representatives is its own class.
 */
export class HorizonClasses {
  private readonly plan: StringPlan;
  readonly trieList: readonly TokenTrie[];
  /** Class (representative product state) by product state, -1 when not yet asked. */
  private classes: Int32Array = new Int32Array(64).fill(-1);
  /** Interned dead and accepting atom sets by product state, -1 when not yet computed. */
  private deadIds: Int32Array = new Int32Array(64).fill(-1);
  private acceptIds: Int32Array = new Int32Array(64).fill(-1);
  private readonly bitsIds = new Map<string, number>();
  /**
   * Representatives by signature, most members first (a new state is compared with these only).
   */
  private readonly representatives = new Map<number, { ps: number; members: number }[]>();
  /** States compared in vain, and states found a class: a plan whose states rarely share stops trying. */
  private failures = 0;
  private successes = 0;

  /** How many tries the classes hold along (part of the keys they give). */
  get tries(): number {
    return this.trieList.length;
  }

  constructor(plan: StringPlan, tries: readonly TokenTrie[]) {
    this.plan = plan;
    this.trieList = tries;
  }

  /** The representative of `ps`'s class (`ps` itself when no equal state is known). */
  classOf(ps: number): number {
    if (ps >= this.classes.length) this.classes = grow(this.classes, ps);
    const known = this.classes[ps];
    if (known >= 0) return known;
    let found = ps;
    if (this.failures < MIN_FAILURES || this.failures <= FAILURES_PER_SUCCESS * this.successes) {
      const signature = this.signature(ps);
      let reps = this.representatives.get(signature);
      if (reps === undefined) {
        reps = [];
        this.representatives.set(signature, reps);
      }
      // Representatives that already stand for other states first: a string's late positions, near a
      // length limit, are each their own class and must not crowd out the class of its early ones.
      for (let k = 0; k < reps.length && found === ps; k++) {
        if (this.equivalent(ps, reps[k].ps)) {
          found = reps[k].ps;
          reps[k].members++;
          for (let j = k; j > 0 && reps[j].members > reps[j - 1].members; j--) [reps[j], reps[j - 1]] = [reps[j - 1], reps[j]];
        }
      }
      if (found === ps) {
        if (reps.length > 0) this.failures++;
        if (reps.length >= MAX_REPRESENTATIVES) reps.pop();
        reps.push({ ps, members: 0 });
      } else {
        this.successes++;
      }
    }
    this.classes[ps] = found;
    return found;
  }

  /** The pair (dead atoms, accepting atoms) of `ps`, interned: states in one class agree on it. */
  private signature(ps: number): number {
    return this.dead(ps) * 1048576 + this.accepting(ps);
  }

  /** The atoms dead in `ps`, interned. */
  private dead(ps: number): number {
    if (ps >= this.deadIds.length) this.deadIds = grow(this.deadIds, ps);
    return this.deadIds[ps] >= 0 ? this.deadIds[ps] : (this.deadIds[ps] = intern(this.bitsIds, bitsKey(this.plan.deadAt(ps))));
  }

  /** The atoms accepting in `ps` (that a closing quote makes true), interned. */
  private accepting(ps: number): number {
    if (ps >= this.acceptIds.length) this.acceptIds = grow(this.acceptIds, ps);
    return this.acceptIds[ps] >= 0 ? this.acceptIds[ps] : (this.acceptIds[ps] = intern(this.bitsIds, bitsKey(this.plan.acceptAt(ps))));
  }

  /**
   * Whether no token of any trie tells `a` and `b` apart. Each trie's probe nodes are walked first: most
   * pairs that differ differ there, and the whole walk finds it late (MaskBench dev, first 1,500 files:
   * 87% of comparisons failed; the 1% that cost more than 1,000 visits each took 88% of their visits,
   * ~35,000 to reach a difference on the first byte, ~125,000 for one 45-64 bytes deep).
   */
  private equivalent(a: number, b: number): boolean {
    if (this.dead(a) !== this.dead(b) || this.accepting(a) !== this.accepting(b)) return false;
    const pending = new Map<string, boolean>();
    for (const trie of this.trieList) if (!this.sameAlongTrie(trie, probeNodes(trie), a, b, pending)) return false;
    for (const trie of this.trieList) if (!this.sameAlongTrie(trie, null, a, b, pending)) return false;
    return true;
  }

  /**
   * Walks `trie` with the pair of states (the string in its normal state before the token), decoding
   * as the machine does (schema-machine.ts stepString); false at the first byte string they tell apart.
   * With `probe`, only its nodes are walked (an ancestor-closed subset, in trie order), so a false is
   * as true as the whole walk's and a true says nothing.
   */
  private sameAlongTrie(trie: TokenTrie, probe: ProbeNodes | null, a: number, b: number, pending: Map<string, boolean>): boolean {
    const plan = this.plan;
    const { nodeByte, nodeDepth, nodeTokenStart } = trie;
    // Position k in the walk is node `order[k]` (node k without a probe); pruning its subtree jumps to `skip[k]`.
    const order = probe === null ? null : probe.nodes;
    const skip = probe === null ? trie.subtreeEnd : probe.skip;
    const count = probe === null ? trie.nodeCount : probe.nodes.length;
    const bodyCovered = stringExits(trie).bodyCovered;
    const below = bodyBytesBelow(trie);
    const height = bodyHeightBelow(trie);
    const { subtreeEnd } = trie;
    const end = plan.components.length;
    const depthCap = trie.maxDepth + 2;
    const xs = new Int32Array(depthCap);
    const ys = new Int32Array(depthCap);
    const modes = new Int8Array(depthCap);
    const accs = new Int32Array(depthCap);
    const highs = new Int32Array(depthCap);
    xs[0] = a;
    ys[0] = b;
    let visits = 0;
    for (let k = probe === null ? 1 : 0; k < count; ) {
      if (visits++ >= MAX_VISITS) return false;
      const i = order === null ? k : order[k];
      const d = nodeDepth[i];
      const byte = nodeByte[i];
      let x = xs[d - 1];
      let y = ys[d - 1];
      let mode = modes[d - 1];
      let acc = accs[d - 1];
      let high = highs[d - 1];
      // What the byte does: RAW (a body byte), a decoded code point (>= 0), PENDING (inside an escape)
      // or REFUSED (the machine refuses it whatever the state, or the string is closed).
      let cp = PENDING;
      if (mode === M_NORMAL) {
        // A closing quote ends what the state decides: the atoms accepting there (the others end false,
        // dead or not).
        if (byte === 0x22 && this.accepting(x) !== this.accepting(y)) return false;
        if (byte === 0x22 || byte < 0x20) cp = REFUSED;
        else if (byte === 0x5c) mode = M_BACKSLASH;
        else cp = RAW;
      } else if (mode === M_BACKSLASH) {
        const e = ESCAPES[byte];
        if (e === ESCAPE_U) {
          mode = M_HEX;
          acc = 0;
        } else if (e < 0) cp = REFUSED;
        else {
          cp = e;
          mode = M_NORMAL;
        }
      } else if (mode === M_LOW_BACKSLASH) {
        if (byte === 0x5c) mode = M_LOW_U;
        else cp = REFUSED;
      } else if (mode === M_LOW_U) {
        if (byte === 0x75) {
          mode = M_LOW_HEX;
          acc = 0;
        } else cp = REFUSED;
      } else {
        const h = hex(byte);
        if (h < 0) cp = REFUSED;
        else {
          acc = acc * 16 + h;
          const low = mode >= M_LOW_HEX;
          const read = mode - (low ? M_LOW_HEX : M_HEX) + 1;
          if (!low && read === 2 && acc >= 0xdc && acc <= 0xdf) cp = REFUSED; // a lone low surrogate
          else if (low && read === 1 && acc !== 0xd) cp = REFUSED;
          else if (low && read === 2 && (acc < 0xdc || acc > 0xdf)) cp = REFUSED;
          else if (read < 4) mode++;
          else if (low) {
            cp = 0x10000 + ((high - 0xd800) << 10) + (acc - 0xdc00);
            mode = M_NORMAL;
          } else if (acc >= 0xd800 && acc <= 0xdbff) {
            high = acc;
            mode = M_LOW_BACKSLASH;
          } else {
            cp = acc;
            mode = M_NORMAL;
          }
        }
      }
      if (cp === REFUSED) {
        k = skip[k];
        continue;
      }
      if (cp === RAW) {
        x = plan.step(x, byte);
        y = plan.step(y, byte);
      } else if (cp >= 0) {
        const n = utf8Encode(cp, SCRATCH);
        for (let j = 0; j < n; j++) {
          x = plan.step(x, SCRATCH[j]);
          y = plan.step(y, SCRATCH[j]);
        }
      }
      if (x === y) {
        // The states met: every longer token behaves alike.
        k = skip[k];
        continue;
      }
      // Only where a token ends do the dead atoms decide its bit. Atoms never revive, and the machine's
      // verdict only grows more false as they die, so a token that dies halfway dies at its end too:
      // states whose counts run out a few bytes apart still agree on every token (a 36-digit token and
      // two 48-digit ids) unless a token ends between. Inside an escape the machine asks whether some
      // code point (4 bytes at most) keeps the string alive.
      const differ = this.dead(x) !== this.dead(y);
      if (nodeTokenStart[i] !== nodeTokenStart[i + 1] && (cp === PENDING ? !this.agreeOnCodePoints(x, y, pending) : differ)) return false;
      if (mode === M_NORMAL && bodyCovered[i] !== 0 && plan.safe(x, end) && plan.safe(y, end)) {
        // Every token below is string body, and no body character can kill a live component of either
        // state: the dead atoms stay as they are here, and no quote comes to ask for accepting ones
        // (an unanchored `[a-z0-9_-]{162}` counts on every character: its states never meet, and this
        // walk went through every identifier of the vocabulary). Some token ends at or below here.
        if (differ) return false;
        k = skip[k];
        continue;
      }
      if (
        mode === M_NORMAL &&
        bodyCovered[i] !== 0 &&
        this.quietBelow(x, xs[d - 1], below, height, subtreeEnd, i) &&
        this.quietBelow(y, ys[d - 1], below, height, subtreeEnd, i)
      ) {
        // Every token below is string body (no quote, no escape) whose bytes leave each state as it is
        // or keep it inside a counted run: no atom of either dies below, so nothing below can tell
        // them apart (the words of a word count; measured over 3 such MaskBench files: this walk's
        // time 1.4 s -> 0.4 s). The dead atoms stay as they are here.
        if (differ) return false;
        k = skip[k];
        continue;
      }
      xs[d] = x;
      ys[d] = y;
      modes[d] = mode;
      accs[d] = acc;
      highs[d] = high;
      k++;
    }
    return true;
  }

  /**
   * Whether no body byte below trie node `node` can kill an atom of `state` (reached from `before`;
   * `below`, `height` and `subtreeEnd` are the trie's, see bodyBytesBelow and bodyHeightBelow):
   * every such byte loops on it, or the subtree lies inside its counted run. Loop bytes are found only
   * where the byte before looped, and used elsewhere if found before, as the body walk does (they cost
   * ~94 steps, more with multi-byte characters); runs only at large subtrees (RUN_MIN_NODES).
   */
  private quietBelow(state: number, before: number, below: Uint32Array, height: Uint16Array, subtreeEnd: Uint32Array, node: number): boolean {
    const plan = this.plan;
    const loops = state === before ? plan.loopBytes(state) : plan.knownLoopBytes(state);
    if (loops !== undefined && within(below, node, loops)) return true;
    const size = subtreeEnd[node] - node;
    if (size < 2) return false;
    const spans = size >= RUN_MIN_NODES ? plan.runSpans(state) : plan.knownRunSpans(state);
    return spans !== undefined && runCovers(spans, below, node, height[node]);
  }

  /**
   * The pair agrees on every code point that can follow (the dead atoms after its UTF-8 bytes, and
   * after each of them), breadth first over valid UTF-8 and bounded. An unfinished escape decodes to
   * exactly one code point, and the machine asks whether some code point keeps the string alive.
   * (Every byte string of up to 4 bytes was asked before: strings of several characters made each
   * answer ~1 ms for a word count's states, ~40% of its horizon classes' time.)
   */
  private agreeOnCodePoints(a: number, b: number, memo: Map<string, boolean>): boolean {
    const id = `${a},${b}`;
    const known = memo.get(id);
    if (known !== undefined) return known;
    const plan = this.plan;
    const left = [a];
    const right = [b];
    // Per pair: the bytes the character still needs (0: none read yet) and the range of the next one.
    const need = [0];
    const low = [0];
    const high = [0];
    const seen = new Set<string>();
    let same = this.dead(a) === this.dead(b);
    for (let head = 0; head < left.length && same; head++) {
      const x = left[head];
      const y = right[head];
      const rest = need[head];
      const from = rest === 0 ? 0 : low[head];
      const to = rest === 0 ? 0xf4 : high[head];
      for (let byte = from; byte <= to && same; byte++) {
        let more: number;
        let lo = 0x80;
        let hi = 0xbf;
        if (rest > 0) more = rest - 1;
        else if (byte < 0x80) more = 0;
        else if (byte < 0xc2) continue;
        else if (byte <= 0xdf) more = 1;
        else if (byte <= 0xef) {
          more = 2;
          if (byte === 0xe0) lo = 0xa0;
          else if (byte === 0xed) hi = 0x9f;
        } else {
          more = 3;
          if (byte === 0xf0) lo = 0x90;
          else if (byte === 0xf4) hi = 0x8f;
        }
        const nx = plan.step(x, byte);
        const ny = plan.step(y, byte);
        if (nx === ny) continue;
        if (this.dead(nx) !== this.dead(ny)) same = false;
        else if (more > 0) {
          const pair = `${nx},${ny},${more},${lo},${hi}`;
          if (seen.has(pair)) continue;
          if (seen.size >= MAX_PAIRS) {
            same = false;
            break;
          }
          seen.add(pair);
          left.push(nx);
          right.push(ny);
          need.push(more);
          low.push(lo);
          high.push(hi);
        }
      }
    }
    memo.set(id, same);
    return same;
  }
}

// Decoder modes of the pair walk (the machine's S_* escape states, without raw UTF-8 tracking: a byte
// sequence the machine refuses is stepped anyway, which can only make two states look different).
const M_NORMAL = 0;
const M_BACKSLASH = 1;
/** 2..5: after `\u`, mode - 2 hex digits read. */
const M_HEX = 2;
/** A high surrogate read: `\u` and a low surrogate must follow. */
const M_LOW_BACKSLASH = 6;
const M_LOW_U = 7;
/** 8..11: after the low surrogate's `\u`, mode - 8 hex digits read. */
const M_LOW_HEX = 8;
const PENDING = -1;
const RAW = -2;
const REFUSED = -3;

/**
 * A trie's probe nodes: its first bytes, and the paths of its long tokens (every node below which a
 * token reaches PROBE_DEPTH bytes; Llama-3: 3,720 of 274,521 nodes). Ancestor-closed and in trie
 * order, so a walk over them sees each node after its parent, as the whole walk does.
 */
interface ProbeNodes {
  readonly nodes: Uint32Array;
  /** Position of the first node after the subtree of `nodes[k]`, by k. */
  readonly skip: Uint32Array;
}

const PROBE_DEPTH = 32;
const probesByTrie = new WeakMap<TokenTrie, ProbeNodes>();

function probeNodes(trie: TokenTrie): ProbeNodes {
  let probe = probesByTrie.get(trie);
  if (probe === undefined) {
    const { nodeDepth, subtreeEnd, nodeCount } = trie;
    // The depth of the deepest token below each node (children follow their parent: fill in reverse).
    const reach = new Uint16Array(nodeCount);
    for (let i = nodeCount - 1; i > 0; i--) {
      let deepest = nodeDepth[i];
      for (let j = i + 1; j < subtreeEnd[i]; j = subtreeEnd[j]) if (reach[j] > deepest) deepest = reach[j];
      reach[i] = deepest;
    }
    const picked: number[] = [];
    for (let i = 1; i < nodeCount; i++) if (nodeDepth[i] === 1 || reach[i] >= PROBE_DEPTH) picked.push(i);
    const nodes = Uint32Array.from(picked);
    const skip = new Uint32Array(nodes.length);
    // A subtree's probe nodes are a contiguous run: its end is where the first node past subtreeEnd is.
    for (let k = nodes.length - 1; k >= 0; k--) {
      let next = k + 1;
      while (next < nodes.length && nodes[next] < subtreeEnd[nodes[k]]) next = skip[next];
      skip[k] = next;
    }
    probe = { nodes, skip };
    probesByTrie.set(trie, probe);
  }
  return probe;
}

function intern(ids: Map<string, number>, key: string): number {
  let id = ids.get(key);
  if (id === undefined) {
    id = ids.size;
    ids.set(key, id);
  }
  return id;
}

/** Trie nodes one comparison may visit. */
const MAX_VISITS = 300_000;
/** Pairs of states the code-point check may visit (each costs 256 steps of the product automaton). */
const MAX_PAIRS = 1024;
/** Representatives kept per signature. */
const MAX_REPRESENTATIVES = 6;
/** A plan stops comparing once MIN_FAILURES states failed, and more than FAILURES_PER_SUCCESS per success. */
const MIN_FAILURES = 32;
const FAILURES_PER_SUCCESS = 4;

const SCRATCH = new Uint8Array(4);

function grow(a: Int32Array, index: number): Int32Array {
  const out = new Int32Array(Math.max(a.length * 2, index + 1)).fill(-1);
  out.set(a);
  return out;
}
