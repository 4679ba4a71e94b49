import type { Vocabulary } from '../vocab/vocabulary.js';

/**
 * The one interface every compiled constraint offers to samplers: which tokens may come next, and
 * what state follows a token. States are immutable and structurally shared, so forking a particle is
 * copying a reference and rolling back is keeping the old one.
 *
 * End of sequence: `accepts(state)` says whether EOS may come now; the EOS ids of the vocabulary are
 * set in `mask` exactly when it does, and `advance(state, eos)` then yields a final state from which
 * nothing else is allowed. Special tokens other than EOS never match grammar text.
 */
export interface TokenAutomaton<S = unknown> {
  readonly vocabulary: Vocabulary;
  readonly initial: S;

  /** The state after `token`, or undefined when the token is not allowed here. */
  advance(state: S, token: number): S | undefined;

  /** Cheap check of one token without computing a mask (rejection samplers check proposals only). */
  allows(state: S, token: number): boolean;

  /** True when the document is complete here, so EOS is allowed. */
  accepts(state: S): boolean;

  /** True once EOS has been consumed: nothing may follow. */
  isFinal(state: S): boolean;

  /**
   * Writes the allowed-token bitset into `out` (bit `id & 31` of word `id >>> 5`; length
   * `maskWords(vocabulary.size)`), EOS bits included, padded ids never set.
   * Returns true when the mask is exact; false when the work limit (fuel) ran out and `out` holds a
   * superset of the allowed tokens, in which case the caller must confirm a sampled token with
   * `allows` before using it.
   */
  mask(state: S, out: Uint32Array): boolean;

  /**
   * Tokens forced from `state`, as far as that can be proven cheaply (never by a full mask):
   * forced[0] is the only token allowed in `state`, forced[1] the only one after it, and so on; empty
   * when the next token is a choice (or nothing is allowed). EOS ids count as one token (the first is
   * returned): a document that can only end is forced to EOS. Samplers take forced[0] without a draw;
   * its locally constrained probability is 1, so its weight is the model's p(token).
   */
  forced(state: S): readonly number[];
}

/** Number of 32-bit words in a mask for a vocabulary of `size` ids. */
export function maskWords(size: number): number {
  return (size + 31) >>> 5;
}

export function maskHas(mask: Uint32Array, id: number): boolean {
  return (mask[id >>> 5] & (1 << (id & 31))) !== 0;
}

export function maskSet(mask: Uint32Array, id: number): void {
  mask[id >>> 5] |= 1 << (id & 31);
}

/** Number of set bits among ids 0..size-1 of `mask` (size defaults to the whole mask). */
export function maskCount(mask: Uint32Array, size = mask.length * 32): number {
  const full = Math.min(mask.length, size >>> 5);
  let count = 0;
  for (let w = 0; w < full; w++) {
    let v = mask[w];
    if (v === 0) continue;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    count += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  for (let id = full << 5; id < size && id >>> 5 < mask.length; id++) if ((mask[id >>> 5] & (1 << (id & 31))) !== 0) count++;
  return count;
}
