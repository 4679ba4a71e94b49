import type { Potential } from '../potential/potential.js';
import type { Random } from '../random.js';
import { AwrsSampler } from './awrs.js';
import { candidateMask, newMask } from './candidate-mask.js';
import { MaskedDistribution } from './masked-distribution.js';
import type { SamplerUsage, TokenDraw, TokenSampler } from './token-sampler.js';
import { checkTruncation, truncate, truncates, type Truncation } from './truncation.js';

export interface MaskedOptions extends Truncation {
  /** Rejection budget of the superset-mask path (see AwrsOptions.maxRejections). */
  readonly maxRejections?: number;
}

/**
 * Exact masked sampling (locally constrained decoding): the token is drawn from p restricted to the
 * condition's mask and renormalised, and the log weight is log Z, Z = sum of p over the allowed
 * tokens: zero variance, one mask per token.
 *
 * When the mask is only a superset (the automaton ran out of fuel, or the condition has parts with
 * no mask, such as a predicate on the completed text), draws are confirmed with `allows` and rejected
 * tokens removed: that is AWRS restricted to the mask, with the recursive estimator, so the draw
 * keeps the exact distribution and an unbiased weight (no longer zero-variance).
 *
 * With topK / topP the candidates are truncated after masking (the constraint first, so truncation
 * never empties a non-empty allowed set); the weight is then the allowed mass inside the truncated
 * set, i.e. the target is the truncated model.
 */
export class MaskedSampler implements TokenSampler {
  readonly name = 'masked';
  private readonly bits: Uint32Array;
  private readonly distribution: MaskedDistribution;
  private readonly truncation: Truncation;
  private readonly scratch: Float64Array | undefined;
  private readonly superset: AwrsSampler;

  constructor(
    readonly vocabSize: number,
    private readonly usage: SamplerUsage,
    options: MaskedOptions = {},
  ) {
    checkTruncation(options, 'masked sampler');
    this.truncation = { topK: options.topK, topP: options.topP };
    this.bits = newMask(vocabSize);
    this.distribution = new MaskedDistribution(vocabSize);
    this.scratch = truncates(this.truncation) ? new Float64Array(vocabSize) : undefined;
    this.superset = new AwrsSampler(vocabSize, usage, { estimator: 'recursive', maxRejections: options.maxRejections });
  }

  draw<S>(logProbs: Float64Array, condition: Potential<S> | undefined, state: S, random: Random, out: TokenDraw): void {
    const bits = this.bits;
    const exact = candidateMask(condition, state, logProbs.length, bits, () => this.usage.masks++);
    const support = condition?.support;
    if (!exact && support !== undefined) for (let w = 0; w < bits.length; w++) bits[w] &= support[w];
    if (this.scratch !== undefined) truncate(logProbs, bits, this.truncation, this.scratch);
    if (!exact) {
      this.superset.drawAmong(logProbs, bits, condition, state, random, out);
      return;
    }
    const distribution = this.distribution;
    distribution.load(logProbs, bits);
    const logMass = distribution.logMass();
    if (logMass === -Infinity) {
      out.token = -1;
      out.logWeight = -Infinity;
      return;
    }
    out.token = random.choose(distribution);
    out.logWeight = logMass;
  }
}
