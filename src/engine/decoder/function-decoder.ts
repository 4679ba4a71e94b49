import { AbortError } from '../../errors.js';
import type { DecodeOptions, Decoder, Prefilled, SequenceHandle } from './decoder.js';
import { logSoftmaxInPlace, mergeEos } from './log-softmax.js';

// Kept here too: samplers imported them from this file before log-softmax.ts existed.
export { logSoftmaxInPlace, mergeEos } from './log-softmax.js';

/**
 * A language model given as a function from a token prefix to next-token logits. Toy and analytic
 * models (n-grams, enumerable test distributions, scripted fixtures) implement the Decoder contract
 * with it, so samplers and search can be tested against exact answers without an ONNX session.
 */
export type NextTokenLogits = (prefix: readonly number[]) => ArrayLike<number>;

/** A sequence's whole prefix; `step` appends to it in place, as an ONNX decoder appends to a KV row. */
class FunctionSequence implements SequenceHandle {
  constructor(readonly tokens: number[]) {}

  get length(): number {
    return this.tokens.length;
  }
}

export interface FunctionDecoderOptions {
  readonly vocabSize: number;
  readonly eosIds: readonly number[];
  readonly maxLength?: number;
}

export class FunctionDecoder implements Decoder {
  readonly vocabSize: number;
  readonly eosId: number;
  readonly maxLength: number;
  /** Number of batched forward passes run so far (prefills included), for cost accounting in tests. */
  forwardPasses = 0;
  private readonly eosIds: readonly number[];
  private live = new Set<FunctionSequence>();

  constructor(
    private readonly logitsOf: NextTokenLogits,
    options: FunctionDecoderOptions,
  ) {
    if (options.eosIds.length === 0) throw new RangeError('FunctionDecoder needs at least one EOS id');
    this.vocabSize = options.vocabSize;
    this.eosIds = options.eosIds;
    this.eosId = options.eosIds[0];
    this.maxLength = options.maxLength ?? Number.MAX_SAFE_INTEGER;
  }

  async prefill(promptIds: readonly number[], options?: DecodeOptions): Promise<Prefilled> {
    checkSignal(options);
    this.forwardPasses++;
    const sequence = this.track(new FunctionSequence([...promptIds]));
    return { sequence, logProbs: this.logProbsOf(sequence.tokens, options?.temperature ?? 1) };
  }

  async step(sequences: readonly SequenceHandle[], tokens: readonly number[], options?: DecodeOptions): Promise<Float64Array[]> {
    checkSignal(options);
    // The ONNX engine cannot run an empty batch; the toy decoder refuses it too, so tests catch callers
    // that would.
    if (sequences.length === 0) throw new RangeError('step needs at least one sequence');
    if (sequences.length !== tokens.length) {
      throw new RangeError(`step got ${sequences.length} sequences but ${tokens.length} tokens`);
    }
    this.forwardPasses++;
    const rows: Float64Array[] = [];
    for (let i = 0; i < sequences.length; i++) {
      const sequence = this.own(sequences[i]);
      if (sequence.length >= this.maxLength) throw new RangeError(`sequence is already at maxLength ${this.maxLength}`);
      sequence.tokens.push(tokens[i]);
      rows.push(this.logProbsOf(sequence.tokens, options?.temperature ?? 1));
    }
    return rows;
  }

  fork(sequence: SequenceHandle): SequenceHandle {
    const own = this.own(sequence);
    return this.track(new FunctionSequence([...own.tokens]));
  }

  release(sequence: SequenceHandle): void {
    this.live.delete(this.own(sequence));
  }

  async dispose(): Promise<void> {
    this.live.clear();
  }

  /** Number of sequences not yet released (tests check that samplers release what they fork). */
  get liveSequences(): number {
    return this.live.size;
  }

  private track(sequence: FunctionSequence): FunctionSequence {
    this.live.add(sequence);
    return sequence;
  }

  private own(sequence: SequenceHandle): FunctionSequence {
    const own = sequence as FunctionSequence;
    if (!this.live.has(own)) throw new RangeError('sequence handle was released or belongs to another decoder');
    return own;
  }

  private logProbsOf(prefix: readonly number[], temperature: number): Float64Array {
    if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
    const logits = this.logitsOf(prefix);
    if (logits.length !== this.vocabSize) {
      throw new RangeError(`model function returned ${logits.length} logits, expected ${this.vocabSize}`);
    }
    const out = new Float64Array(this.vocabSize);
    for (let i = 0; i < out.length; i++) out[i] = logits[i] / temperature;
    mergeEos(out, this.eosIds);
    logSoftmaxInPlace(out);
    return out;
  }
}

function checkSignal(options: DecodeOptions | undefined): void {
  if (options?.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
}
