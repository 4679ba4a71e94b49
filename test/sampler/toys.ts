// Tiny vocabularies, automata and models with known answers, shared by the sampler tests.
import { FunctionDecoder, logSoftmaxInPlace, mergeEos } from '../../src/engine/decoder/function-decoder.js';
import { maskSet, maskWords, type TokenAutomaton } from '../../src/grammar/automaton/token-automaton.js';
import type { TokenTrie } from '../../src/grammar/vocab/token-trie.js';
import type { Vocabulary } from '../../src/grammar/vocab/vocabulary.js';
import { SeededRandom } from '../../src/sampler/random.js';

/** A Vocabulary over explicit token strings; ids listed in `specials` are special (EOS among them). */
export function toyVocabulary(tokens: readonly string[], options: { eosIds: readonly number[]; size?: number; specials?: readonly number[] }): Vocabulary {
  const encoder = new TextEncoder();
  const bytes = tokens.map((t) => encoder.encode(t));
  const specials = new Set([...(options.specials ?? []), ...options.eosIds]);
  const size = options.size ?? tokens.length;
  const empty = new Uint8Array(0);
  return {
    size,
    tokenCount: tokens.length,
    eosIds: options.eosIds,
    trie: undefined as unknown as TokenTrie,
    tokenBytes: (id) => (id < tokens.length && !specials.has(id) ? bytes[id] : empty),
    isSpecial: (id) => specials.has(id),
    encode: () => {
      throw new Error('toy vocabulary cannot encode');
    },
    decode: (ids) =>
      new TextDecoder().decode(
        Uint8Array.from(ids.flatMap((id) => (id < tokens.length && !specials.has(id) ? [...bytes[id]] : []))),
      ),
  };
}

/**
 * A deterministic automaton over token ids: `next(state, token)` (undefined = refused) and
 * `accepting(state)`. Masks are exact unless `superset` says to add extra ids (simulating fuel
 * running out). `forcedTokens` enables forced-token reporting when exactly one token is allowed.
 */
export class TokenDfa implements TokenAutomaton<number> {
  readonly initial = 0;
  masksComputed = 0;
  checks = 0;

  constructor(
    readonly vocabulary: Vocabulary,
    private readonly next: (state: number, token: number) => number | undefined,
    private readonly accepting: (state: number) => boolean,
    private readonly options: { superset?: (state: number) => readonly number[]; forcedTokens?: boolean } = {},
  ) {}

  advance(state: number, token: number): number | undefined {
    if (this.vocabulary.eosIds.includes(token)) return this.accepting(state) ? -1 : undefined;
    if (state < 0 || token >= this.vocabulary.tokenCount || this.vocabulary.isSpecial(token)) return undefined;
    return this.next(state, token);
  }

  allows(state: number, token: number): boolean {
    this.checks++;
    return this.advance(state, token) !== undefined;
  }

  accepts(state: number): boolean {
    return state >= 0 && this.accepting(state);
  }

  isFinal(state: number): boolean {
    return state === -1;
  }

  mask(state: number, out: Uint32Array): boolean {
    this.masksComputed++;
    out.fill(0);
    for (let t = 0; t < this.vocabulary.size; t++) if (this.advance(state, t) !== undefined) maskSet(out, t);
    const extra = this.options.superset?.(state) ?? [];
    for (const t of extra) maskSet(out, t);
    return extra.length === 0;
  }

  forced(state: number): readonly number[] {
    if (!this.options.forcedTokens) return [];
    const allowed: number[] = [];
    for (let t = 0; t < this.vocabulary.size; t++) if (this.advance(state, t) !== undefined) allowed.push(t);
    return allowed.length === 1 ? allowed : [];
  }
}

/** An automaton allowing a fixed set of tokens at every step, EOS whenever `accepting`. */
export function setAutomaton(vocabulary: Vocabulary, allowed: ReadonlySet<number>, options: { superset?: readonly number[] } = {}): TokenDfa {
  return new TokenDfa(
    vocabulary,
    (_s, t) => (allowed.has(t) ? 0 : undefined),
    () => true,
    options.superset === undefined ? {} : { superset: () => options.superset! },
  );
}

/** Log-probabilities of a random distribution over `size` ids (some exactly zero when `zeros`). */
export function randomLogProbs(seed: number, size: number, options: { zeros?: number; sharpness?: number } = {}): Float64Array {
  const random = new SeededRandom(seed);
  const logits = new Float64Array(size);
  for (let i = 0; i < size; i++) logits[i] = (options.sharpness ?? 3) * (random.uniform() - 0.5) * 2;
  for (let k = 0; k < (options.zeros ?? 0); k++) logits[(random.nextUint32() % size) >>> 0] = -Infinity;
  if (logits.every((x) => x === -Infinity)) logits[0] = 0;
  logSoftmaxInPlace(logits);
  return logits;
}

/** A random subset of 0..size-1 from a seed (each id kept with probability `density`). */
export function randomSubset(seed: number, size: number, density = 0.5): Set<number> {
  const random = new SeededRandom(seed ^ 0x5bd1e995);
  const out = new Set<number>();
  for (let i = 0; i < size; i++) if (random.uniform() < density) out.add(i);
  return out;
}

/**
 * A context-dependent toy language model: logits are a deterministic pseudo-random function of the
 * whole prefix, so every sequence has a different next-token distribution.
 */
export function hashedLogits(vocabSize: number, seed: number, sharpness = 2): (prefix: readonly number[]) => Float64Array {
  return (prefix) => {
    let h = seed >>> 0;
    for (const t of prefix) h = Math.imul(h ^ (t + 0x9e3779b9), 0x85ebca6b) >>> 0;
    const random = new SeededRandom(h);
    const logits = new Float64Array(vocabSize);
    for (let i = 0; i < vocabSize; i++) logits[i] = sharpness * (random.uniform() - 0.5) * 2;
    return logits;
  };
}

export function toyDecoder(
  logitsOf: (prefix: readonly number[]) => ArrayLike<number>,
  vocabSize: number,
  eosIds: readonly number[],
  maxLength?: number,
): FunctionDecoder {
  return new FunctionDecoder(logitsOf, { vocabSize, eosIds, maxLength });
}

/** The decoder's next-token log-probabilities after `prefix` (the same computation as FunctionDecoder). */
export function nextLogProbs(
  logitsOf: (prefix: readonly number[]) => ArrayLike<number>,
  prefix: readonly number[],
  eosIds: readonly number[],
): Float64Array {
  const out = Float64Array.from(logitsOf(prefix));
  mergeEos(out, eosIds);
  logSoftmaxInPlace(out);
  return out;
}

/** Every sequence over `alphabet` of length 0..maxLength (EOS excluded). */
export function allSequences(alphabet: readonly number[], maxLength: number): number[][] {
  const out: number[][] = [[]];
  let frontier: number[][] = [[]];
  for (let n = 1; n <= maxLength; n++) {
    const next: number[][] = [];
    for (const s of frontier) for (const a of alphabet) next.push([...s, a]);
    out.push(...next);
    frontier = next;
  }
  return out;
}

export function maskOf(ids: Iterable<number>, size: number): Uint32Array {
  const out = new Uint32Array(maskWords(size));
  for (const id of ids) maskSet(out, id);
  return out;
}
