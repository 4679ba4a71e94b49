import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../../src/errors.js';
import { llamaSpecFromConfig, ropeInverseFrequencies } from '../../../src/engine/convert/llama-config.js';

const base = {
  model_type: 'llama',
  hidden_size: 64,
  intermediate_size: 172,
  num_hidden_layers: 5,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  vocab_size: 512,
  max_position_embeddings: 512,
  rms_norm_eps: 1e-5,
};

describe('llamaSpecFromConfig', () => {
  it('reads the architecture with transformers defaults', () => {
    const spec = llamaSpecFromConfig(base, 'config.json');
    expect(spec).toMatchObject({ hiddenSize: 64, numHeads: 8, numKvHeads: 4, headDim: 8, tiedEmbeddings: false, slidingWindow: undefined });
    expect(Array.from(spec.invFreq)).toEqual([1, 10000 ** -0.25, 10000 ** -0.5, 10000 ** -0.75]);
    const mha = llamaSpecFromConfig({ ...base, num_key_value_heads: undefined, tie_word_embeddings: true }, 'config.json');
    expect(mha.numKvHeads).toBe(8);
    expect(mha.tiedEmbeddings).toBe(true);
  });

  it('turns on the sliding window only where the model uses it', () => {
    expect(llamaSpecFromConfig({ ...base, model_type: 'mistral', sliding_window: 128 }, 'c').slidingWindow).toBe(128);
    expect(llamaSpecFromConfig({ ...base, model_type: 'mistral', sliding_window: null }, 'c').slidingWindow).toBeUndefined();
    expect(llamaSpecFromConfig({ ...base, model_type: 'mistral', sliding_window: 4096 }, 'c').slidingWindow).toBeUndefined(); // wider than the context
    expect(llamaSpecFromConfig({ ...base, model_type: 'qwen2', sliding_window: 128, use_sliding_window: false }, 'c').slidingWindow).toBeUndefined();
    const qwen = llamaSpecFromConfig({ ...base, model_type: 'qwen2', sliding_window: 128, use_sliding_window: true, max_window_layers: 3 }, 'c');
    expect([qwen.slidingWindow, qwen.firstSlidingLayer]).toEqual([128, 3]);
  });

  it('refuses what it cannot convert, naming the key', () => {
    const fail = (config: Record<string, unknown>, pattern: RegExp) => {
      let error: unknown;
      try {
        llamaSpecFromConfig(config, '/m/config.json');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as ModelLoadError).path).toBe('/m/config.json');
      expect((error as Error).message).toMatch(pattern);
    };
    fail({ ...base, model_type: 'gpt2' }, /model_type "gpt2"/);
    fail({ ...base, num_key_value_heads: 3 }, /multiple of num_key_value_heads/);
    fail({ ...base, hidden_act: 'gelu' }, /hidden_act "gelu"/);
    fail({ ...base, hidden_size: 0 }, /"hidden_size" must be a positive integer/);
    fail({ ...base, rope_scaling: { rope_type: 'yarn', factor: 4 } }, /rope_scaling type "yarn"/);
  });
});

describe('ropeInverseFrequencies', () => {
  it('linear scaling divides every frequency', () => {
    const plain = ropeInverseFrequencies(8, 10000, null, 'c');
    const linear = ropeInverseFrequencies(8, 10000, { type: 'linear', factor: 4 }, 'c');
    plain.forEach((f, i) => expect(linear[i]).toBeCloseTo(f / 4, 15));
  });

  it('llama3 scaling keeps high frequencies, divides low ones, blends the band between', () => {
    const scaling = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    const plain = ropeInverseFrequencies(128, 500000, null, 'c');
    const scaled = ropeInverseFrequencies(128, 500000, scaling, 'c');
    for (let i = 0; i < 64; i++) {
      const wavelength = (2 * Math.PI) / plain[i];
      if (wavelength < 8192 / 4) expect(scaled[i]).toBe(plain[i]);
      else if (wavelength > 8192) expect(scaled[i]).toBeCloseTo(plain[i] / 8, 15);
      else {
        const smooth = (8192 / wavelength - 1) / 3;
        expect(scaled[i]).toBeCloseTo((1 - smooth) * (plain[i] / 8) + smooth * plain[i], 15);
        expect(scaled[i]).toBeLessThan(plain[i]);
        expect(scaled[i]).toBeGreaterThan(plain[i] / 8);
      }
    }
  });
});
