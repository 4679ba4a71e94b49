/**
 * What samplers see of a language model: sequences that share a prompt, advanced in lockstep by one
 * batched forward pass per token. A Decoder owns the KV cache; a SequenceHandle names one row of it.
 *
 * Log-probabilities are Float64 log-softmax over the full logits width (`vocabSize`), after
 * temperature, with all EOS ids merged into `eosId` (their probabilities summed; the other EOS ids
 * get -Infinity), so samplers see exactly one end-of-sequence token.
 */
export interface Decoder {
  /** Width of the logits, which may exceed the tokenizer's vocabulary (padding). */
  readonly vocabSize: number;
  /** The canonical EOS id all EOS ids are merged into. */
  readonly eosId: number;
  /** Longest sequence (prompt + generated) the model accepts. */
  readonly maxLength: number;

  /**
   * Runs the prompt once and returns a handle whose cache holds it, plus the log-probabilities of the
   * token after the prompt.
   */
  prefill(promptIds: readonly number[], options?: DecodeOptions): Promise<Prefilled>;

  /**
   * Appends `tokens[i]` to `sequences[i]` for every i and returns the log-probabilities of the next
   * token for each, from one batched forward pass. Row i of the result belongs to sequences[i]; rows
   * are views into one buffer that stays valid until the next call.
   */
  step(sequences: readonly SequenceHandle[], tokens: readonly number[], options?: DecodeOptions): Promise<Float64Array[]>;

  /** A new handle with the same cache contents as `sequence` (particle forking, resampling). */
  fork(sequence: SequenceHandle): SequenceHandle;

  /** Frees the cache row of `sequence`; the handle must not be used again. */
  release(sequence: SequenceHandle): void;

  /** Frees everything (sessions, worker threads). */
  dispose(): Promise<void>;
}

export interface SequenceHandle {
  /** Number of tokens (prompt included) in this sequence's cache. */
  readonly length: number;
}

export interface Prefilled {
  readonly sequence: SequenceHandle;
  readonly logProbs: Float64Array;
}

export interface DecodeOptions {
  /** Logits are divided by this before log-softmax; 1 by default. Must be > 0. */
  readonly temperature?: number;
  readonly signal?: AbortSignal;
}
