import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortError, ModelLoadError } from '../../../src/errors.js';
import { convertCheckpoint } from '../../../src/engine/convert/convert-checkpoint.js';
import type { ConvertProgress } from '../../../src/engine/convert/convert-checkpoint.js';
import { logSoftmaxInPlace } from '../../../src/engine/decoder/log-softmax.js';
import type { SequenceHandle } from '../../../src/engine/decoder/decoder.js';
import { OnnxDecoder } from '../../../src/engine/decoder/onnx-decoder.js';
import { referenceLlamaLogits, writeTinyLlama } from '../../fixtures/llama-checkpoint.js';
import type { TinyLlamaConfig } from '../../fixtures/llama-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'formwork-convert-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tokens = [1, 5, 9, 33, 17, 4, 60, 3, 3, 41];

function worstDifference(actual: Float32Array, expected: Float64Array[], width: number): number {
  let worst = 0;
  expected.forEach((row, t) => {
    for (let v = 0; v < width; v++) worst = Math.max(worst, Math.abs(actual[t * width + v] - row[v]));
  });
  return worst;
}

describe('convertCheckpoint: Llama-family graphs against a float64 reference forward pass', () => {
  const variants: [string, TinyLlamaConfig][] = [
    ['Llama, GQA 4/2, untied', {}],
    ['Qwen2: QKV bias, GQA 4/1', { modelType: 'qwen2', qkvBias: true, kvHeads: 1, seed: 2 }],
    ['SmolLM-like: MHA, tied embeddings', { heads: 4, kvHeads: 4, tied: true, seed: 3, scale: 0.4 }],
    [
      'Llama 3: llama3 rope scaling, theta 5e5, bf16 weights, 3 shards',
      {
        storage: 'BF16',
        shards: 3,
        ropeTheta: 500000,
        ropeScaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 },
        seed: 4,
      },
    ],
    ['Mistral: sliding window 3', { modelType: 'mistral', slidingWindow: 3, seed: 5 }],
    ['linear rope scaling, fp16 weights, head_dim 16 != hidden/heads', { ropeScaling: { rope_type: 'linear', factor: 2 }, storage: 'F16', headDim: 16, seed: 6 }],
  ];
  for (const [name, config] of variants) {
    it(name, async () => {
      const dir = join(root, name.replace(/\W+/g, '-'));
      const model = writeTinyLlama(dir, config);
      const result = await convertCheckpoint(dir, `${dir}-onnx`);
      expect(result.parameters).toBe(model.parameters);
      const decoder = await OnnxDecoder.load(`${dir}-onnx`, { worker: false });
      try {
        const logits = await decoder.logits(tokens);
        expect(worstDifference(logits, referenceLlamaLogits(model, tokens), 64)).toBeLessThanOrEqual(1e-4);
      } finally {
        await decoder.dispose();
      }
    });
  }
});

describe('a converted random model through the decoder', () => {
  const dir = join(root, 'kv');
  const model = writeTinyLlama(dir, { qkvBias: true, seed: 11, scale: 0.3 });
  const slidingDir = join(root, 'kv-sliding');
  const slidingModel = writeTinyLlama(slidingDir, { modelType: 'mistral', slidingWindow: 4, seed: 12, scale: 0.3 });

  // 'appended' (default): the engine's in-place cache; 'present': the Hugging Face layout (KvCache).
  // The sliding window checks that distances follow positions in both cache layouts.
  it.each([
    ['appended', 'full attention'],
    ['present', 'full attention'],
    ['appended', 'sliding window 4'],
    ['present', 'sliding window 4'],
  ] as const)('incremental decoding equals full recompute; batched ragged rows equal rows alone (%s cache outputs, %s)', async (cacheOutputs, attention) => {
    const sliding = attention !== 'full attention';
    const source = sliding ? slidingDir : dir;
    const checkpoint = sliding ? slidingModel : model;
    await convertCheckpoint(source, `${source}-${cacheOutputs}`, { cacheOutputs });
    const decoder = await OnnxDecoder.load(`${source}-${cacheOutputs}`);
    try {
      const sequences = [
        [1, 7, 7, 30, 2, 9, 45, 12, 50, 8, 19, 22],
        [1, 60, 61, 62, 63, 5, 5, 5, 5],
        [1, 3, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21],
      ];
      const prompts = [3, 1, 6];
      // The model is causal: one reference pass per sequence gives the logits after every prefix.
      const references = sequences.map((sequence) => referenceLlamaLogits(checkpoint, sequence));
      const exact = (sequence: number[], position: number): Float64Array => {
        const row = Float64Array.from(references[sequences.indexOf(sequence)][position]);
        logSoftmaxInPlace(row);
        return row;
      };
      const handles: SequenceHandle[] = [];
      for (let i = 0; i < 3; i++) {
        const { sequence, logProbs } = await decoder.prefill(sequences[i].slice(0, prompts[i]));
        const expected = exact(sequences[i], prompts[i] - 1);
        for (let v = 0; v < 64; v++) expect(Math.abs(logProbs[v] - expected[v])).toBeLessThanOrEqual(1e-4);
        handles.push(sequence);
      }
      // Lockstep steps over ragged rows; a row leaves the batch when its sequence ends.
      for (let step = 0; ; step++) {
        const active = [0, 1, 2].filter((i) => prompts[i] + step < sequences[i].length);
        if (active.length === 0) break;
        const rows = await decoder.step(
          active.map((i) => handles[i]),
          active.map((i) => sequences[i][prompts[i] + step]),
        );
        rows.forEach((row, k) => {
          const i = active[k];
          const expected = exact(sequences[i], prompts[i] + step);
          for (let v = 0; v < 64; v++) expect(Math.abs(row[v] - expected[v])).toBeLessThanOrEqual(1e-4);
        });
      }
      handles.forEach((h) => decoder.release(h));
    } finally {
      await decoder.dispose();
    }
  });

  it('converts to fp16 within float16 rounding', async () => {
    await convertCheckpoint(dir, `${dir}-fp16`, { dtype: 'fp16' });
    const decoder = await OnnxDecoder.load(`${dir}-fp16`, { worker: false });
    try {
      expect(decoder.info.cacheDtype).toBe('float16');
      const logits = await decoder.logits(tokens);
      expect(worstDifference(logits, referenceLlamaLogits(model, tokens), 64)).toBeLessThan(0.02);
    } finally {
      await decoder.dispose();
    }
  });

  it('reports progress by bytes written, ending at the total', async () => {
    const events: ConvertProgress[] = [];
    const result = await convertCheckpoint(dir, `${dir}-progress`, { onProgress: (p) => events.push(p) });
    const weights = events.filter((e) => e.phase === 'weights');
    expect(weights.length).toBeGreaterThan(10);
    for (let i = 1; i < weights.length; i++) expect(weights[i].done).toBeGreaterThan(weights[i - 1].done);
    const last = events[events.length - 1];
    expect(last.phase).toBe('done');
    expect(last.done).toBe(last.total);
    expect(weights[weights.length - 1].done).toBe(last.total);
    expect(last.total).toBe(result.parameters * 4);
    expect(result.files.map((f) => f.split('/').pop())).toEqual(
      expect.arrayContaining(['model.onnx', 'config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']),
    );
  });

  it('writes ONNX external data when asked, and the model still loads', async () => {
    const result = await convertCheckpoint(dir, `${dir}-external`, { forceExternalData: true });
    expect(result.files.map((f) => f.split('/').pop())).toEqual(expect.arrayContaining(['model.onnx', 'model.onnx_data']));
    expect(readFileSync(join(`${dir}-external`, 'model.onnx')).byteLength).toBeLessThan(64 * 1024);
    const decoder = await OnnxDecoder.load(`${dir}-external`, { worker: false });
    try {
      const logits = await decoder.logits(tokens);
      expect(worstDifference(logits, referenceLlamaLogits(model, tokens), 64)).toBeLessThanOrEqual(1e-4);
    } finally {
      await decoder.dispose();
    }
  });

  it('stops on abort and leaves no half-written model', async () => {
    const controller = new AbortController();
    const promise = convertCheckpoint(dir, `${dir}-aborted`, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'weights') controller.abort();
      },
    });
    await expect(promise).rejects.toBeInstanceOf(AbortError);
    expect(existsSync(join(`${dir}-aborted`, 'model.onnx'))).toBe(false);
  });
});

describe('convertCheckpoint errors name the file at fault', () => {
  const expectLoadError = async (promise: Promise<unknown>, path: string, message: RegExp) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).path).toBe(path);
    expect((error as ModelLoadError).message).toMatch(message);
  };

  it('missing config.json', async () => {
    const dir = join(root, 'no-config');
    writeTinyLlama(dir);
    unlinkSync(join(dir, 'config.json'));
    await expectLoadError(convertCheckpoint(dir, join(root, 'out')), join(dir, 'config.json'), /missing/);
  });

  it('a model type outside the Llama family', async () => {
    const dir = join(root, 'gpt2');
    writeTinyLlama(dir);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'gpt2' }));
    await expectLoadError(convertCheckpoint(dir, join(root, 'out')), join(dir, 'config.json'), /gpt2/);
  });

  it('no safetensors weights', async () => {
    const dir = join(root, 'no-weights');
    writeTinyLlama(dir);
    unlinkSync(join(dir, 'model.safetensors'));
    await expectLoadError(convertCheckpoint(dir, join(root, 'out')), dir, /model\.safetensors/);
  });

  it('a tensor whose shape disagrees with config.json', async () => {
    const dir = join(root, 'shape');
    writeTinyLlama(dir);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, intermediate_size: 40 }));
    await expectLoadError(convertCheckpoint(dir, join(root, 'out')), join(dir, 'model.safetensors'), /gate_proj\.weight.*\[48, 32\].*\[40, 32\]/);
  });

  it('untied embeddings without lm_head.weight', async () => {
    const dir = join(root, 'no-head');
    writeTinyLlama(dir, { tied: true });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, tie_word_embeddings: false }));
    await expectLoadError(convertCheckpoint(dir, join(root, 'out')), join(dir, 'model.safetensors'), /lm_head\.weight/);
  });

  it('missing tokenizer.json', async () => {
    const dir = join(root, 'no-tokenizer');
    writeTinyLlama(dir);
    unlinkSync(join(dir, 'tokenizer.json'));
    await expectLoadError(convertCheckpoint(dir, join(root, 'out')), join(dir, 'tokenizer.json'), /missing/);
  });

  it('a missing shard of a sharded checkpoint', async () => {
    const dir = join(root, 'shard');
    writeTinyLlama(dir, { shards: 2 });
    const shard = join(dir, 'model-00002-of-00002.safetensors');
    unlinkSync(shard);
    await expectLoadError(convertCheckpoint(dir, join(root, 'out')), shard, /missing/);
  });
});
