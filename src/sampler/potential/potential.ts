import { InputError } from '../../errors.js';

/**
 * A potential gives log weights to token sequences (genlm-control's central abstraction): the
 * language model's target is multiplied by potentials, and samplers draw sequences in proportion to
 * the product. `kind: 'boolean'` potentials are constraints (every weight is 0 or -Infinity);
 * `'weighted'` ones are critics (any real log weight, e.g. a user score).
 *
 * Weights are read from immutable states rather than recomputed from the whole context: a particle
 * keeps one state per potential and extends it token by token, and forking a particle shares the
 * state. The context functions below (`prefixOf`, `completeOf`, `logwNextOf`) give the classic
 * sequence view.
 *
 * Contract (checked for any implementation by test/sampler/potential-contract.ts):
 * - prefix(s) is the log weight of the context as the beginning of longer sequences, complete(s) as
 *   a finished sequence. -Infinity is absorbing: once prefix is -Infinity, every extension and the
 *   completion are -Infinity too. The empty context has a finite prefix.
 * - logwNext(s)[t] = prefix(extend(s, t)) - prefix(s) for t != eosId, and
 *   logwNext(s)[eosId] = complete(s) - prefix(s): the autoregressive factorisation
 *   prefix(x_1..x_n) = prefix([]) + sum_i logwNext(x_<i)[x_i].
 * - allows(s, t) is logwNext(s)[t] > -Infinity; mask(s) holds at least the allowed tokens, exactly
 *   them when it returns true.
 */
export interface Potential<S = unknown> {
  readonly kind: 'boolean' | 'weighted';
  /** Width of the token space (the decoder's logits): ids 0..vocabSize-1. */
  readonly vocabSize: number;
  /** The one token that ends a sequence (the decoder's merged EOS id). */
  readonly eosId: number;
  /** State of the empty context. */
  readonly initial: S;

  /** The state after appending `token` (never EOS). Pure: `state` is not changed. */
  extend(state: S, token: number): S;
  prefix(state: S): number;
  complete(state: S): number;

  /** Optional fast path: writes logwNext (see above) into `out` (length vocabSize); prefix(state) must be finite. */
  logwNext?(state: S, out: Float64Array): void;
  /** Optional cheap single-token check (rejection samplers check proposals only). */
  allows?(state: S, token: number): boolean;
  /**
   * Optional: writes a bitset of allowed next tokens (EOS included) into `out` (word i holds ids
   * 32i..32i+31); true when exact, false when a superset that the caller must confirm with `allows`.
   */
  mask?(state: S, out: Uint32Array): boolean;
  /** Optional: tokens that are the only continuation from `state` (fast-forward); empty when none. */
  forced?(state: S): readonly number[];
  /** Optional: bitset of the tokens that can ever be allowed (the rest are never proposed: pruning). */
  readonly support?: Uint32Array;
}

/** Whether `token` may come next: logwNext(state)[token] > -Infinity, by the fastest route offered. */
export function allowsToken<S>(potential: Potential<S>, state: S, token: number): boolean {
  if (potential.allows !== undefined) return potential.allows(state, token);
  if (token === potential.eosId) return potential.complete(state) > -Infinity;
  return potential.prefix(potential.extend(state, token)) > -Infinity;
}

/** The state reached from the empty context by `context` (EOS not included). */
export function stateOf<S>(potential: Potential<S>, context: readonly number[]): S {
  let state = potential.initial;
  for (const token of context) {
    if (token === potential.eosId) throw new InputError(`context holds EOS (${token}) before its end`, { where: 'potential context' });
    state = potential.extend(state, token);
  }
  return state;
}

/** Log weight of `context` as a prefix. */
export function prefixOf<S>(potential: Potential<S>, context: readonly number[]): number {
  return potential.prefix(stateOf(potential, context));
}

/** Log weight of `context` as a complete sequence (a trailing EOS is allowed and ignored). */
export function completeOf<S>(potential: Potential<S>, context: readonly number[]): number {
  const end = context.length > 0 && context[context.length - 1] === potential.eosId ? context.length - 1 : context.length;
  return potential.complete(stateOf(potential, context.slice(0, end)));
}

/**
 * logwNext at `state`, through the potential's fast path when it has one, else from prefix and
 * complete of every extension (V extensions: fine for tests and small vocabularies).
 */
export function logwNextAt<S>(potential: Potential<S>, state: S, out = new Float64Array(potential.vocabSize)): Float64Array {
  if (potential.logwNext !== undefined) {
    potential.logwNext(state, out);
    return out;
  }
  const base = potential.prefix(state);
  if (!(base > -Infinity)) throw new RangeError('logwNext is undefined after a context whose prefix weight is -Infinity');
  for (let t = 0; t < potential.vocabSize; t++) {
    out[t] = (t === potential.eosId ? potential.complete(state) : potential.prefix(potential.extend(state, t))) - base;
  }
  return out;
}

export function logwNextOf<S>(potential: Potential<S>, context: readonly number[]): Float64Array {
  return logwNextAt(potential, stateOf(potential, context));
}

/** Throws InputError unless every potential has the given token space. */
export function checkTokenSpace(potentials: readonly Potential[], vocabSize: number, eosId: number, where: string): void {
  for (const p of potentials) {
    if (p.vocabSize !== vocabSize || p.eosId !== eosId) {
      throw new InputError(
        `a potential over ${p.vocabSize} tokens with EOS ${p.eosId} cannot be combined with ${vocabSize} tokens with EOS ${eosId}`,
        { where },
      );
    }
  }
}
