import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AbortError, FormworkError, InputError, LimitError, ModelLoadError } from '../../errors.js';
import { DecoderEngine } from './decoder-engine.js';
import type { CallGate, EngineInfo, EngineOptions, ForwardResult } from './decoder-engine.js';

/**
 * How the main thread's OnnxDecoder reaches its DecoderEngine: through a worker thread (the default;
 * session.run blocks its thread's event loop) or directly in the calling thread. Calls are serialised
 * by the caller; each call has a number and a shared status slot that makes "the call took effect"
 * and "the call was aborted" mutually exclusive (see CallGate).
 */

export type EngineRequest =
  | { readonly kind: 'open'; readonly call: number; readonly options: EngineOptions }
  | { readonly kind: 'prefill'; readonly call: number; readonly id: number; readonly tokens: Int32Array; readonly temperature: number }
  | { readonly kind: 'step'; readonly call: number; readonly ids: Int32Array; readonly tokens: Int32Array; readonly temperature: number }
  | { readonly kind: 'logits'; readonly call: number; readonly tokens: Int32Array }
  | { readonly kind: 'dispose'; readonly call: number };

export type EngineNotice = { readonly kind: 'fork'; readonly from: number; readonly to: number } | { readonly kind: 'release'; readonly id: number };

export type EngineResult = { info: EngineInfo } | ForwardResult | { logits: Float32Array } | undefined;

type WorkerReply =
  | { readonly kind: 'done'; readonly call: number; readonly result: EngineResult }
  | { readonly kind: 'failed'; readonly call: number; readonly error: SerializedError };

export interface EngineLink {
  /** Runs a call; resolves undefined when the call was aborted (and so took no effect). */
  call(request: EngineRequest): Promise<EngineResult>;
  /** Tries to abort a running call; true when the abort won (the call will not take effect). */
  abort(call: number): boolean;
  notify(notice: EngineNotice): void;
  close(): void;
}

/** status[0] = the running call's number; -number once aborted; 0 once committed. */
function gateFor(status: Int32Array, call: number): CallGate {
  return {
    aborted: () => Atomics.load(status, 0) === -call,
    commit: () => Atomics.compareExchange(status, 0, call, 0) === call,
  };
}

function abortSlot(status: Int32Array, call: number): boolean {
  return Atomics.compareExchange(status, 0, call, -call) === call;
}

/** Runs a request against an engine (both links use it; the worker owns its engine). */
export async function serve(engine: DecoderEngine | undefined, request: EngineRequest, status: Int32Array): Promise<{ engine?: DecoderEngine; result: EngineResult }> {
  const gate = gateFor(status, request.call);
  switch (request.kind) {
    case 'open': {
      const opened = await DecoderEngine.open(request.options);
      gate.commit();
      return { engine: opened, result: { info: opened.info } };
    }
    case 'dispose':
      await engine?.dispose();
      gate.commit();
      return { result: undefined };
  }
  if (!engine) throw new FormworkError('DECODER', 'the decoder engine is not open');
  switch (request.kind) {
    case 'prefill':
      return { result: await engine.prefill(request.id, request.tokens, request.temperature, gate) };
    case 'step':
      return { result: await engine.step(request.ids, request.tokens, request.temperature, gate) };
    case 'logits': {
      const logits = await engine.logits(request.tokens, gate);
      return { result: logits && { logits } };
    }
  }
}

export function applyNotice(engine: DecoderEngine | undefined, notice: EngineNotice): void {
  if (!engine) return;
  if (notice.kind === 'fork') engine.fork(notice.from, notice.to);
  else engine.release(notice.id);
}

/** The engine in the calling thread: simplest, but session.run stalls the event loop while it runs. */
export class LocalLink implements EngineLink {
  private engine: DecoderEngine | undefined;
  private readonly status = new Int32Array(1);

  async call(request: EngineRequest): Promise<EngineResult> {
    Atomics.store(this.status, 0, request.call);
    const { engine, result } = await serve(this.engine, request, this.status);
    if (engine) this.engine = engine;
    return result;
  }

  abort(call: number): boolean {
    return abortSlot(this.status, call);
  }

  notify(notice: EngineNotice): void {
    applyNotice(this.engine, notice);
  }

  close(): void {
    this.engine = undefined;
  }
}

/** The engine in a worker thread; log-probabilities come back as transferred buffers (no copy). */
export class WorkerLink implements EngineLink {
  private readonly worker: Worker;
  private readonly status = new Int32Array(new SharedArrayBuffer(4));
  private readonly pending = new Map<number, { resolve: (result: EngineResult) => void; reject: (error: unknown) => void }>();
  private failure: Error | undefined;

  constructor() {
    this.worker = spawnDecoderWorker(this.status.buffer as SharedArrayBuffer);
    // An idle decoder must not keep the process alive; a running call does.
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.call);
      if (!waiter) return;
      this.pending.delete(reply.call);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.kind === 'done') waiter.resolve(reply.result);
      else waiter.reject(reviveError(reply.error));
    });
    const fail = (error: Error) => {
      this.failure = new FormworkError('DECODER_WORKER', `the decoder worker thread stopped: ${error.message}`, { cause: error });
      for (const waiter of this.pending.values()) waiter.reject(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (this.pending.size > 0) fail(new Error(`exit code ${code}`));
    });
  }

  call(request: EngineRequest): Promise<EngineResult> {
    if (this.failure) return Promise.reject(this.failure);
    Atomics.store(this.status, 0, request.call);
    return new Promise((resolve, reject) => {
      this.pending.set(request.call, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ request });
    });
  }

  abort(call: number): boolean {
    return abortSlot(this.status, call);
  }

  notify(notice: EngineNotice): void {
    if (!this.failure) this.worker.postMessage({ notice });
  }

  close(): void {
    void this.worker.terminate();
  }
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly path?: string;
  readonly where?: string;
  readonly limit?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const e = error as Error & { path?: string; where?: string; limit?: string };
  return { name: e.name, message: e.message, path: e.path, where: e.where, limit: e.limit };
}

/** The typed error thrown in the worker, rebuilt with the same class, fields and message. */
function reviveError(s: SerializedError): Error {
  let error: Error;
  switch (s.name) {
    case 'ModelLoadError':
      error = new ModelLoadError('', { path: s.path ?? '' });
      break;
    case 'InputError':
      error = new InputError('', { where: s.where });
      break;
    case 'LimitError':
      error = new LimitError('', { limit: s.limit ?? '' });
      break;
    case 'AbortError':
      error = new AbortError();
      break;
    case 'RangeError':
      error = new RangeError();
      break;
    default:
      error = new FormworkError('DECODER', '');
  }
  error.message = s.message;
  return error;
}

/**
 * Starts decoder-worker: the compiled .js next to this file, or, when running from TypeScript sources
 * (tests, tsx), the .ts file through tsx's loader. Node 20 does not apply `--import tsx` in execArgv to a
 * worker's entry module, so a tiny bootstrap registers tsx's ESM hooks before importing it.
 */
function spawnDecoderWorker(status: SharedArrayBuffer): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './decoder-worker.ts' : './decoder-worker.js', import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData: { status } });
  const require = createRequire(import.meta.url);
  const tsxDir = dirname(require.resolve('tsx/package.json'));
  const exportsMap = JSON.parse(readFileSync(join(tsxDir, 'package.json'), 'utf8')).exports;
  const api = pathToFileURL(join(tsxDir, exportsMap['./esm/api'].import.default)).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: { status } });
}
