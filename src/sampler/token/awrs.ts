import { InputError } from '../../errors.js';
import { allowsToken, type Potential } from '../potential/potential.js';
import { GeometricDiscrete, NegativeBinomial2Discrete, type Random } from '../random.js';
import { newMask } from './candidate-mask.js';
import { setDead, type SamplerUsage, type TokenDraw, type TokenSampler } from './token-sampler.js';
import { DEFAULT_TAIL, TokenUrn, type TailOptions } from './token-urn.js';

/**
 * How AWRS estimates the allowed mass Z (its log weight):
 * - 'recursive': exactly unbiased from one more check after the first acceptance;
 * - 'geometric': the negative-binomial estimator of a with-replacement run reconstructed from the
 *   without-replacement one; often needs no second check when one token dominates;
 * - 'auto': geometric when the most likely candidate has probability >= 2/3, else recursive (as
 *   genlm-control: then the expected number of distinct checks of geometric is below 2, the minimum
 *   of recursive).
 * Geometric needs every candidate representable at one scale; when some are below 1e-300 of the
 * most likely one, the recursive estimator is used instead (decided before any draw).
 */
export type AwrsEstimator = 'auto' | 'recursive' | 'geometric';

export interface AwrsOptions {
  readonly estimator?: AwrsEstimator;
  /**
   * Rejected proposals (wasted checks) before the draw stops checking tokens one by one (default
   * 32). Then, with `onCap: 'exact'` (default), the allowed set among the remaining candidates is
   * computed exactly (the condition's mask, or a check of every remaining candidate) and the draw
   * finishes without bias; with 'die' the particle gets weight -Infinity unless a token was already
   * accepted (genlm-control's behaviour; also unbiased).
   */
  readonly maxRejections?: number;
  /**
   * Geometric estimator only: budget of failures of the reconstructed with-replacement run
   * (rejections plus repeats of rejected tokens, which cost no check), handled like maxRejections.
   * Default Infinity; a finite budget bounds the repeat counts (the tests use it to enumerate).
   */
  readonly maxFailures?: number;
  readonly onCap?: 'exact' | 'die';
  /** Lazy tail of the distribution (see TokenUrn); false exponentiates every candidate. */
  readonly tail?: TailOptions | false;
}

const GEOMETRIC_THRESHOLD = 2 / 3;

/**
 * Adaptive weighted rejection sampling (Lipkin et al., 2025, "Fast Controlled Generation from
 * Language Models with Adaptive Weighted Rejection Sampling"; genlm-control's `AWRS`).
 *
 * Tokens are drawn from the decoder's distribution without replacement and only the drawn ones are
 * checked; a rejected token is removed and never checked again. The first accepted token is
 * distributed exactly as the locally constrained distribution p(t) 1[t allowed] / Z, which costs
 * about 1/Z checks instead of a full mask. exp(logWeight) is an unbiased estimate of Z, jointly with
 * the token (proper weighting: E[exp(logWeight) 1[token = t]] = p(t) 1[t allowed]), so SMC over AWRS
 * steps targets the globally constrained distribution. Exactness is proven in
 * test/sampler/token/awrs.test.ts by enumerating every random path.
 *
 * The draws come from a TokenUrn (probabilities in sum trees, the unlikely tail exponentiated only
 * when needed); `logProbs` must be a log-softmax, as decoders return.
 */
export class AwrsSampler implements TokenSampler {
  readonly name = 'awrs';
  readonly estimator: AwrsEstimator;
  readonly maxRejections: number;
  readonly maxFailures: number;
  readonly onCap: 'exact' | 'die';
  private readonly urn: TokenUrn;
  private readonly bits: Uint32Array;

  constructor(
    readonly vocabSize: number,
    private readonly usage: SamplerUsage,
    options: AwrsOptions = {},
  ) {
    this.estimator = options.estimator ?? 'auto';
    this.maxRejections = options.maxRejections ?? 32;
    this.maxFailures = options.maxFailures ?? Infinity;
    this.onCap = options.onCap ?? 'exact';
    if (!(this.maxRejections >= 1)) throw new InputError(`maxRejections must be >= 1, got ${this.maxRejections}`, { where: 'awrs' });
    if (!(this.maxFailures >= 1)) throw new InputError(`maxFailures must be >= 1, got ${this.maxFailures}`, { where: 'awrs' });
    if (!['auto', 'recursive', 'geometric'].includes(this.estimator)) {
      throw new InputError(`unknown AWRS estimator "${this.estimator}"`, { where: 'awrs' });
    }
    if (this.onCap !== 'exact' && this.onCap !== 'die') throw new InputError(`onCap must be "exact" or "die", got "${this.onCap}"`, { where: 'awrs' });
    this.urn = new TokenUrn(vocabSize, options.tail === undefined ? DEFAULT_TAIL : options.tail);
    this.bits = newMask(vocabSize);
  }

  draw<S>(logProbs: Float64Array, condition: Potential<S> | undefined, state: S, random: Random, out: TokenDraw): void {
    this.drawAmong(logProbs, condition?.support, condition, state, random, out);
  }

  /**
   * AWRS restricted to the ids set in `candidates` (a superset of the allowed tokens, e.g. a mask
   * computed with too little fuel); undefined: every id.
   */
  drawAmong<S>(
    logProbs: Float64Array,
    candidates: Uint32Array | undefined,
    condition: Potential<S> | undefined,
    state: S,
    random: Random,
    out: TokenDraw,
    estimator: AwrsEstimator = this.estimator,
  ): void {
    const urn = this.urn;
    const total = urn.fill(logProbs, candidates);
    if (!(total > 0)) return setDead(out);
    if (condition === undefined) {
      out.logWeight = urn.shift + Math.log(total);
      out.token = urn.draw(random);
      return;
    }
    // max p = exp(shift) / (exp(shift) * total): the largest weight is 1. The estimator is chosen
    // before any draw, so the choice is independent of the randomness.
    const geometric = urn.underflowed === 0 && (estimator === 'geometric' || (estimator === 'auto' && 1 / total >= GEOMETRIC_THRESHOLD));
    if (geometric) this.geometric(condition, state, random, out, total);
    else this.recursive(condition, state, random, out);
  }

  private check<S>(condition: Potential<S>, state: S, token: number): boolean {
    this.usage.constraintChecks++;
    return allowsToken(condition, state, token);
  }

  /**
   * Recursive estimator. With S the candidates left when token x is drawn (probability
   * q = w(x)/W(S)), Z(S) = q 1[x allowed] + (1 - q) Z(S \ x) for every x: a rejection multiplies
   * the estimate by (1 - q) = W(S \ x)/W(S) and recurses; at the first acceptance Z(S \ x) is
   * estimated by checking one more draw y from S \ x. The product telescopes: the weight is
   * W(S) (the mass left at acceptance) when y is allowed (or nothing is left), and w(x) when not.
   * Every estimate is conditionally unbiased given the draws before it, which is what lets the
   * rejection budget end in an exact computation at any point.
   */
  private recursive<S>(condition: Potential<S>, state: S, random: Random, out: TokenDraw): void {
    const urn = this.urn;
    for (let rejections = 0; ; ) {
      const remaining = urn.remaining();
      if (!(remaining > 0)) return setDead(out);
      const logRemaining = urn.shift + Math.log(remaining);
      const x = urn.draw(random);
      this.usage.proposals++;
      if (this.check(condition, state, x)) {
        let logWeight = logRemaining;
        const logWx = urn.shift + Math.log(urn.weight(x));
        urn.remove(x);
        // With 'die', the last allowed proposal estimates Z(S)/W(S) by 1[x allowed] alone: a second
        // check that could reject would need a level beyond the budget.
        const lastLevel = this.onCap === 'die' && rejections === this.maxRejections - 1;
        if (!lastLevel && urn.remaining() > 0 && !this.check(condition, state, urn.draw(random))) logWeight = logWx;
        out.token = x;
        out.logWeight = logWeight;
        return;
      }
      this.usage.rejections++;
      urn.remove(x);
      if (++rejections >= this.maxRejections) {
        // Every rejected token is disallowed, so the allowed mass among the remaining candidates is
        // exactly Z: an exact mask of the rest finishes the draw with the exact weight.
        if (this.onCap === 'die') return setDead(out);
        this.usage.fallbacks++;
        this.keepAllowed(condition, state, -1, false);
        const allowed = urn.total();
        if (!(allowed > 0)) return setDead(out);
        out.logWeight = urn.shift + Math.log(allowed);
        out.token = urn.draw(random);
        return;
      }
    }
  }

  /**
   * Geometric (negative-binomial) estimator. Sampling with replacement until the second acceptance,
   * n trials of which failures were rejections, (2 - 1)/(n - 1) is an unbiased estimate of the
   * acceptance rate Z/W (Rao-Blackwellisation of "the first trial was accepted"; the failure count
   * is independent of which token was accepted first, hence proper weighting). Rejected tokens are
   * removed from the urn; the draws of a with-replacement run that would have hit them are
   * reconstructed as geometric counts ("phantoms") without checking anything. Accepted tokens stay
   * in the urn, and the first one is never checked twice.
   *
   * The budgets stop the run at a stopping time of the with-replacement sequence (s accepts, n
   * trials); with 'die' the estimate is then s/(n - 1), still the Rao-Blackwellisation of "the first
   * trial was accepted", since every reordering of the first n - 1 trials stops at the same trial.
   * The scale never changes here (no candidate underflows), so masses compare across the run.
   */
  private geometric<S>(condition: Potential<S>, state: S, random: Random, out: TokenDraw, initial: number): void {
    const urn = this.urn;
    const cap = this.maxFailures;
    let failures = 0;
    let rejections = 0;
    let accepts = 0;
    let first = -1;
    let rejectedMass = 0;
    while (accepts < 2) {
      const remaining = urn.remaining();
      if (!(remaining > 0)) return setDead(out);
      if (rejectedMass > 0) {
        failures += random.choose(new GeometricDiscrete(rejectedMass / initial, remaining / initial, cap - failures));
        if (failures >= cap) return this.geometricAfterCap(condition, state, random, out, initial, failures, first, rejectedMass);
      }
      const x = urn.draw(random);
      if (x === first) {
        accepts++;
        continue;
      }
      if (accepts === 0) this.usage.proposals++;
      if (this.check(condition, state, x)) {
        accepts++;
        if (first < 0) first = x;
        continue;
      }
      if (accepts === 0) this.usage.rejections++;
      failures++;
      rejections++;
      rejectedMass += urn.weight(x);
      urn.remove(x);
      if (failures >= cap || rejections >= this.maxRejections) {
        return this.geometricAfterCap(condition, state, random, out, initial, failures, first, rejectedMass);
      }
    }
    out.token = first;
    out.logWeight = urn.shift + Math.log(initial) - Math.log(failures + 1);
  }

  /**
   * The with-replacement run is stopped by a budget, not finished: the trials left are independent
   * with acceptance probability f = Z/W, which the exact allowed set now gives, so the rest of the
   * run (failure counts, and the first accepted token if none yet) is simulated exactly without
   * another check. The estimator is then that of the run without budgets.
   */
  private geometricAfterCap<S>(
    condition: Potential<S>,
    state: S,
    random: Random,
    out: TokenDraw,
    initial: number,
    failures: number,
    first: number,
    rejectedMass: number,
  ): void {
    const urn = this.urn;
    const logInitial = urn.shift + Math.log(initial);
    if (this.onCap === 'die') {
      // The capped run's estimator: accepts/(n - 1) with n = accepts + failures trials.
      if (first < 0) return setDead(out);
      out.token = first;
      out.logWeight = logInitial - Math.log(failures);
      return;
    }
    this.usage.fallbacks++;
    const disallowedMass = this.keepAllowed(condition, state, first);
    const allowed = urn.total();
    if (!(allowed > 0)) return setDead(out);
    const fail = (rejectedMass + disallowedMass) / initial;
    const stop = Math.exp(urn.shift + Math.log(allowed) - logInitial);
    if (first < 0) {
      failures += random.choose(new NegativeBinomial2Discrete(fail, stop));
      first = urn.draw(random);
    } else {
      failures += random.choose(new GeometricDiscrete(fail, stop));
    }
    out.token = first;
    out.logWeight = logInitial - Math.log(failures + 1);
  }

  /**
   * Drops every remaining candidate the condition does not allow (`known`, already accepted,
   * excepted) and returns their mass at the scale on entry (0 unless `weighRefused`: only the
   * geometric estimator needs it, at one exp() per refused token). Uses the condition's mask when
   * it has one (checking only what a superset mask lets through), else checks every remaining
   * candidate.
   */
  private keepAllowed<S>(condition: Potential<S>, state: S, known: number, weighRefused = true): number {
    const check = (id: number): boolean => this.check(condition, state, id);
    if (condition.mask === undefined) return this.urn.keepAllowed(undefined, check, known, weighRefused);
    this.usage.masks++;
    const exact = condition.mask(state, this.bits);
    return this.urn.keepAllowed(this.bits, exact ? undefined : check, known, weighRefused);
  }
}
