import { existsSync, readFileSync } from 'node:fs';
import { ModelLoadError } from '../../errors.js';

/**
 * What the decoder needs from a model directory's config.json and generation_config.json: the EOS ids
 * (generation_config first, as transformers' generate() does), the longest sequence, the vocabulary
 * size the model claims, and the KV-cache geometry for models whose ONNX metadata leaves it symbolic.
 */
export interface ModelConfig {
  readonly modelType: string | undefined;
  /** config.json's vocab_size (the logits width of most models), if present. */
  readonly vocabSize: number | undefined;
  /** Every EOS id, canonical one first. */
  readonly eosIds: readonly number[];
  readonly bosId: number | undefined;
  /** Longest prompt + generation: max_position_embeddings, else generation max_length, else n_positions. */
  readonly maxLength: number | undefined;
  readonly numKvHeads: number | undefined;
  readonly headDim: number | undefined;
  /** Sliding-window attention width where config.json enables one (Mistral v0.1, Qwen2), else undefined. */
  readonly slidingWindow: number | undefined;
}

export function readJsonObject(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ModelLoadError('is missing', { path });
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ModelLoadError(`is not valid JSON (${(cause as Error).message})`, { path, cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ModelLoadError('is not a JSON object', { path });
  return value as Record<string, unknown>;
}

/** Parses the two configs; `generation` is undefined when generation_config.json is absent. */
export function modelConfigFrom(
  config: Record<string, unknown>,
  configPath: string,
  generation: Record<string, unknown> | undefined,
  generationPath: string,
): ModelConfig {
  const fromGeneration = generation ? idList(generation.eos_token_id, generationPath, 'eos_token_id') : [];
  const fromConfig = idList(config.eos_token_id, configPath, 'eos_token_id');
  const eosIds = fromGeneration.length > 0 ? fromGeneration : fromConfig;
  if (eosIds.length === 0) {
    throw new ModelLoadError('names no eos_token_id (nor does config.json): the decoder cannot tell when a sequence ends', {
      path: generation ? generationPath : configPath,
    });
  }
  const positiveInt = (value: unknown): number | undefined =>
    typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
  const heads = positiveInt(config.num_attention_heads);
  const hidden = positiveInt(config.hidden_size);
  const maxLength = positiveInt(config.max_position_embeddings) ?? positiveInt(generation?.max_length) ?? positiveInt(config.n_positions);
  const window = positiveInt(config.sliding_window);
  return {
    modelType: typeof config.model_type === 'string' ? config.model_type : undefined,
    vocabSize: positiveInt(config.vocab_size),
    eosIds,
    bosId: tokenId(generation?.bos_token_id) ?? tokenId(config.bos_token_id),
    maxLength,
    numKvHeads: positiveInt(config.num_key_value_heads) ?? heads,
    headDim: positiveInt(config.head_dim) ?? (heads && hidden ? hidden / heads : undefined),
    // As the converter reads it (llama-config.ts): a window as long as the context is no window.
    slidingWindow: window !== undefined && config.use_sliding_window !== false && (maxLength === undefined || window < maxLength) ? window : undefined,
  };
}

function tokenId(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function idList(value: unknown, path: string, key: string): number[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const ids: number[] = [];
  for (const id of list) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new ModelLoadError(`"${key}" holds ${JSON.stringify(id)}, not a token id`, { path });
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * Number of token ids a tokenizer.json defines (largest id + 1, over the model vocabulary and the
 * added tokens), read without building a tokenizer.
 */
export function tokenizerSize(path: string): number {
  const json = readJsonObject(path);
  const model = json.model as { vocab?: unknown } | undefined;
  let size = 0;
  const vocab = model?.vocab;
  if (Array.isArray(vocab)) {
    size = vocab.length; // Unigram: [[piece, score], ...], ids are positions.
  } else if (vocab && typeof vocab === 'object') {
    for (const id of Object.values(vocab as Record<string, unknown>)) if (typeof id === 'number' && id + 1 > size) size = id + 1;
  } else {
    throw new ModelLoadError('has no model.vocab: not a Hugging Face tokenizer.json', { path });
  }
  for (const token of (json.added_tokens as { id?: unknown }[] | undefined) ?? []) {
    if (typeof token.id === 'number' && token.id + 1 > size) size = token.id + 1;
  }
  return size;
}
