import { parentPort, workerData } from 'node:worker_threads';
import type { DecoderEngine } from './decoder-engine.js';
import { applyNotice, serializeError, serve } from './engine-link.js';
import type { EngineNotice, EngineRequest, EngineResult } from './engine-link.js';

/**
 * The decoder's worker thread: owns the onnxruntime session and the KV cache, and runs requests one
 * at a time in arrival order (fork/release notices included), so session.run never blocks the main
 * thread.
 */
const port = parentPort!;
const status = new Int32Array((workerData as { status: SharedArrayBuffer }).status);
let engine: DecoderEngine | undefined;
let queue: Promise<void> = Promise.resolve();

port.on('message', (message: { request?: EngineRequest; notice?: EngineNotice }) => {
  queue = queue.then(() => handle(message));
});

async function handle({ request, notice }: { request?: EngineRequest; notice?: EngineNotice }): Promise<void> {
  if (notice) {
    try {
      applyNotice(engine, notice);
    } catch {
      // The main thread validates handles before notifying; a stale notice has nothing to change.
    }
    return;
  }
  if (!request) return;
  try {
    const served = await serve(engine, request, status);
    if (served.engine) engine = served.engine;
    port.postMessage({ kind: 'done', call: request.call, result: served.result }, transferables(served.result));
  } catch (error) {
    port.postMessage({ kind: 'failed', call: request.call, error: serializeError(error) });
  }
}

function transferables(result: EngineResult): ArrayBuffer[] {
  if (result && 'logProbs' in result) return [result.logProbs.buffer as ArrayBuffer];
  if (result && 'logits' in result) return [result.logits.buffer as ArrayBuffer];
  return [];
}
