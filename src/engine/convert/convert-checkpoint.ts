import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelLoadError, throwIfAborted } from '../../errors.js';
import { DEFAULT_OPSET } from '../onnx/graph-builder.js';
import { writeModel } from '../onnx/onnx-model.js';
import { llamaSpecFromConfig } from './llama-config.js';
import type { LlamaSpec } from './llama-config.js';
import { buildLlamaGraph } from './llama-graph.js';
import type { CacheOutputs } from './llama-graph.js';
import { SafetensorsCheckpoint } from './safetensors.js';

export interface ConvertProgress {
  /** 'weights' while tensors are converted and written, then 'done'. */
  readonly phase: 'weights' | 'done';
  /** Bytes of ONNX weights written so far, of `total`. */
  readonly done: number;
  readonly total: number;
  /** The tensor just written. */
  readonly tensor?: string;
}

export interface ConvertOptions {
  /** Weight, activation and cache precision of the ONNX model; 'fp32' by default. */
  readonly dtype?: 'fp32' | 'fp16';
  /** 'appended' (default; formwork's in-place KV cache) or 'present' (the Hugging Face layout, for other runtimes); see CacheOutputs. */
  readonly cacheOutputs?: CacheOutputs;
  readonly onProgress?: (progress: ConvertProgress) => void;
  readonly signal?: AbortSignal;
  /** Put weights in model.onnx_data even when the model is under 2 GiB (tests of the large-model path). */
  readonly forceExternalData?: boolean;
}

export interface ConvertResult {
  /** The written model file (inside outDir). */
  readonly modelPath: string;
  /** Every file written or copied into outDir. */
  readonly files: readonly string[];
  readonly spec: LlamaSpec;
  /** Number of weights in the ONNX model (graph constants not counted). */
  readonly parameters: number;
}

/** Files copied next to the model when the checkpoint has them (tokenizer.json is required). */
const COPIED_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja'];

/**
 * Converts a Hugging Face safetensors checkpoint of the Llama family into a formwork model directory:
 * `outDir/model.onnx` (HF ONNX export inputs with a KV cache, see buildLlamaGraph) plus the tokenizer and
 * configs, so a checkpoint runs without Python. Weights are read, converted and written one tensor at
 * a time.
 */
export async function convertCheckpoint(srcDir: string, outDir: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  throwIfAborted(options.signal);
  const configPath = join(srcDir, 'config.json');
  const config = readJson(configPath);
  const spec = llamaSpecFromConfig(config, configPath);
  const checkpoint = SafetensorsCheckpoint.openDirectory(srcDir);
  const tokenizerPath = join(srcDir, 'tokenizer.json');
  if (!existsSync(tokenizerPath)) throw new ModelLoadError('is missing: a model directory needs the tokenizer next to the weights', { path: tokenizerPath });

  const dtype = options.dtype ?? 'fp32';
  let done = 0;
  let total = 0;
  const graph = buildLlamaGraph(
    spec,
    {
      path: checkpoint.path,
      shape: (name) => (checkpoint.has(name) ? checkpoint.info(name).shape : undefined),
      read: (name) => checkpoint.readFloat32(name),
    },
    {
      dtype,
      cacheOutputs: options.cacheOutputs,
      onWeight: (tensor, bytes) => {
        done += bytes;
        options.onProgress?.({ phase: 'weights', done, total, tensor });
      },
    },
  );
  // Weights are the lazily produced initializers; the rest are small graph constants (shapes, axes).
  const weightTensors = graph.initializers.filter((t) => !(t.data instanceof Uint8Array));
  total = weightTensors.reduce((n, t) => n + t.data.byteLength, 0);
  const parameters = weightTensors.reduce((n, t) => n + t.dims.reduce((m, d) => m * d, 1), 0);

  mkdirSync(outDir, { recursive: true });
  const modelPath = join(outDir, 'model.onnx');
  for (const stale of [modelPath, `${modelPath}_data`]) rmSync(stale, { force: true });
  let written: string[];
  try {
    written = await writeModel(
      modelPath,
      {
        graph,
        opsets: [{ domain: '', version: DEFAULT_OPSET }],
        producerName: 'formwork',
        producerVersion: '0.1.0',
        metadata: { source: 'formwork convertCheckpoint', model_type: spec.modelType, dtype, cache_outputs: options.cacheOutputs ?? 'appended' },
      },
      { signal: options.signal, forceExternalData: options.forceExternalData },
    );
  } catch (error) {
    // A half-written model must not be mistaken for a converted one.
    for (const partial of [modelPath, `${modelPath}_data`]) rmSync(partial, { force: true });
    throw error;
  }

  const files = [...written];
  for (const name of COPIED_FILES) {
    const source = join(srcDir, name);
    if (!existsSync(source) || !statSync(source).isFile()) continue;
    copyFileSync(source, join(outDir, name));
    files.push(join(outDir, name));
  }
  if (!existsSync(join(srcDir, 'generation_config.json')) && config.eos_token_id !== undefined) {
    // The model directory's EOS ids live in generation_config.json; derive it as transformers does.
    const generation = { bos_token_id: config.bos_token_id, eos_token_id: config.eos_token_id };
    writeFileSync(join(outDir, 'generation_config.json'), `${JSON.stringify(generation, null, 2)}\n`);
    files.push(join(outDir, 'generation_config.json'));
  }
  options.onProgress?.({ phase: 'done', done: total, total });
  return { modelPath, files, spec, parameters };
}

function readJson(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ModelLoadError('is missing', { path });
  try {
    const value = JSON.parse(readFileSync(path, 'utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('not a JSON object');
    return value;
  } catch (cause) {
    throw new ModelLoadError(`is not a JSON object (${(cause as Error).message})`, { path, cause });
  }
}
