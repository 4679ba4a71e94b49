import type { PosteriorEntry } from '../../sampler/run-sampler.js';

/** Why generation ended: the output was complete (`stop`), or the token budget ran out (`length`). */
export type GenerateFinishReason = 'stop' | 'length';

/** What one generation cost. */
export interface GenerateUsage {
  /** Tokens of the prompt (chat template included). */
  readonly promptTokens: number;
  /** Tokens of the returned output (EOS excluded). */
  readonly completionTokens: number;
  readonly totalTokens: number;
  /** Tokens generated over all particles (SMC), or completionTokens. */
  readonly sampledTokens: number;
  /** Batched decoder forward passes, prefill included. */
  readonly decoderSteps: number;
  /** Full token masks computed, and single-token constraint checks (AWRS checks proposals only). */
  readonly masks: number;
  readonly constraintChecks: number;
  /** AWRS proposals, rejected proposals, and exact-mask fallbacks. */
  readonly proposals: number;
  readonly rejections: number;
  readonly fallbacks: number;
  /** Wall-clock milliseconds of the call, constraint compilation and prompt encoding included. */
  readonly durationMs: number;
}

/** One SMC particle as returned to the caller. */
export interface ParticleOutput {
  readonly text: string;
  readonly tokens: readonly number[];
  /** Log importance weight (-Infinity for a particle that died). */
  readonly logWeight: number;
  /** Normalised weight among the particles (0 for a dead particle). */
  readonly weight: number;
  readonly finishReason: 'stop' | 'length' | 'dead';
}

export interface GenerateResult<T> {
  /** The output: the parsed and validated JSON value for schemas, the text for grammars, regexes and none. */
  readonly value: T;
  /** The generated text (EOS excluded). */
  readonly text: string;
  /** The generated token ids (EOS excluded). */
  readonly tokens: readonly number[];
  readonly usage: GenerateUsage;
  readonly finishReason: GenerateFinishReason;
  /** Model log-probability of the tokens (EOS included when generated). */
  readonly logProb: number;
  /** Log importance weight of the output for the constrained target (see runSampler). */
  readonly logWeight: number;
  /** SMC only: every particle, with normalised weights. */
  readonly particles?: readonly ParticleOutput[];
  /** SMC only: log of the unbiased estimate of the probability mass the constraint keeps. */
  readonly logZ?: number;
  /** SMC only: normalised weight per distinct text, most probable first. */
  readonly posterior?: readonly PosteriorEntry[];
  /** Search only: the reward of the output. */
  readonly reward?: number;
}
