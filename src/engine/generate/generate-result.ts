import type { Vocabulary } from '../../grammar/vocab/vocabulary.js';
import type { PosteriorEntry, RunSamplerResult } from '../../sampler/run-sampler.js';

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

/** What a finished run wrote, as generate() and sql() report it (and attach to their output errors). */
export interface GeneratedOutput {
  readonly tokens: number[];
  /** The exact bytes of the tokens (a constraint checks these: `text` may hold U+FFFD for a cut character). */
  readonly bytes: Uint8Array;
  readonly text: string;
  readonly usage: GenerateUsage;
}

/** The output and usage of a sampler or search run over a prompt of `promptTokens` tokens, begun at `startedMs` (performance.now()). */
export function generatedOutput(run: RunSamplerResult, vocabulary: Vocabulary, promptTokens: number, startedMs: number): GeneratedOutput {
  const tokens = [...run.tokens];
  let length = 0;
  for (const token of tokens) length += vocabulary.tokenBytes(token).length;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const token of tokens) {
    const piece = vocabulary.tokenBytes(token);
    bytes.set(piece, at);
    at += piece.length;
  }
  const usage: GenerateUsage = {
    promptTokens,
    completionTokens: tokens.length,
    totalTokens: promptTokens + tokens.length,
    sampledTokens: run.usage.tokens,
    decoderSteps: run.usage.decoderSteps,
    masks: run.usage.masks,
    constraintChecks: run.usage.constraintChecks,
    proposals: run.usage.proposals,
    rejections: run.usage.rejections,
    fallbacks: run.usage.fallbacks,
    durationMs: performance.now() - startedMs,
  };
  return { tokens, bytes, text: new TextDecoder().decode(bytes), usage };
}
