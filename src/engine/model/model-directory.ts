import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ModelLoadError } from '../../errors.js';
import { modelConfigFrom, readJsonObject, tokenizerSize } from './model-config.js';
import type { ModelConfig } from './model-config.js';

/**
 * A model directory as formwork uses it: config.json, generation_config.json (EOS ids), tokenizer.json
 * (+ tokenizer_config.json) and an ONNX decoder in the Hugging Face export layout. Resolving it checks
 * that every file is there and that the configs parse; the ONNX session's inputs and logits width are
 * checked when the decoder loads it.
 */
export interface ModelDirectory {
  readonly dir: string;
  readonly modelPath: string;
  readonly configPath: string;
  /** undefined when the directory has no generation_config.json (EOS ids then come from config.json). */
  readonly generationConfigPath: string | undefined;
  readonly tokenizerPath: string;
  readonly tokenizerConfigPath: string | undefined;
  /** Token ids the tokenizer defines (largest id + 1); the logits may be wider (padding), never narrower. */
  readonly tokenizerSize: number;
  readonly config: ModelConfig;
}

export interface ModelDirectoryOptions {
  /** The .onnx file to use, relative to the directory or absolute; otherwise picked as below. */
  readonly modelFile?: string;
  /** Prefer fp16 files (model_fp16.onnx, ...) when a directory holds several precisions. */
  readonly dtype?: 'fp32' | 'fp16';
}

/**
 * Where exports put the decoder, best first: our converter and plain exports write model.onnx;
 * optimum/transformers.js use onnx/model.onnx or, for merged decoders (one graph with and without
 * cache, selected by use_cache_branch), onnx/decoder_model_merged.onnx.
 */
const MODEL_CANDIDATES = ['model.onnx', 'onnx/model.onnx', 'decoder_model_merged.onnx', 'onnx/decoder_model_merged.onnx', 'onnx/decoder_model.onnx'];

/** Weight-quantized exports (transformers.js) keep float inputs and outputs, so they run too: last resort. */
function candidatesFor(dtype: 'fp32' | 'fp16'): string[] {
  const variant = (suffix: string) => MODEL_CANDIDATES.map((name) => name.replace(/\.onnx$/, `_${suffix}.onnx`));
  const fp16 = variant('fp16');
  const quantized = [...variant('quantized'), ...variant('q8'), ...variant('q4')];
  return dtype === 'fp16' ? [...fp16, ...MODEL_CANDIDATES, ...quantized] : [...MODEL_CANDIDATES, ...fp16, ...quantized];
}

export function resolveModelDirectory(directory: string, options: ModelDirectoryOptions = {}): ModelDirectory {
  const dir = resolve(directory);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelLoadError('is not a directory', { path: dir });

  let modelPath: string;
  if (options.modelFile) {
    modelPath = isAbsolute(options.modelFile) ? options.modelFile : join(dir, options.modelFile);
    if (!existsSync(modelPath)) throw new ModelLoadError('is missing (given as modelFile)', { path: modelPath });
  } else {
    const tried = candidatesFor(options.dtype ?? 'fp32');
    const found = tried.find((name) => existsSync(join(dir, name)));
    if (!found) throw new ModelLoadError(`has no ONNX decoder (looked for ${tried.join(', ')})`, { path: dir });
    modelPath = join(dir, found);
  }

  const configPath = join(dir, 'config.json');
  const config = readJsonObject(configPath);
  const generationPath = join(dir, 'generation_config.json');
  const generation = existsSync(generationPath) ? readJsonObject(generationPath) : undefined;
  const tokenizerPath = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerPath)) throw new ModelLoadError('is missing', { path: tokenizerPath });
  const tokenizerConfigPath = join(dir, 'tokenizer_config.json');
  if (existsSync(tokenizerConfigPath)) readJsonObject(tokenizerConfigPath);

  const modelConfig = modelConfigFrom(config, configPath, generation, generationPath);
  const size = tokenizerSize(tokenizerPath);
  if (modelConfig.vocabSize !== undefined && size > modelConfig.vocabSize) {
    throw new ModelLoadError(`defines ${size} token ids but config.json says vocab_size ${modelConfig.vocabSize}: tokenizer and model do not belong together`, {
      path: tokenizerPath,
    });
  }
  return {
    dir,
    modelPath,
    configPath,
    generationConfigPath: generation ? generationPath : undefined,
    tokenizerPath,
    tokenizerConfigPath: existsSync(tokenizerConfigPath) ? tokenizerConfigPath : undefined,
    tokenizerSize: size,
    config: modelConfig,
  };
}
