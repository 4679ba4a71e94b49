import type { DealOptions, TransferQStarOptions } from '../../sampler/alignment/index.js';
import type { SamplerKind } from '../../sampler/run-sampler.js';
import type { ChatMessage } from '../prompts/chat-format.js';
import type { GrammarSpec, JsonOutputOptions } from './constraint.js';
import type { Model, PromptOptions } from './model.js';

/** Everything `generate()` and `streamGenerate()` take besides the constraint. */
export interface GenerateSettings extends PromptOptions {
  /** A loaded Model, a model directory (loaded once and shared), or omitted: the default model. */
  readonly model?: Model | string;
  /** The user's request (one user message). Give this or `messages`. */
  readonly prompt?: string;
  /** A whole conversation instead of `prompt`. */
  readonly messages?: readonly ChatMessage[];
  /** A system message (merged after the schema description when both are present). */
  readonly system?: string;
  /**
   * Default true: with a schema, the system message describes it (jsonSchemaPrompt: the exact format
   * the default model was trained on). The constraint is exact either way; the description helps the
   * model choose good values.
   */
  readonly schemaPrompt?: boolean;
  /**
   * - 'awrs' (default): exact constrained sampling, checking only the tokens it proposes;
   * - 'masked': the same distribution from a full token mask per step;
   * - 'smc': sequential Monte Carlo over `particles` particles: samples the model conditioned on the
   *   constraint globally, not token by token (returns particles, weights and log Z);
   * - 'greedy': the most likely allowed token at each step;
   * - 'sample': like masked, with topK / topP truncation (chosen automatically when they are given).
   */
  readonly sampler?: SamplerKind;
  /** SMC particles (default 4). */
  readonly particles?: number;
  /** Divides the logits (default 1). */
  readonly temperature?: number;
  readonly topK?: number;
  readonly topP?: number;
  /** Seed of the sampler's PRNG (default 0: the same call gives the same output). */
  readonly seed?: number;
  /** Most tokens to generate, EOS excluded (default 512; clamped to the model's context). */
  readonly maxTokens?: number;
  /** Aborts generation promptly (at the next token) with AbortError. */
  readonly signal?: AbortSignal;
  /**
   * Work limit of one constraint mask (the token automaton's fuel: trie nodes visited, or the JSON
   * Schema and grammar machines' own work units). Past it the mask is a superset of the allowed
   * tokens and the output stays exact: AWRS (the default) and greedy confirm every candidate with a
   * one-token check; 'masked' and 'sample' do that step as AWRS restricted to the superset (the same
   * distribution; the weight stays unbiased but is no longer zero-variance); search checks its
   * candidates the same way. Default: unlimited (a trie walk visits each node at most once, ~275k for
   * Llama-3). See docs/token-automata.md, "Fuel and superset masks".
   */
  readonly maskFuel?: number;
  /** JSON layout options for schemas. */
  readonly json?: JsonOutputOptions;
  /**
   * Reward-guided search instead of sampling (DeAL or Transfer Q*, src/sampler/alignment): the output
   * trades the model's log-probability against `reward`, and still satisfies the constraint exactly.
   * Excludes `sampler`, `particles`, `topK` and `topP`.
   */
  readonly search?: SearchOptions;
}

/** DeAL (Huang et al., 2024): beam search over constrained top-k tokens scored with reward lookaheads. */
export type DealSearch = { readonly kind: 'deal' } & Pick<DealOptions, 'reward' | 'beamWidth' | 'topK' | 'lookahead' | 'lambda' | 'rewardWeights'> & {
  /** A cheaper model (same tokenizer) for the lookaheads. */
  readonly lookaheadModel?: Model;
};

/** Transfer Q* (Chakraborty et al., 2024): token choice by log pi + alpha * Q from baseline rollouts. */
export type TransferQStarSearch = { readonly kind: 'tqstar' } & Pick<
  TransferQStarOptions,
  'reward' | 'topK' | 'rollouts' | 'alpha' | 'choose' | 'rollout' | 'rolloutTokens' | 'transfer' | 'rewardWeights'
> & {
  /** The aligned baseline model that rolls out candidates (same tokenizer; default: the model itself). */
  readonly baselineModel?: Model;
};

export type SearchOptions = DealSearch | TransferQStarSearch;

/** A JSON Schema or zod constraint. */
export type SchemaGenerateOptions<S> = GenerateSettings & { readonly schema: S; readonly grammar?: undefined; readonly regex?: undefined };

/** A GBNF or Lark grammar: the output is a string in its language. */
export type GrammarGenerateOptions = GenerateSettings & { readonly grammar: GrammarSpec; readonly schema?: undefined; readonly regex?: undefined };

/** A regular expression (ECMAScript syntax) the whole output must match. */
export type RegexGenerateOptions = GenerateSettings & { readonly regex: string | RegExp; readonly schema?: undefined; readonly grammar?: undefined };

/** No constraint: free text. */
export type TextGenerateOptions = GenerateSettings & { readonly schema?: undefined; readonly grammar?: undefined; readonly regex?: undefined };

/** The options of any generation (what the implementation sees). */
export type AnyGenerateOptions = GenerateSettings & {
  readonly schema?: unknown;
  readonly grammar?: GrammarSpec;
  readonly regex?: string | RegExp;
};

export const DEFAULT_MAX_TOKENS = 512;
