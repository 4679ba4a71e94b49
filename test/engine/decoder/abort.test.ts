import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError } from '../../../src/errors.js';
import { OnnxDecoder } from '../../../src/engine/decoder/onnx-decoder.js';
import { logSoftmaxInPlace } from '../../../src/engine/decoder/log-softmax.js';
import { writeScriptedDecoder } from '../../fixtures/scripted-decoder.js';
import type { ScriptedDecoder } from '../../fixtures/scripted-decoder.js';

const root = mkdtempSync(join(tmpdir(), 'formwork-abort-'));
// Both cache layouts: 'present' (KvCache) and 'appended' (KvSlabCache, written in place).
const models: Record<'present' | 'appended', ScriptedDecoder> = {} as never;
let model: ScriptedDecoder;
beforeAll(async () => {
  models.present = await writeScriptedDecoder(join(root, 'present'), { maxLength: 256 });
  models.appended = await writeScriptedDecoder(join(root, 'appended'), { maxLength: 256, cacheOutputs: 'appended' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function expected(tokens: readonly number[]): Float64Array {
  const out = model.expectedLogits(tokens);
  logSoftmaxInPlace(out);
  return out;
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const longPrompt = Array.from({ length: 200 }, (_, i) => (i * 7) % 16);

for (const [worker, cacheOutputs] of [
  [true, 'present'],
  [false, 'present'],
  [true, 'appended'],
  [false, 'appended'],
] as const) {
  describe(`abort (${worker ? 'worker thread' : 'in-thread'} engine, ${cacheOutputs} cache outputs)`, () => {
    let decoder: OnnxDecoder;
    beforeAll(async () => {
      model = models[cacheOutputs];
      decoder = await OnnxDecoder.load(model.dir, { worker, prefillChunk: 1 });
    });
    afterAll(() => decoder.dispose());

    it('an already aborted signal rejects before any work', async () => {
      const controller = new AbortController();
      controller.abort(new Error('user cancelled'));
      await expect(decoder.prefill([1, 2], { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
      const { sequence } = await decoder.prefill([1, 2]);
      await expect(decoder.step([sequence], [3], { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
      expect(sequence.length).toBe(2);
      const [row] = await decoder.step([sequence], [4]);
      expect(maxDifference(row, expected([1, 2, 4]))).toBeLessThan(1e-5);
      decoder.release(sequence);
    });

    it('a call aborted while queued is never run; the calls around it are', async () => {
      const { sequence } = await decoder.prefill([1, 3]);
      const controller = new AbortController();
      const first = decoder.step([sequence], [5]);
      const second = decoder.step([sequence], [6], { signal: controller.signal });
      const third = decoder.step([sequence], [7]);
      controller.abort();
      await expect(second).rejects.toBeInstanceOf(AbortError);
      const [a] = await first;
      expect(maxDifference(a, expected([1, 3, 5]))).toBeLessThan(1e-5);
      const [c] = await third;
      expect(maxDifference(c, expected([1, 3, 5, 7]))).toBeLessThan(1e-5);
      expect(sequence.length).toBe(4);
      decoder.release(sequence);
    });

    it('a call aborted while running rejects at once or completes, and the cache agrees with the outcome', async () => {
      const live = decoder.liveSequences;
      const controller = new AbortController();
      const prefill = decoder.prefill(longPrompt, { signal: controller.signal });
      // Queued before onnxruntime schedules the first chunk, so the abort lands mid-prefill.
      setImmediate(() => controller.abort());
      const outcome = await prefill.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      if ('error' in outcome) {
        expect(outcome.error).toBeInstanceOf(AbortError);
        expect(decoder.liveSequences).toBe(live);
      } else {
        expect(outcome.value.sequence.length).toBe(longPrompt.length);
        decoder.release(outcome.value.sequence);
      }
      // The decoder keeps working after the abort.
      const { logProbs, sequence } = await decoder.prefill([1, 9]);
      expect(maxDifference(logProbs, expected([1, 9]))).toBeLessThan(1e-5);
      decoder.release(sequence);
      if (!worker) expect('error' in outcome).toBe(true); // in-thread the ordering is deterministic
    });
  });
}
