import { AbortError, FormworkError, InputError, LimitError, throwIfAborted } from '../../errors.js';
import { resolveModelDirectory } from '../model/model-directory.js';
import type { ModelDirectory, ModelDirectoryOptions } from '../model/model-directory.js';
import type { DecodeOptions, Decoder, Prefilled, SequenceHandle } from './decoder.js';
import type { EngineInfo, EngineOptions, ForwardResult } from './decoder-engine.js';
import { LocalLink, WorkerLink } from './engine-link.js';
import type { EngineLink, EngineNotice, EngineRequest, EngineResult } from './engine-link.js';
import type { ExecutionProvider } from './onnx-session.js';

export interface OnnxDecoderOptions extends ModelDirectoryOptions {
  /** 'cpu' (default), 'webgpu' or 'cuda'; an unavailable provider falls back to the CPU with a warning. */
  readonly provider?: ExecutionProvider;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  readonly threads?: number;
  /** Run the session in a worker thread (default true); false runs it in the calling thread. */
  readonly worker?: boolean;
  /** Receives warnings (provider fallback); default console.warn. */
  readonly onWarning?: (message: string) => void;
  /** Prompts longer than this run in chunks with abort checks between them (default 512 tokens). */
  readonly prefillChunk?: number;
  /**
   * Feed an empty KV cache or prefix as one position that attention_mask hides, never as a zero-length
   * tensor (default: on for WebGPU, whose kernels crash the process on zero-length inputs). Exact;
   * settable so the mode can be checked on the CPU.
   */
  readonly avoidEmptyInputs?: boolean;
  readonly signal?: AbortSignal;
}

/** Cumulative cost accounting, for benchmarks and the "time outside session.run" budget. */
export interface DecoderStats {
  /** prefill and step calls completed. */
  calls: number;
  /** Sequence-tokens produced by steps (batch size summed over steps). */
  stepTokens: number;
  /** Milliseconds inside session.run. */
  runMs: number;
  /** Milliseconds inside the engine (run + cache regrouping + log-softmax). */
  engineMs: number;
  /** Of engineMs: regrouping cache rows and building the session inputs. */
  prepareMs: number;
  /** Of engineMs: logits -> log-probabilities (temperature, EOS merge, Float64 log-softmax). */
  logProbsMs: number;
  /** Milliseconds from call to resolved promise, as the caller sees it (engine + messaging). */
  callMs: number;
  /** Cache rows copied to regroup batches (0 while a batch keeps its rows in order). */
  copiedRows: number;
  /** KV-cache bytes held after the last call. */
  cacheBytes: number;
}

const OPEN_CALL = 1;

class OnnxSequence implements SequenceHandle {
  constructor(
    readonly owner: OnnxDecoder,
    readonly id: number,
    public length: number,
  ) {}
}

/**
 * A Decoder on an ONNX model in the Hugging Face export layout (see DESIGN.md §5). The session and
 * the KV cache live in a worker thread; calls are queued in call order, fork and release included,
 * so a sampler may fire them without awaiting each. Every call takes an AbortSignal: an aborted call
 * rejects with AbortError at once and leaves every sequence as it was.
 */
export class OnnxDecoder implements Decoder {
  readonly vocabSize: number;
  readonly eosId: number;
  readonly eosIds: readonly number[];
  readonly maxLength: number;
  /** The execution provider in use (cpu after a fallback). */
  readonly provider: ExecutionProvider;
  readonly warnings: readonly string[];
  readonly stats: DecoderStats = { calls: 0, stepTokens: 0, runMs: 0, engineMs: 0, prepareMs: 0, logProbsMs: 0, callMs: 0, copiedRows: 0, cacheBytes: 0 };

  private readonly live = new Map<number, OnnxSequence>();
  private nextSequence = 1;
  /** Call numbers start after OPEN_CALL; 0 is never a call (it marks a committed status slot). */
  private nextCall = OPEN_CALL + 1;
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;

  private constructor(
    readonly model: ModelDirectory,
    readonly info: EngineInfo,
    private readonly link: EngineLink,
    private readonly eosList: readonly number[],
  ) {
    this.vocabSize = info.vocabSize;
    this.eosIds = eosList;
    this.eosId = eosList[0];
    this.maxLength = model.config.maxLength ?? Number.MAX_SAFE_INTEGER;
    this.provider = info.provider;
    this.warnings = info.warnings;
  }

  /** Opens the model directory `dir` (see resolveModelDirectory) and starts its session. */
  static async load(dir: string, options: OnnxDecoderOptions = {}): Promise<OnnxDecoder> {
    throwIfAborted(options.signal);
    const model = resolveModelDirectory(dir, options);
    const engineOptions: EngineOptions = {
      modelPath: model.modelPath,
      eosIds: model.config.eosIds,
      provider: options.provider,
      threads: options.threads,
      hints: { numKvHeads: model.config.numKvHeads, headDim: model.config.headDim },
      tokenizerSize: model.tokenizerSize,
      tokenizerPath: model.tokenizerPath,
      configVocabSize: model.config.vocabSize,
      configPath: model.configPath,
      eosSourcePath: model.generationConfigPath ?? model.configPath,
      prefillChunk: options.prefillChunk,
      avoidEmptyInputs: options.avoidEmptyInputs,
      slidingWindow: model.config.slidingWindow,
    };
    const link: EngineLink = options.worker === false ? new LocalLink() : new WorkerLink();
    try {
      const result = await link.call({ kind: 'open', call: OPEN_CALL, options: engineOptions });
      const info = (result as { info: EngineInfo }).info;
      const warn = options.onWarning ?? ((message: string) => console.warn(message));
      for (const warning of info.warnings) warn(warning);
      throwIfAborted(options.signal);
      return new OnnxDecoder(model, info, link, model.config.eosIds);
    } catch (error) {
      link.close();
      throw error;
    }
  }

  async prefill(promptIds: readonly number[], options?: DecodeOptions): Promise<Prefilled> {
    const temperature = checkTemperature(options);
    if (promptIds.length > this.maxLength) {
      throw new LimitError(`prompt has ${promptIds.length} tokens; the model takes at most ${this.maxLength}`, { limit: 'maxLength' });
    }
    this.checkIds(promptIds, 'promptIds');
    const id = this.nextSequence++;
    const result = (await this.enqueue(options?.signal, (call) => ({
      kind: 'prefill',
      call,
      id,
      tokens: Int32Array.from(promptIds),
      temperature,
    }))) as ForwardResult;
    const sequence = new OnnxSequence(this, id, promptIds.length);
    this.live.set(id, sequence);
    return { sequence, logProbs: result.logProbs };
  }

  async step(sequences: readonly SequenceHandle[], tokens: readonly number[], options?: DecodeOptions): Promise<Float64Array[]> {
    const temperature = checkTemperature(options);
    if (sequences.length !== tokens.length) throw new InputError(`step got ${sequences.length} sequences but ${tokens.length} tokens`, { where: 'tokens' });
    this.checkIds(tokens, 'tokens');
    const own = sequences.map((s) => this.own(s));
    for (const sequence of own) {
      if (sequence.length >= this.maxLength) {
        throw new LimitError(`sequence is already at the model's maximum length ${this.maxLength}`, { limit: 'maxLength' });
      }
    }
    const result = (await this.enqueue(options?.signal, (call) => ({
      kind: 'step',
      call,
      ids: Int32Array.from(own, (s) => s.id),
      tokens: Int32Array.from(tokens),
      temperature,
    }))) as ForwardResult;
    for (const sequence of own) sequence.length++;
    this.stats.stepTokens += own.length;
    const width = this.vocabSize;
    return own.map((_, i) => result.logProbs.subarray(i * width, (i + 1) * width));
  }

  /**
   * Raw logits (before temperature and EOS merging) at every position of `tokenIds`, from one
   * uncached forward pass: [tokenIds.length x vocabSize] row-major. For reference checks and tools.
   */
  async logits(tokenIds: readonly number[], options?: { signal?: AbortSignal }): Promise<Float32Array> {
    this.checkIds(tokenIds, 'tokenIds');
    const result = (await this.enqueue(options?.signal, (call) => ({ kind: 'logits', call, tokens: Int32Array.from(tokenIds) }))) as {
      logits: Float32Array;
    };
    return result.logits;
  }

  fork(sequence: SequenceHandle): SequenceHandle {
    const parent = this.own(sequence);
    const child = new OnnxSequence(this, this.nextSequence++, parent.length);
    this.live.set(child.id, child);
    // Queued behind earlier calls: the child copies the parent as those calls leave it.
    this.tail = this.tail.then(() => {
      child.length = parent.length;
      this.link.notify({ kind: 'fork', from: parent.id, to: child.id });
    });
    return child;
  }

  release(sequence: SequenceHandle): void {
    const own = this.own(sequence);
    this.live.delete(own.id);
    this.notify({ kind: 'release', id: own.id });
  }

  /** Sequences not yet released (tests check that samplers release what they fork). */
  get liveSequences(): number {
    return this.live.size;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.live.clear();
    try {
      await this.enqueue(undefined, (call) => ({ kind: 'dispose', call }), true);
    } catch {
      // A worker that already died has nothing left to free.
    } finally {
      this.link.close();
    }
  }

  private own(sequence: SequenceHandle): OnnxSequence {
    if (!(sequence instanceof OnnxSequence) || sequence.owner !== this || !this.live.has(sequence.id)) {
      throw new InputError('sequence handle was released or belongs to another decoder', { where: 'sequence' });
    }
    return sequence;
  }

  /** Ids cross to the engine as Int32Array, which would silently truncate 1.5 or turn NaN into 0. */
  private checkIds(ids: readonly number[], where: string): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new InputError(`token ${id} at index ${i} is not an id of this model (0..${this.vocabSize - 1})`, { where });
      }
    }
  }

  private notify(notice: EngineNotice): void {
    this.tail = this.tail.then(() => this.link.notify(notice));
  }

  /**
   * Queues a call behind every earlier one. Abort while queued: rejected, never sent. Abort while
   * running: rejected at once if the abort wins the race with the engine's commit (the engine then
   * discards the result); the next queued call still waits for the engine to finish.
   */
  private enqueue(signal: AbortSignal | undefined, request: (call: number) => EngineRequest, duringDispose = false): Promise<EngineResult> {
    if (this.disposed && !duringDispose) return Promise.reject(new FormworkError('DECODER', 'the decoder was disposed'));
    return new Promise<EngineResult>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const call = this.nextCall++;
      // An object, not a local: the abort listener changes it while the call is awaited.
      const progress: { state: 'queued' | 'running' | 'settled' } = { state: 'queued' };
      const onAbort = () => {
        if (progress.state === 'queued' || (progress.state === 'running' && this.link.abort(call))) {
          progress.state = 'settled';
          reject(abortError(signal!));
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.tail = this.tail.then(async () => {
        if (progress.state === 'settled') return;
        progress.state = 'running';
        const started = performance.now();
        try {
          const result = await this.link.call(request(call));
          if (settledMeanwhile(progress)) return;
          progress.state = 'settled';
          if (result === undefined && !duringDispose) return reject(abortError(signal));
          this.account(result, performance.now() - started);
          resolve(result);
        } catch (error) {
          if (progress.state !== 'settled') reject(error);
          progress.state = 'settled';
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
      });
    });
  }

  private account(result: EngineResult, callMs: number): void {
    if (!result || !('runMs' in result)) return;
    this.stats.calls++;
    this.stats.runMs += result.runMs;
    this.stats.engineMs += result.engineMs;
    this.stats.prepareMs += result.prepareMs;
    this.stats.logProbsMs += result.logProbsMs;
    this.stats.callMs += callMs;
    this.stats.copiedRows += result.copiedRows;
    this.stats.cacheBytes = result.cacheBytes;
  }
}

/** Whether an abort settled the call while it was awaited (a call, so TypeScript does not narrow it). */
function settledMeanwhile(progress: { state: string }): boolean {
  return progress.state === 'settled';
}

function checkTemperature(options: DecodeOptions | undefined): number {
  const temperature = options?.temperature ?? 1;
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new InputError(`temperature must be a finite number > 0, got ${temperature}`, { where: 'temperature' });
  return temperature;
}

function abortError(signal: AbortSignal | undefined): AbortError {
  return new AbortError(undefined, { cause: signal?.reason });
}

/** Opens a model directory as a Decoder (see OnnxDecoder.load). */
export function loadOnnxDecoder(dir: string, options?: OnnxDecoderOptions): Promise<OnnxDecoder> {
  return OnnxDecoder.load(dir, options);
}
