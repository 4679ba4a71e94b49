import type { DecodeOptions, Decoder, Prefilled, SequenceHandle } from '../../engine/decoder/decoder.js';

/**
 * A Decoder seen through one search run: every call gets the run's temperature and AbortSignal, the
 * cost is counted (forward passes, and sequence-tokens, the fairer measure when batches differ in
 * width), and every live handle is tracked so that `releaseAll` frees the cache rows however the run
 * ends (result, error, abort). Also usable as a plain Decoder wrapper to count another method's cost.
 */
export class TrackedDecoder implements Decoder {
  /** Forward passes: prefills plus batched steps. */
  steps = 0;
  /** Sequence-tokens run through the model: prompt lengths of prefills plus the width of every step. */
  tokens = 0;
  private readonly live = new Set<SequenceHandle>();

  constructor(
    readonly inner: Decoder,
    private readonly defaults: DecodeOptions = {},
  ) {}

  get vocabSize(): number {
    return this.inner.vocabSize;
  }

  get eosId(): number {
    return this.inner.eosId;
  }

  get maxLength(): number {
    return this.inner.maxLength;
  }

  async prefill(promptIds: readonly number[], options?: DecodeOptions): Promise<Prefilled> {
    const prefilled = await this.inner.prefill(promptIds, this.optionsOf(options));
    this.steps++;
    this.tokens += promptIds.length;
    this.live.add(prefilled.sequence);
    return prefilled;
  }

  /** One batched forward pass; an empty batch costs nothing and returns no rows. */
  async step(sequences: readonly SequenceHandle[], tokens: readonly number[], options?: DecodeOptions): Promise<Float64Array[]> {
    if (sequences.length === 0) return [];
    const rows = await this.inner.step(sequences, tokens, this.optionsOf(options));
    this.steps++;
    this.tokens += sequences.length;
    return rows;
  }

  fork(sequence: SequenceHandle): SequenceHandle {
    const child = this.inner.fork(sequence);
    this.live.add(child);
    return child;
  }

  release(sequence: SequenceHandle): void {
    if (this.live.delete(sequence)) this.inner.release(sequence);
  }

  /** Releases every handle this wrapper handed out and has not released yet. */
  releaseAll(): void {
    for (const sequence of this.live) this.inner.release(sequence);
    this.live.clear();
  }

  /** Number of handles handed out and not yet released. */
  get liveSequences(): number {
    return this.live.size;
  }

  /** A call's own options, the run's defaults where the call leaves one undefined. */
  private optionsOf(options: DecodeOptions | undefined): DecodeOptions {
    return { temperature: options?.temperature ?? this.defaults.temperature, signal: options?.signal ?? this.defaults.signal };
  }

  /** Disposes the wrapped decoder (the caller's; a search run never calls this). */
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}
