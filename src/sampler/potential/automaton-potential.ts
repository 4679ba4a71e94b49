import { InputError } from '../../errors.js';
import { maskSet, maskWords, type TokenAutomaton } from '../../grammar/automaton/token-automaton.js';
import type { Potential } from './potential.js';

/**
 * A TokenAutomaton seen as a boolean potential: weight 0 for token sequences the automaton accepts
 * step by step, -Infinity otherwise. The potential's state is the automaton's own immutable state
 * (undefined once a token was refused), so a particle advances it by one `advance` per token and
 * forks it for free.
 *
 * EOS is the decoder's merged EOS id: it is allowed exactly when the automaton `accepts`.
 */
export class AutomatonPotential<S> implements Potential<S | undefined> {
  readonly kind = 'boolean' as const;
  readonly vocabSize: number;
  readonly eosId: number;
  readonly initial: S | undefined;
  private supportBits: Uint32Array | undefined;
  private scratch: Uint32Array | undefined;

  constructor(
    readonly automaton: TokenAutomaton<S>,
    options: { readonly eosId?: number } = {},
  ) {
    const vocabulary = automaton.vocabulary;
    const eosId = options.eosId ?? vocabulary.eosIds[0];
    if (eosId === undefined || !vocabulary.eosIds.includes(eosId)) {
      throw new InputError(`EOS id ${eosId} is not one of the vocabulary's EOS ids [${vocabulary.eosIds.join(', ')}]`, {
        where: 'automatonPotential',
      });
    }
    this.vocabSize = vocabulary.size;
    this.eosId = eosId;
    this.initial = automaton.initial;
  }

  extend(state: S | undefined, token: number): S | undefined {
    return state === undefined ? undefined : this.automaton.advance(state, token);
  }

  prefix(state: S | undefined): number {
    return state === undefined ? -Infinity : 0;
  }

  complete(state: S | undefined): number {
    return state !== undefined && this.automaton.accepts(state) ? 0 : -Infinity;
  }

  allows(state: S | undefined, token: number): boolean {
    if (state === undefined) return false;
    if (token === this.eosId) return this.automaton.accepts(state);
    return this.automaton.allows(state, token);
  }

  mask(state: S | undefined, out: Uint32Array): boolean {
    if (state === undefined) {
      out.fill(0);
      return true;
    }
    return this.automaton.mask(state, out);
  }

  /** The automaton's forced token, an EOS id read as this potential's EOS (the decoder merges them). */
  forced(state: S | undefined): readonly number[] {
    if (state === undefined) return [];
    const forced = this.automaton.forced(state);
    if (forced.length === 0) return forced;
    if (this.automaton.vocabulary.eosIds.includes(forced[0])) return forced[0] === this.eosId && forced.length === 1 ? forced : [this.eosId];
    return forced.length === 1 ? forced : forced.slice(0, 1);
  }

  logwNext(state: S | undefined, out: Float64Array): void {
    const bits = (this.scratch ??= new Uint32Array(maskWords(this.vocabSize)));
    const exact = this.mask(state, bits);
    for (let t = 0; t < out.length; t++) {
      const set = (bits[t >>> 5] & (1 << (t & 31))) !== 0;
      out[t] = set && (exact || this.allows(state, t)) ? 0 : -Infinity;
    }
  }

  /**
   * Ids that can ever be allowed: real, non-special tokens and the EOS id (padding never is). Shared
   * per vocabulary and EOS id: a run builds a new potential, and 128k isSpecial calls cost ~5 ms.
   */
  get support(): Uint32Array {
    if (this.supportBits === undefined) {
      const vocabulary = this.automaton.vocabulary;
      let byEos = supports.get(vocabulary);
      if (byEos === undefined) supports.set(vocabulary, (byEos = new Map()));
      let bits = byEos.get(this.eosId);
      if (bits === undefined) {
        bits = new Uint32Array(maskWords(this.vocabSize));
        for (let t = 0; t < vocabulary.tokenCount; t++) if (!vocabulary.isSpecial(t)) maskSet(bits, t);
        maskSet(bits, this.eosId);
        byEos.set(this.eosId, bits);
      }
      this.supportBits = bits;
    }
    return this.supportBits;
  }
}

/** Support bitsets by vocabulary and EOS id (read-only once built). */
const supports = new WeakMap<object, Map<number, Uint32Array>>();

export function automatonPotential<S>(automaton: TokenAutomaton<S>, options: { readonly eosId?: number } = {}): AutomatonPotential<S> {
  return new AutomatonPotential(automaton, options);
}
