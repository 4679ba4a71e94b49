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

  forced(state: S | undefined): readonly number[] {
    return state === undefined ? [] : this.automaton.forced(state);
  }

  logwNext(state: S | undefined, out: Float64Array): void {
    const bits = (this.scratch ??= new Uint32Array(maskWords(this.vocabSize)));
    const exact = this.mask(state, bits);
    for (let t = 0; t < out.length; t++) {
      const set = (bits[t >>> 5] & (1 << (t & 31))) !== 0;
      out[t] = set && (exact || this.allows(state, t)) ? 0 : -Infinity;
    }
  }

  /** Ids that can ever be allowed: real, non-special tokens and the EOS id (padding never is). */
  get support(): Uint32Array {
    if (this.supportBits === undefined) {
      const vocabulary = this.automaton.vocabulary;
      const bits = new Uint32Array(maskWords(this.vocabSize));
      for (let t = 0; t < vocabulary.tokenCount; t++) if (!vocabulary.isSpecial(t)) maskSet(bits, t);
      maskSet(bits, this.eosId);
      this.supportBits = bits;
    }
    return this.supportBits;
  }
}

export function automatonPotential<S>(automaton: TokenAutomaton<S>, options: { readonly eosId?: number } = {}): AutomatonPotential<S> {
  return new AutomatonPotential(automaton, options);
}
