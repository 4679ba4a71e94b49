import * as ort from 'onnxruntime-node';
import { InputError, ModelLoadError } from '../../errors.js';
import { float16ToFloat32 } from '../onnx/float16.js';
import { KvBlock, KvCache, blankPast } from './kv-cache.js';
import type { Past } from './kv-cache.js';
import { KvSlabCache } from './kv-slab-cache.js';
import type { KvPrefix, KvSlab } from './kv-slab-cache.js';
import { logitsToLogProbs } from './log-softmax.js';
import { createSession, inspectSession } from './onnx-session.js';
import type { ExecutionProvider, LayoutHints, SessionLayout } from './onnx-session.js';

/** Everything the engine needs, as plain data (it crosses to the worker thread). */
export interface EngineOptions {
  readonly modelPath: string;
  readonly eosIds: readonly number[];
  readonly provider?: ExecutionProvider;
  readonly threads?: number;
  readonly hints?: LayoutHints;
  /** Checked against the logits width: the tokenizer may be narrower (padding), never wider. */
  readonly tokenizerSize?: number;
  readonly tokenizerPath?: string;
  readonly configVocabSize?: number;
  readonly configPath?: string;
  /** EOS ids come from here (for error messages). */
  readonly eosSourcePath?: string;
  /** Prompts longer than this run in chunks, with an abort check between chunks. Default 512. */
  readonly prefillChunk?: number;
  /** Never feed a zero-length past or prefix (see DecoderEngine.minPositions). Default: on for WebGPU. */
  readonly avoidEmptyInputs?: boolean;
  /** The model's sliding-window width (config.json), if any: WebGPU then runs 'appended' models on the CPU. */
  readonly slidingWindow?: number;
}

export interface EngineInfo {
  readonly vocabSize: number;
  readonly provider: ExecutionProvider;
  readonly warnings: readonly string[];
  readonly cacheDtype: 'float32' | 'float16';
  readonly cacheEntries: number;
  readonly mergedDecoder: boolean;
  /** Cache bytes per token per sequence (all layers, keys and values). */
  readonly cacheBytesPerToken: number;
  /** An empty past or prefix is fed as one hidden position (on for WebGPU; see DecoderEngine.minPositions). */
  readonly avoidEmptyInputs: boolean;
}

/**
 * Decides, atomically with respect to an abort, whether a finished forward pass takes effect. An
 * aborted call never changes any sequence: the caller may already have been told it was aborted.
 */
export interface CallGate {
  aborted(): boolean;
  /** True when the call may take effect; false when it was aborted (then nothing may change). */
  commit(): boolean;
}

export interface ForwardResult {
  /** [rows x vocabSize] log-probabilities. */
  readonly logProbs: Float64Array;
  /** Milliseconds inside session.run, and in the whole engine call. */
  readonly runMs: number;
  readonly engineMs: number;
  /** Milliseconds regrouping the cache (gathering rows) and building the inputs. */
  readonly prepareMs: number;
  /** Milliseconds turning logits into log-probabilities. */
  readonly logProbsMs: number;
  /** Rows copied to regroup the cache for this call (0 when the batch fed back as is). */
  readonly copiedRows: number;
  readonly cacheBytes: number;
}

/**
 * An ONNX decoder session plus its KV cache: the part of the decoder that runs session.run. It lives
 * in a worker thread (decoder-worker.ts) so the main thread's event loop keeps running, or in the
 * caller's thread when asked; sequences are numbered by the caller.
 */
export class DecoderEngine {
  /** KvCache for 'present' models (the graph returns the whole cache), KvSlabCache for 'appended' ones. */
  private readonly cache: KvCache | KvSlabCache;
  private readonly eosIds: readonly number[];
  private readonly prefillChunk: number;
  /**
   * The fewest positions a past or prefix input gets: 0, or 1 where zero-length inputs must be
   * avoided. onnxruntime-node 1.30's WebGPU provider segfaults inside onnxruntime on a run whose past
   * or prefix has length 0 (either one; an H100, run through Vulkan), which every prefill's first run
   * and every step over rows of different prompts ('appended': an empty prefix) would be. An empty
   * input is then fed as one position of zeros that attention_mask hides. That is exact up to float32
   * summation order: a hidden key gets the float32-min score, so its softmax weight is exactly 0, and
   * positions come from position_ids, not from input lengths. Nothing of it is kept: 'appended'
   * outputs hold only the new tokens, and in 'present' outputs it is one more padding position before
   * a right-aligned row. One exception: formwork's 'appended' graphs measure a sliding window over the
   * past by key slot, so in a step over rows of different prompts (empty prefix, padded) a row sits
   * one slot late and a sliding-window layer also sees the key exactly one window back: open() runs
   * such models on the CPU instead.
   */
  private readonly minPositions: number;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly layout: SessionLayout,
    private readonly options: EngineOptions,
    readonly info: EngineInfo,
  ) {
    this.cache = layout.cacheOutputs === 'appended' ? new KvSlabCache(layout.cache) : new KvCache(layout.cache);
    this.eosIds = options.eosIds;
    this.prefillChunk = options.prefillChunk ?? 512;
    this.minPositions = info.avoidEmptyInputs ? 1 : 0;
  }

  static async open(options: EngineOptions): Promise<DecoderEngine> {
    let { session, provider, warnings } = await createSession(options.modelPath, { provider: options.provider, threads: options.threads });
    try {
      let layout = inspectSession(session, options.modelPath, options.hints);
      if ((options.avoidEmptyInputs ?? provider === 'webgpu') && layout.cacheOutputs === 'appended' && options.slidingWindow !== undefined) {
        // The one case minPositions' padding is not exact (see there): a sliding-window model with
        // 'appended' outputs. On WebGPU it runs on the CPU instead; asked for on the CPU, it is refused.
        if (provider !== 'webgpu') {
          throw new InputError('avoidEmptyInputs is not exact for a sliding-window model with appended cache outputs', { where: options.modelPath });
        }
        await session.release();
        ({ session, provider } = await createSession(options.modelPath, { provider: 'cpu', threads: options.threads }));
        warnings = [
          ...warnings,
          `formwork: ${options.modelPath} has sliding-window attention and appended cache outputs, which WebGPU cannot run exactly (onnxruntime-node 1.30 crashes on empty inputs, and padding them shifts the window); running it on the CPU instead`,
        ];
        layout = inspectSession(session, options.modelPath, options.hints);
      }
      const vocabSize = layout.logitsWidth ?? options.configVocabSize ?? options.tokenizerSize;
      if (vocabSize === undefined) throw new ModelLoadError('declares no logits width and config.json has no vocab_size', { path: options.modelPath });
      if (layout.logitsWidth !== undefined && options.configVocabSize !== undefined && layout.logitsWidth !== options.configVocabSize) {
        throw new ModelLoadError(`logits are ${layout.logitsWidth} wide but config.json says vocab_size ${options.configVocabSize}`, {
          path: options.configPath ?? options.modelPath,
        });
      }
      if (options.tokenizerSize !== undefined && options.tokenizerSize > vocabSize) {
        throw new ModelLoadError(`defines ${options.tokenizerSize} token ids but the model's logits are only ${vocabSize} wide`, {
          path: options.tokenizerPath ?? options.modelPath,
        });
      }
      for (const id of options.eosIds) {
        if (id >= vocabSize) throw new ModelLoadError(`EOS id ${id} is outside the model's ${vocabSize} logits`, { path: options.eosSourcePath ?? options.modelPath });
      }
      const cacheBytesPerToken = layout.cache.reduce((n, e) => n + e.heads * e.headDim * (e.dtype === 'float16' ? 2 : 4), 0);
      const info: EngineInfo = {
        vocabSize,
        provider,
        warnings,
        cacheDtype: layout.cache[0].dtype,
        cacheEntries: layout.cache.length,
        mergedDecoder: layout.hasUseCacheBranch,
        cacheBytesPerToken,
        avoidEmptyInputs: options.avoidEmptyInputs ?? provider === 'webgpu',
      };
      return new DecoderEngine(session, layout, options, info);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** Runs `tokens` as a new sequence `id`; returns the log-probabilities after its last token. */
  async prefill(id: number, tokens: ArrayLike<number>, temperature: number, gate: CallGate): Promise<ForwardResult | undefined> {
    const started = performance.now();
    if (this.cache.has(id)) throw new RangeError(`sequence ${id} already exists`);
    this.checkTokens(tokens, 'promptIds');
    if (tokens.length === 0) throw new InputError('a prompt needs at least one token (e.g. the BOS token)', { where: 'promptIds' });
    // 'appended' models: the prompt becomes a prefix, each chunk's appended.* outputs added to it (the
    // prefix is private to this call until commit, so an abort leaves nothing behind). 'present'
    // models chain each chunk's present.* outputs as the next chunk's past.
    const slabCache = this.cache instanceof KvSlabCache ? this.cache : undefined;
    let prefix = slabCache?.emptyPrefix();
    let past: Past = blankPast(this.layout.cache, 1, this.minPositions);
    let runMs = 0;
    let outputs: ort.InferenceSession.OnnxValueMapType | undefined;
    for (let start = 0; start < tokens.length; start += this.prefillChunk) {
      if (gate.aborted()) return undefined;
      const end = Math.min(tokens.length, start + this.prefillChunk);
      const chunk = BigInt64Array.from(Array.prototype.slice.call(tokens, start, end), BigInt);
      const t0 = performance.now();
      const feeds = prefix ? this.slabFeeds(chunk, prefix, undefined, 1, [0], end - start, 1) : this.feeds(chunk, 1, end - start, past, [start], 1);
      const run = await this.session.run(feeds);
      runMs += performance.now() - t0;
      outputs = run;
      if (prefix) prefix = prefix.extended(this.appendedData(run), end - start);
      else past = { tensors: this.layout.cache.map((e) => run[e.output] as ort.Tensor), sequence: past.sequence + end - start, copiedRows: 0 };
    }
    if (!gate.commit()) return undefined;
    if (slabCache) slabCache.setPrefilled(id, prefix!);
    else (this.cache as KvCache).set(id, new KvBlock(past.tensors, 1, past.sequence), 0, tokens.length);
    const t1 = performance.now();
    const logProbs = this.logProbsOf(outputs!.logits as ort.Tensor, 1, temperature);
    const done = performance.now();
    return {
      logProbs,
      runMs,
      engineMs: done - started,
      prepareMs: t1 - started - runMs,
      logProbsMs: done - t1,
      copiedRows: 0,
      cacheBytes: this.cache.bytes,
    };
  }

  /** Appends tokens[i] to sequence ids[i], all in one forward pass. */
  async step(ids: Int32Array, tokens: Int32Array, temperature: number, gate: CallGate): Promise<ForwardResult | undefined> {
    const started = performance.now();
    const batch = ids.length;
    if (batch === 0) throw new InputError('step needs at least one sequence', { where: 'sequences' });
    if (tokens.length !== batch) throw new InputError(`step got ${batch} sequences but ${tokens.length} tokens`, { where: 'tokens' });
    this.checkTokens(tokens, 'tokens');
    const lengths = new Array<number>(batch);
    const seen = new Set<number>();
    for (let i = 0; i < batch; i++) {
      if (seen.has(ids[i])) throw new InputError(`sequence ${ids[i]} appears twice in one step; fork it first`, { where: 'sequences' });
      seen.add(ids[i]);
      lengths[i] = this.cache.length(ids[i]);
    }
    let outputs: ort.InferenceSession.OnnxValueMapType;
    let copiedRows: number;
    let rowOf: Int32Array | undefined;
    let t0: number;
    let t1: number;
    if (this.cache instanceof KvSlabCache) {
      const pass = this.cache.passFor(ids);
      if (gate.aborted()) return undefined;
      // The batch runs in the slab's row order; rowOf maps the caller's order onto it.
      const tokensByRow = new BigInt64Array(pass.slab.batch);
      for (let i = 0; i < batch; i++) tokensByRow[pass.rowOf[i]] = BigInt(tokens[i]);
      const feeds = this.slabFeeds(tokensByRow, pass.prefix, pass.slab, pass.slab.batch, pass.lengths, 1, 1);
      t0 = performance.now();
      outputs = await this.session.run(feeds);
      t1 = performance.now();
      if (!gate.commit()) return undefined;
      this.cache.commitStep(ids, pass, this.appendedData(outputs));
      copiedRows = pass.copiedRows;
      rowOf = pass.rowOf;
    } else {
      const past = this.cache.pastFor(ids);
      if (gate.aborted()) return undefined;
      const feeds = this.feeds(BigInt64Array.from(tokens, BigInt), batch, 1, past, lengths, 1);
      t0 = performance.now();
      outputs = await this.session.run(feeds);
      t1 = performance.now();
      if (!gate.commit()) return undefined;
      const block = new KvBlock(
        this.layout.cache.map((e) => outputs[e.output] as ort.Tensor),
        batch,
        past.sequence + 1,
      );
      for (let i = 0; i < batch; i++) this.cache.set(ids[i], block, i, lengths[i] + 1);
      copiedRows = past.copiedRows;
    }
    const logProbs = this.logProbsOf(outputs.logits as ort.Tensor, batch, temperature, rowOf);
    const done = performance.now();
    return {
      logProbs,
      runMs: t1 - t0,
      engineMs: done - started,
      prepareMs: t0 - started,
      logProbsMs: done - t1,
      copiedRows,
      cacheBytes: this.cache.bytes,
    };
  }

  /**
   * Raw logits at every position of `tokens` from one uncached forward pass ([tokens x vocabSize],
   * float32): for checks against reference logits and full-recompute comparisons. Changes no sequence.
   */
  async logits(tokens: ArrayLike<number>, gate: CallGate): Promise<Float32Array | undefined> {
    this.checkTokens(tokens, 'tokens');
    if (tokens.length === 0) throw new InputError('needs at least one token', { where: 'tokens' });
    if (gate.aborted()) return undefined;
    const ids = BigInt64Array.from(Array.prototype.slice.call(tokens), BigInt);
    const feeds =
      this.cache instanceof KvSlabCache
        ? this.slabFeeds(ids, this.cache.emptyPrefix(), undefined, 1, [0], tokens.length, 0)
        : this.feeds(ids, 1, tokens.length, blankPast(this.layout.cache, 1, this.minPositions), [0], 0);
    const outputs = await this.session.run(feeds);
    if (!gate.commit()) return undefined;
    const logits = outputs.logits as ort.Tensor;
    const width = this.checkWidth(logits);
    const positions = logits.dims.length === 3 ? logits.dims[1] : 1;
    if (positions !== tokens.length) throw new ModelLoadError(`returned logits for ${positions} of ${tokens.length} positions`, { path: this.options.modelPath });
    const data = logits.data as Float32Array | Uint16Array;
    return data instanceof Uint16Array ? float16ToFloat32(data) : new Float32Array(data.subarray(0, positions * width));
  }

  fork(from: number, to: number): void {
    if (this.cache.has(to)) throw new RangeError(`sequence ${to} already exists`);
    this.cache.fork(from, to);
  }

  release(id: number): void {
    this.cache.release(id);
  }

  get liveSequences(): number {
    return this.cache.size;
  }

  async dispose(): Promise<void> {
    this.cache.clear();
    await this.session.release();
  }

  /**
   * Session inputs for `count` new tokens per row on top of `past` ('present' models); row i already
   * holds lengths[i] tokens, right-aligned in past.sequence positions (see KvBlock).
   */
  private feeds(inputIds: BigInt64Array, batch: number, count: number, past: Past, lengths: ArrayLike<number>, keep: number): Record<string, ort.Tensor> {
    const total = past.sequence + count;
    const mask = new BigInt64Array(batch * total);
    for (let b = 0; b < batch; b++) mask.fill(1n, b * total + past.sequence - lengths[b], (b + 1) * total);
    return this.inputs(inputIds, batch, count, past.tensors, past.sequence, mask, lengths, keep);
  }

  /**
   * Session inputs for `count` new tokens per row after `prefix` and the rows of `slab` ('appended'
   * models; no slab: an empty past). Row b holds lengths[b] positions after the prefix. An empty
   * prefix or past becomes minPositions hidden positions.
   */
  private slabFeeds(
    inputIds: BigInt64Array,
    prefix: KvPrefix,
    slab: KvSlab | undefined,
    batch: number,
    lengths: ArrayLike<number>,
    count: number,
    keep: number,
  ): Record<string, ort.Tensor> {
    const prefixTensors = prefix.length > 0 ? prefix.tensors() : blankPast(this.layout.cache, 1, this.minPositions).tensors;
    const prefixSlots = Math.max(prefix.length, this.minPositions);
    const past = slab ? { tensors: slab.tensors(), sequence: slab.capacity } : blankPast(this.layout.cache, batch, this.minPositions);
    const mask = KvSlabCache.mask(prefix.length, prefixSlots, past.sequence, batch, lengths, count);
    const starts = Array.from({ length: batch }, (_, b) => prefix.length + lengths[b]);
    const feeds = this.inputs(inputIds, batch, count, past.tensors, prefixSlots + past.sequence, mask, starts, keep);
    this.layout.prefixInputs!.forEach((name, k) => (feeds[name] = prefixTensors[k]));
    return feeds;
  }

  /** The session inputs; row b's new tokens take positions starts[b], starts[b] + 1, ... */
  private inputs(
    inputIds: BigInt64Array,
    batch: number,
    count: number,
    past: readonly ort.Tensor[],
    pastSequence: number,
    mask: BigInt64Array,
    starts: ArrayLike<number>,
    keep: number,
  ): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, [batch, count]),
      attention_mask: new ort.Tensor('int64', mask, [batch, pastSequence + count]),
    };
    if (this.layout.hasPositionIds) {
      const positions = new BigInt64Array(batch * count);
      for (let b = 0; b < batch; b++) for (let t = 0; t < count; t++) positions[b * count + t] = BigInt(starts[b] + t);
      feeds.position_ids = new ort.Tensor('int64', positions, [batch, count]);
    }
    const keepInput = this.layout.logitsToKeep;
    if (keepInput) feeds[keepInput.name] = new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), keepInput.rank === 0 ? [] : [1]);
    if (this.layout.hasUseCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.of(pastSequence > 0 ? 1 : 0), [1]);
    this.layout.cache.forEach((entry, k) => (feeds[entry.input] = past[k]));
    return feeds;
  }

  /** The appended.* outputs' data. */
  private appendedData(outputs: ort.InferenceSession.OnnxValueMapType): (Float32Array | Uint16Array)[] {
    return this.layout.cache.map((entry) => (outputs[entry.output] as ort.Tensor).data as Float32Array | Uint16Array);
  }

  /**
   * Log-probabilities of the last position of each row of `logits` ([batch, positions, V] or [batch, V]),
   * row rowOf[i] (default i) as the i-th.
   */
  private logProbsOf(logits: ort.Tensor, batch: number, temperature: number, rowOf?: Int32Array): Float64Array {
    const width = this.checkWidth(logits);
    const positions = logits.dims.length === 3 ? logits.dims[1] : 1;
    const data = logits.data as Float32Array | Uint16Array;
    const out = new Float64Array(batch * width);
    for (let b = 0; b < batch; b++) {
      const row = rowOf ? rowOf[b] : b;
      logitsToLogProbs(data, (row * positions + positions - 1) * width, out.subarray(b * width, (b + 1) * width), temperature, this.eosIds);
    }
    return out;
  }

  private checkWidth(logits: ort.Tensor): number {
    const width = logits.dims[logits.dims.length - 1];
    if (width !== this.info.vocabSize) {
      throw new ModelLoadError(`returned logits ${width} wide, expected ${this.info.vocabSize}`, { path: this.options.modelPath });
    }
    return width;
  }

  private checkTokens(tokens: ArrayLike<number>, where: string): void {
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (!Number.isInteger(t) || t < 0 || t >= this.info.vocabSize) {
        throw new InputError(`token ${t} at index ${i} is not an id of this model (0..${this.info.vocabSize - 1})`, { where });
      }
    }
  }
}
