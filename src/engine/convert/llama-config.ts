import { ModelLoadError } from '../../errors.js';

/**
 * The Llama family (Llama, Mistral, Qwen2, SmolLM, TinyLlama) is one architecture with small
 * switches; this is that architecture as numbers, read from a Hugging Face config.json.
 */
export interface LlamaSpec {
  readonly modelType: string;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  readonly maxPositions: number;
  readonly rmsNormEps: number;
  /** RoPE inverse frequencies (headDim / 2 of them) after any rope_scaling, in float64. */
  readonly invFreq: Float64Array;
  readonly tiedEmbeddings: boolean;
  /** Sliding-window attention width (Mistral v0.1, Qwen2 with use_sliding_window), else undefined. */
  readonly slidingWindow: number | undefined;
  /** Layers from this index on use the sliding window (Qwen2's max_window_layers); 0 = all. */
  readonly firstSlidingLayer: number;
}

const SUPPORTED_TYPES = new Set(['llama', 'mistral', 'qwen2']);

/** Reads the architecture from a parsed config.json; `path` names it in errors. */
export function llamaSpecFromConfig(config: Record<string, unknown>, path: string): LlamaSpec {
  const modelType = String(config.model_type ?? '');
  if (!SUPPORTED_TYPES.has(modelType)) {
    throw new ModelLoadError(
      `model_type "${modelType}" is not in the Llama family formwork converts (llama, mistral, qwen2; SmolLM and TinyLlama are "llama")`,
      { path },
    );
  }
  const int = (key: string, fallback?: number): number => {
    const value = config[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new ModelLoadError(`"${key}" must be a positive integer, got ${JSON.stringify(config[key])}`, { path });
    }
    return value;
  };
  const num = (key: string, fallback: number): number => {
    const value = config[key] ?? fallback;
    if (typeof value !== 'number' || !(value > 0)) throw new ModelLoadError(`"${key}" must be a positive number, got ${JSON.stringify(value)}`, { path });
    return value;
  };

  const hiddenSize = int('hidden_size');
  const numHeads = int('num_attention_heads');
  const numKvHeads = int('num_key_value_heads', numHeads);
  const headDim = int('head_dim', hiddenSize / numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new ModelLoadError(`num_attention_heads (${numHeads}) must be a multiple of num_key_value_heads (${numKvHeads})`, { path });
  }
  if (headDim % 2 !== 0) throw new ModelLoadError(`head_dim must be even for RoPE, got ${headDim}`, { path });
  const activation = config.hidden_act ?? 'silu';
  if (activation !== 'silu') throw new ModelLoadError(`hidden_act "${String(activation)}" is not supported (Llama-family MLPs use silu)`, { path });
  if (config.partial_rotary_factor !== undefined && config.partial_rotary_factor !== 1) {
    throw new ModelLoadError('partial_rotary_factor is not supported', { path });
  }

  const maxPositions = int('max_position_embeddings', 2048);
  const invFreq = ropeInverseFrequencies(headDim, num('rope_theta', 10000), config.rope_scaling, path);

  const window = config.sliding_window;
  const slidingEnabled = typeof window === 'number' && window > 0 && config.use_sliding_window !== false && window < maxPositions;
  const firstSlidingLayer = modelType === 'qwen2' && typeof config.max_window_layers === 'number' ? config.max_window_layers : 0;

  return {
    modelType,
    hiddenSize,
    intermediateSize: int('intermediate_size'),
    numLayers: int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    vocabSize: int('vocab_size'),
    maxPositions,
    rmsNormEps: num('rms_norm_eps', 1e-6),
    invFreq,
    // LlamaConfig, MistralConfig and Qwen2Config all default to untied embeddings.
    tiedEmbeddings: config.tie_word_embeddings === true,
    slidingWindow: slidingEnabled ? (window as number) : undefined,
    firstSlidingLayer,
  };
}

/**
 * RoPE inverse frequencies base^(-2i/d), with the rope_scaling variants of the Llama family:
 * "linear" (positions divided by factor) and "llama3" (Llama 3.1+: low frequencies slowed by
 * factor, high ones kept, a smooth blend between; as transformers' _compute_llama3_parameters).
 */
export function ropeInverseFrequencies(headDim: number, theta: number, scaling: unknown, path: string): Float64Array {
  const half = headDim / 2;
  const invFreq = new Float64Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / theta ** ((2 * i) / headDim);
  if (scaling === null || scaling === undefined) return invFreq;
  if (typeof scaling !== 'object') throw new ModelLoadError(`rope_scaling must be an object or null`, { path });
  const s = scaling as Record<string, unknown>;
  const type = String(s.rope_type ?? s.type ?? 'default');
  const factor = typeof s.factor === 'number' ? s.factor : 1;
  switch (type) {
    case 'default':
      return invFreq;
    case 'linear':
      for (let i = 0; i < half; i++) invFreq[i] /= factor;
      return invFreq;
    case 'llama3': {
      const low = Number(s.low_freq_factor ?? 1);
      const high = Number(s.high_freq_factor ?? 4);
      const original = Number(s.original_max_position_embeddings ?? 8192);
      const lowWavelength = original / low;
      const highWavelength = original / high;
      for (let i = 0; i < half; i++) {
        const wavelength = (2 * Math.PI) / invFreq[i];
        if (wavelength < highWavelength) continue;
        if (wavelength > lowWavelength) {
          invFreq[i] /= factor;
        } else {
          const smooth = (original / wavelength - low) / (high - low);
          invFreq[i] = (1 - smooth) * (invFreq[i] / factor) + smooth * invFreq[i];
        }
      }
      return invFreq;
    }
    default:
      throw new ModelLoadError(`rope_scaling type "${type}" is not supported (default, linear and llama3 are)`, { path });
  }
}
