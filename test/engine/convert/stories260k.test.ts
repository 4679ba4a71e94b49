import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertCheckpoint } from '../../../src/engine/convert/convert-checkpoint.js';
import { greedyDecode } from '../../../src/engine/decoder/greedy-decode.js';
import { logSoftmaxInPlace } from '../../../src/engine/decoder/log-softmax.js';
import { OnnxDecoder } from '../../../src/engine/decoder/onnx-decoder.js';
import { sharedData, skipUnlessSharedData } from '../../support/shared-data.js';

/**
 * The reference model of issue 3: stories260K (a real Llama trained on TinyStories) converted from
 * safetensors must reproduce an independent float64 forward pass: the same 64 greedy tokens, and the
 * logits after the prompt within 1e-4.
 */
describe.skipIf(skipUnlessSharedData('models/stories260K'))('stories260K converted from safetensors', () => {
  const source = sharedData('models/stories260K');
  const reference = JSON.parse(readFileSync(join(source, 'reference_greedy.json'), 'utf8')) as {
    prompt_ids: number[];
    greedy_ids: number[];
    last_position_logits_full: number[];
  };
  const out = mkdtempSync(join(tmpdir(), 'formwork-stories-'));
  let decoder: OnnxDecoder;

  beforeAll(async () => {
    await convertCheckpoint(source, join(out, 'fp32'));
    decoder = await OnnxDecoder.load(join(out, 'fp32'));
  });
  afterAll(async () => {
    await decoder?.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it('greedy-decodes exactly the reference 64 tokens after "Once upon a time"', async () => {
    const result = await greedyDecode(decoder, reference.prompt_ids, 64);
    expect(result.tokens).toEqual(reference.greedy_ids.slice(reference.prompt_ids.length));
    expect(result.stoppedAtEos).toBe(false);
    expect(decoder.liveSequences).toBe(0);
  });

  it('matches last_position_logits_full within 1e-4 (raw logits and log-probabilities)', async () => {
    const { prompt_ids: prompt, last_position_logits_full: expected } = reference;
    const logits = await decoder.logits(prompt);
    const last = logits.subarray((prompt.length - 1) * 512);
    for (let v = 0; v < 512; v++) expect(Math.abs(last[v] - expected[v])).toBeLessThanOrEqual(1e-4);

    const expectedLogProbs = Float64Array.from(expected);
    logSoftmaxInPlace(expectedLogProbs);
    const { sequence, logProbs } = await decoder.prefill(prompt);
    decoder.release(sequence);
    for (let v = 0; v < 512; v++) expect(Math.abs(logProbs[v] - expectedLogProbs[v])).toBeLessThanOrEqual(1e-4);
  });

  it('incremental decoding with the KV cache equals a full recompute at every position', async () => {
    const tokens = reference.greedy_ids;
    const full = await decoder.logits(tokens);
    const promptLength = reference.prompt_ids.length;
    const { sequence, logProbs } = await decoder.prefill(tokens.slice(0, promptLength));
    const compare = (row: Float64Array, position: number) => {
      const expected = Float64Array.from(full.subarray(position * 512, (position + 1) * 512));
      logSoftmaxInPlace(expected);
      let worst = 0;
      for (let v = 0; v < 512; v++) worst = Math.max(worst, Math.abs(row[v] - expected[v]));
      expect(worst).toBeLessThanOrEqual(1e-4);
    };
    compare(logProbs, promptLength - 1);
    for (let t = promptLength; t < tokens.length; t++) {
      const [row] = await decoder.step([sequence], [tokens[t]]);
      compare(row, t);
    }
    decoder.release(sequence);
  });

  it('a batch of particles forked from one prompt matches each particle run alone', async () => {
    const prompt = reference.prompt_ids;
    const continuations = [
      [432, 383, 286],
      [383, 261, 376],
      [298, 298, 315],
      [13, 426, 338],
    ];
    const alone: Float64Array[][] = [];
    for (const continuation of continuations) {
      const { sequence } = await decoder.prefill(prompt);
      const rows: Float64Array[] = [];
      for (const token of continuation) rows.push(Float64Array.from((await decoder.step([sequence], [token]))[0]));
      decoder.release(sequence);
      alone.push(rows);
    }
    const { sequence: first } = await decoder.prefill(prompt);
    const particles = [first, ...continuations.slice(1).map(() => decoder.fork(first))];
    for (let t = 0; t < 3; t++) {
      const rows = await decoder.step(
        particles,
        continuations.map((c) => c[t]),
      );
      rows.forEach((row, i) => {
        let worst = 0;
        for (let v = 0; v < 512; v++) worst = Math.max(worst, Math.abs(row[v] - alone[i][t][v]));
        expect(worst).toBeLessThanOrEqual(1e-4);
      });
    }
    particles.forEach((p) => decoder.release(p));
  });

  it('converts to fp16 and stays within float16 rounding of the reference', async () => {
    await convertCheckpoint(source, join(out, 'fp16'), { dtype: 'fp16' });
    const fp16 = await OnnxDecoder.load(join(out, 'fp16'), { worker: false });
    try {
      expect(fp16.info.cacheDtype).toBe('float16');
      const logits = await fp16.logits(reference.prompt_ids);
      const last = logits.subarray((reference.prompt_ids.length - 1) * 512);
      let worst = 0;
      for (let v = 0; v < 512; v++) worst = Math.max(worst, Math.abs(last[v] - reference.last_position_logits_full[v]));
      expect(worst).toBeLessThan(0.05);
      const result = await greedyDecode(fp16, reference.prompt_ids, 16);
      expect(result.tokens).toEqual(reference.greedy_ids.slice(reference.prompt_ids.length, reference.prompt_ids.length + 16));
    } finally {
      await fp16.dispose();
    }
  });
});
