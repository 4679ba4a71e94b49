import { InputError } from '../../errors.js';
import type { TokenTrie } from '../vocab/token-trie.js';
import type { Vocabulary } from '../vocab/vocabulary.js';
import type { ByteMachine } from './byte-machine.js';
import { MaskCache, type CacheEntry } from './mask-cache.js';
import { maskWords, type TokenAutomaton } from './token-automaton.js';

/**
 * The state after EOS: nothing may follow. Every other state of a trie token automaton is a state of its
 * ByteMachine, unwrapped, so advancing costs no allocation beyond what the machine's `step` does.
 */
export const FINAL: unique symbol = Symbol('formwork.final');
export type Final = typeof FINAL;

export interface TokenAutomatonOptions {
  /**
   * Work limit per mask, in trie nodes visited (each visit is one machine step). Past it, `mask` returns
   * false with a superset mask. Default: unlimited (a walk visits each trie node at most once, ~275k for
   * Llama-3); set it when `step` is expensive (Earley) to bound latency.
   */
  readonly fuel?: number;
  /**
   * Where masks are cached by `machine.maskKey`: a MaskCache shared between automata (and requests), or
   * false to cache nothing. Default: the process-wide `sharedMaskCache`.
   */
  readonly cache?: MaskCache | false;
}

/** The default mask cache, shared by every automaton that is not given one (64 MiB bound). */
export const sharedMaskCache = new MaskCache();

/** Token kinds per id (see tokenKinds): text tokens are walked, EOS tokens follow `accepts`, 0 is never allowed. */
const KIND_TEXT = 1;
const KIND_EOS = 2;

/**
 * The token automaton of any ByteMachine over any Vocabulary: tokens advance the machine byte by byte,
 * and masks come from a depth-first walk of the vocabulary's token trie, pruning a subtree at the first
 * byte the machine rejects.
 */
export function createTokenAutomaton<S>(
  machine: ByteMachine<S>,
  vocabulary: Vocabulary,
  options: TokenAutomatonOptions = {},
): TrieTokenAutomaton<S> {
  return new TrieTokenAutomaton(machine, vocabulary, options);
}

export class TrieTokenAutomaton<S> implements TokenAutomaton<S | Final> {
  readonly vocabulary: Vocabulary;
  readonly machine: ByteMachine<S>;
  readonly initial: S;
  readonly fuel: number;
  readonly cache: MaskCache | undefined;

  private readonly trie: TokenTrie;
  private readonly kinds: Uint8Array;
  /** Mask of every text token (the trie's tokens). */
  private readonly textBits: Uint32Array;
  private readonly scope: Map<unknown, CacheEntry> | undefined;
  /** Machine states by trie depth, reused by walks of machines without a cursor. */
  private readonly stateStack: (S | undefined)[];
  /** `forced` answers by mask key. */
  private readonly forcedByKey = new Map<unknown, readonly number[]>();
  /**
   * Work of the last `mask`: trie nodes visited (or the machine's fillMask work), 0 when served from
   * the cache, `fuel` when it ran out. For benchmarks and tests.
   */
  lastVisits = 0;

  constructor(machine: ByteMachine<S>, vocabulary: Vocabulary, options: TokenAutomatonOptions = {}) {
    const fuel = options.fuel ?? Infinity;
    if (!(fuel >= 0)) throw new InputError(`fuel must be >= 0, got ${fuel}`, { where: 'createTokenAutomaton' });
    this.machine = machine;
    this.vocabulary = vocabulary;
    this.initial = machine.initial;
    this.fuel = fuel;
    this.cache = options.cache === false ? undefined : (options.cache ?? sharedMaskCache);
    this.scope = machine.maskKey !== undefined && this.cache !== undefined ? this.cache.scope(machine, vocabulary) : undefined;
    this.trie = vocabulary.trie;
    ({ kinds: this.kinds, textBits: this.textBits } = tokenKinds(vocabulary));
    this.stateStack = new Array(this.trie.maxDepth + 1);
  }

  advance(state: S | Final, token: number): S | Final | undefined {
    if (state === FINAL) return undefined;
    const kind = this.kinds[token];
    if (kind === KIND_TEXT) {
      // Text tokens are the trie's, spelled in its byte table (no view allocated per advance).
      const { bytes, offsets } = this.trie;
      const machine = this.machine;
      let s: S | undefined = state;
      for (let p = offsets[token], end = offsets[token + 1]; p < end; p++) {
        s = machine.step(s, bytes[p]);
        if (s === undefined) return undefined;
      }
      return s;
    }
    if (kind === KIND_EOS) return this.machine.accepts(state) ? FINAL : undefined;
    return undefined;
  }

  allows(state: S | Final, token: number): boolean {
    if (state === FINAL) return false;
    const kind = this.kinds[token];
    if (kind === KIND_EOS) return this.machine.accepts(state);
    if (kind !== KIND_TEXT) return false;
    if (this.scope !== undefined) {
      const key = this.machine.maskKey!(state);
      if (key !== undefined) {
        const cached = this.cache!.allows(this.scope, key, token);
        if (cached >= 0) return cached === 1;
      }
    }
    return this.advance(state, token) !== undefined;
  }

  accepts(state: S | Final): boolean {
    return state !== FINAL && this.machine.accepts(state);
  }

  isFinal(state: S | Final): boolean {
    return state === FINAL;
  }

  mask(state: S | Final, out: Uint32Array): boolean {
    const words = maskWords(this.vocabulary.size);
    if (out.length < words) {
      throw new InputError(`mask has ${out.length} words, the vocabulary needs ${words}`, { where: 'TokenAutomaton.mask' });
    }
    this.lastVisits = 0;
    if (state === FINAL) {
      out.fill(0);
      return true;
    }
    const target = out.length === words ? out : out.subarray(0, words);
    if (out.length > words) out.fill(0, words);
    const key = this.scope !== undefined ? this.machine.maskKey!(state) : undefined;
    if (key !== undefined && this.cache!.read(this.scope!, key, target)) return true;

    target.fill(0);
    const exact = this.walk(state, target);
    // EOS bits follow `accepts` alone, even for a vocabulary whose trie also holds an EOS id as text.
    const accepts = this.machine.accepts(state);
    for (const id of this.vocabulary.eosIds) {
      if (accepts) target[id >>> 5] |= 1 << (id & 31);
      else target[id >>> 5] &= ~(1 << (id & 31));
    }
    if (exact && key !== undefined) this.cache!.write(this.scope!, key, target);
    return exact;
  }

  /**
   * `[t]` when t is provably the only token allowed in `state` (EOS ids count as one token: the
   * first one is returned), else empty. Never computes a mask: a cached mask answers it, or a
   * loop-class slice of two tokens or more (all allowed), else a walk of the trie that stops at the
   * second allowed token or after FORCED_PROBE_LIMIT nodes (a state with one allowed token rejects
   * almost every byte: a few hundred steps, one per first byte of the vocabulary at least). Answers
   * are kept per mask key. Exact, unlike the canonical tokenization of forced bytes, which is not
   * the only allowed continuation when the vocabulary can spell them another way (`"` + `:` and `":`).
   */
  forced(state: S | Final): readonly number[] {
    if (state === FINAL) return NOTHING_FORCED;
    const key = this.scope !== undefined ? this.machine.maskKey!(state) : undefined;
    if (key !== undefined) {
      const known = this.forcedByKey.get(key);
      if (known !== undefined) return known;
    }
    let only: number;
    const cached = key !== undefined ? this.cache!.sparseIds(this.scope!, key) : undefined;
    if (cached !== undefined) only = cached === null ? -1 : this.onlyTokenOf(cached);
    else if (this.loopsOnSeveralTokens(state)) only = -1;
    else only = this.probeOnlyToken(state);
    const forced = only >= 0 ? [only] : NOTHING_FORCED;
    if (key !== undefined) {
      // Bounded: keys of counting machines need not repeat.
      if (this.forcedByKey.size >= FORCED_KEYS_LIMIT) this.forcedByKey.clear();
      this.forcedByKey.set(key, forced);
    }
    return forced;
  }

  /** Whether `state` loops on byte classes whose slice holds two tokens or more (all of them allowed). */
  private loopsOnSeveralTokens(state: S): boolean {
    const classes = this.machine.loopClasses?.(state);
    return classes !== undefined && classes.length > 0 && this.trie.sliceUnion(classes).count >= 2;
  }

  /** The only token of a sorted allowed-id list (EOS ids counted as one), or -1. */
  private onlyTokenOf(ids: Uint32Array): number {
    let only = -1;
    let found = 0;
    let eos = false;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      if (this.kinds[id] === KIND_EOS) {
        if (eos) continue;
        eos = true;
        only = this.vocabulary.eosIds[0];
      } else {
        only = id;
      }
      if (++found > 1) return -1;
    }
    return found === 1 ? only : -1;
  }

  /**
   * The only allowed token of `state` (EOS ids counted as one) by a depth-first trie walk that stops
   * at the second allowed token; -1 when there are several or none, or when FORCED_PROBE_LIMIT nodes
   * did not settle it.
   */
  private probeOnlyToken(state: S): number {
    const { nodeByte, nodeDepth, subtreeEnd, nodeTokenStart, tokenIds, nodeCount } = this.trie;
    const { kinds, machine } = this;
    const eosIds = this.vocabulary.eosIds;
    let only = -1;
    let found = 0;
    if (eosIds.length > 0 && machine.accepts(state)) {
      only = eosIds[0];
      found = 1;
    }
    const cursor = machine.cursor?.(state);
    const states = this.stateStack;
    states[0] = state;
    let depth = 0;
    let budget = FORCED_PROBE_LIMIT;
    let i = 1;
    try {
      while (i < nodeCount) {
        if (budget-- <= 0) return -1;
        const d = nodeDepth[i];
        let alive: boolean;
        if (cursor !== undefined) {
          while (depth >= d) {
            cursor.pop();
            depth--;
          }
          alive = cursor.push(nodeByte[i]);
          if (alive) depth++;
        } else {
          const next = machine.step(states[d - 1] as S, nodeByte[i]);
          alive = next !== undefined;
          states[d] = next;
        }
        if (!alive) {
          i = subtreeEnd[i];
          continue;
        }
        for (let k = nodeTokenStart[i], end = nodeTokenStart[i + 1]; k < end; k++) {
          const id = tokenIds[k];
          // An EOS id spelled in the trie follows `accepts`, as in `mask`.
          if (kinds[id] === KIND_EOS) continue;
          if (++found > 1) return -1;
          only = id;
        }
        i++;
      }
    } finally {
      if (cursor === undefined) states.fill(undefined);
    }
    return found === 1 ? only : -1;
  }

  /** Writes the allowed text tokens into `out`; false when fuel ran out (then `out` is a superset). */
  private walk(state: S, out: Uint32Array): boolean {
    const trie = this.trie;
    if (this.machine.fillMask !== undefined) {
      const work = this.machine.fillMask(state, trie, out, this.fuel);
      this.lastVisits = work >= 0 ? work : this.fuel;
      if (work >= 0) return true;
      // A machine's superset may be crude (all ones): keep it to text tokens, so padding and special
      // tokens stay clear as the TokenAutomaton contract says.
      const text = this.textBits;
      for (let w = 0; w < out.length; w++) out[w] &= text[w];
      return false;
    }
    const classes = this.machine.loopClasses?.(state);
    let covered: Uint8Array | undefined;
    if (classes !== undefined && classes.length > 0) {
      const slice = trie.sliceUnion(classes);
      const bits = slice.bits;
      for (let w = 0; w < out.length; w++) out[w] |= bits[w];
      covered = slice.covered;
    }
    const cursor = this.machine.cursor?.(state);
    const stopped = cursor !== undefined ? walkWithCursor(trie, cursor, out, this.fuel, covered) : this.walkWithStep(state, out, covered);
    if (stopped < 0) {
      this.lastVisits = -stopped - 1;
      return true;
    }
    // Out of fuel at node `stopped`: every token from there on in trie order is undecided, so allow it.
    this.lastVisits = this.fuel;
    const ids = trie.tokenIds;
    for (let k = trie.nodeTokenStart[stopped]; k < ids.length; k++) {
      const id = ids[k];
      out[id >>> 5] |= 1 << (id & 31);
    }
    return false;
  }

  /** The walk for machines without a cursor: one immutable state per depth. Same contract as walkWithCursor. */
  private walkWithStep(state: S, out: Uint32Array, covered: Uint8Array | undefined): number {
    const { nodeByte, nodeDepth, subtreeEnd, nodeTokenStart, tokenIds, nodeCount } = this.trie;
    const machine = this.machine;
    const states = this.stateStack;
    states[0] = state;
    let fuel = this.fuel;
    let visits = 0;
    let i = 1;
    try {
      while (i < nodeCount) {
        if (covered !== undefined && covered[i] !== 0) {
          i = subtreeEnd[i];
          continue;
        }
        if (fuel-- <= 0) return i;
        visits++;
        const depth = nodeDepth[i];
        const next = machine.step(states[depth - 1] as S, nodeByte[i]);
        if (next === undefined) {
          i = subtreeEnd[i];
          continue;
        }
        states[depth] = next;
        for (let k = nodeTokenStart[i], end = nodeTokenStart[i + 1]; k < end; k++) {
          const id = tokenIds[k];
          out[id >>> 5] |= 1 << (id & 31);
        }
        i++;
      }
    } finally {
      states.fill(undefined);
    }
    return -visits - 1;
  }
}

/**
 * Trie nodes a `forced` probe may visit before it answers "not provably forced": the 256 first bytes
 * and a few levels below the allowed ones. A visit is one machine step (~0.1-25 us for the JSON Schema
 * machine, measured), so this also bounds the probe's latency.
 */
const FORCED_PROBE_LIMIT = 1024;
/** Forced answers kept per automaton (by mask key) before the memo starts over. */
const FORCED_KEYS_LIMIT = 1 << 16;
const NOTHING_FORCED: readonly number[] = Object.freeze([]);

/**
 * The walk with a mutable cursor. Returns -(visits + 1) when complete, or the index of the first
 * undecided node when fuel ran out (every node before it in pre-order is decided).
 */
function walkWithCursor(
  trie: TokenTrie,
  cursor: { push(byte: number): boolean; pop(): void },
  out: Uint32Array,
  fuelLimit: number,
  covered: Uint8Array | undefined,
): number {
  const { nodeByte, nodeDepth, subtreeEnd, nodeTokenStart, tokenIds, nodeCount } = trie;
  let fuel = fuelLimit;
  let visits = 0;
  let depth = 0;
  let i = 1;
  while (i < nodeCount) {
    if (covered !== undefined && covered[i] !== 0) {
      i = subtreeEnd[i];
      continue;
    }
    if (fuel-- <= 0) return i;
    visits++;
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
  return -visits - 1;
}

const kindCache = new WeakMap<Vocabulary, { kinds: Uint8Array; textBits: Uint32Array }>();

/**
 * Per id (length `size`): KIND_TEXT for non-empty text tokens, KIND_EOS, or 0 (never); and the bitset of
 * text tokens. Cached per vocabulary.
 */
function tokenKinds(vocabulary: Vocabulary): { kinds: Uint8Array; textBits: Uint32Array } {
  let entry = kindCache.get(vocabulary);
  if (entry === undefined) {
    const kinds = new Uint8Array(vocabulary.size);
    const textBits = new Uint32Array(maskWords(vocabulary.size));
    const { tokenIds } = vocabulary.trie;
    for (let k = 0; k < tokenIds.length; k++) {
      const id = tokenIds[k];
      kinds[id] = KIND_TEXT;
      textBits[id >>> 5] |= 1 << (id & 31);
    }
    for (const id of vocabulary.eosIds) kinds[id] = KIND_EOS;
    entry = { kinds, textBits };
    kindCache.set(vocabulary, entry);
  }
  return entry;
}
