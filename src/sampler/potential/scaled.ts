import { InputError } from '../../errors.js';
import type { Potential } from './potential.js';

/**
 * A potential raised to the power `exponent` (> 0): every log weight is multiplied by it, so a critic
 * can be sharpened (> 1) or flattened (< 1). The support, and so every mask, is unchanged, which is
 * why a zero exponent (which would turn -Infinity into NaN) is refused.
 */
export function scaled<S>(potential: Potential<S>, exponent: number): Potential<S> {
  if (!(exponent > 0 && Number.isFinite(exponent))) {
    throw new InputError(`the exponent of a scaled potential must be finite and > 0, got ${exponent}`, { where: 'scaled' });
  }
  if (exponent === 1 || potential.kind === 'boolean') return potential;
  const logwNext = potential.logwNext;
  return {
    kind: potential.kind,
    vocabSize: potential.vocabSize,
    eosId: potential.eosId,
    initial: potential.initial,
    support: potential.support,
    extend: (state, token) => potential.extend(state, token),
    prefix: (state) => exponent * potential.prefix(state),
    complete: (state) => exponent * potential.complete(state),
    logwNext:
      logwNext === undefined
        ? undefined
        : (state, out) => {
            logwNext.call(potential, state, out);
            for (let t = 0; t < out.length; t++) out[t] *= exponent;
          },
    allows: potential.allows === undefined ? undefined : (state, token) => potential.allows!(state, token),
    mask: potential.mask === undefined ? undefined : (state, out) => potential.mask!(state, out),
    forced: potential.forced === undefined ? undefined : (state) => potential.forced!(state),
  };
}
