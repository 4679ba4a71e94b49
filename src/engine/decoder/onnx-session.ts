import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../../errors.js';

export type ExecutionProvider = 'cpu' | 'webgpu' | 'cuda';

export interface SessionSettings {
  readonly provider?: ExecutionProvider;
  /** onnxruntime intra-op threads; onnxruntime's default (all cores) when undefined. */
  readonly threads?: number;
}

export interface CreatedSession {
  readonly session: ort.InferenceSession;
  /** The provider actually in use (cpu after a fallback). */
  readonly provider: ExecutionProvider;
  readonly warnings: readonly string[];
}

/**
 * Opens an onnxruntime session on `provider`. onnxruntime does not fall back by itself (listing
 * ['webgpu', 'cpu'] throws when WebGPU is missing), so an unavailable provider is retried on the CPU
 * with a warning instead of failing.
 */
export async function createSession(modelPath: string, settings: SessionSettings = {}): Promise<CreatedSession> {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(settings.threads ? { intraOpNumThreads: settings.threads, interOpNumThreads: 1 } : {}),
  };
  const provider = settings.provider ?? 'cpu';
  const warnings: string[] = [];
  const missingCuda = provider === 'cuda' && !cudaInstalled();
  if (missingCuda) {
    // Trying would only make onnxruntime print a native error before failing the same way.
    warnings.push(
      `formwork: execution provider "cuda" is unavailable (onnxruntime-node has no CUDA libraries installed); running ${modelPath} on the CPU instead (CUDA needs onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=cuda12)`,
    );
  } else if (provider !== 'cpu') {
    try {
      const options: ort.InferenceSession.SessionOptions = {
        ...base,
        // The probe may fail by design; keep onnxruntime's own error log for it quiet.
        logSeverityLevel: 4,
        executionProviders: [provider],
        // Outputs come back to host memory (onnxruntime's default), also on WebGPU. Keeping them on the
        // GPU ('gpu-buffer') would let present.* feed the next step without a round trip, but
        // onnxruntime-node 1.30's binding cannot download a GPU tensor: getData() throws a C string
        // ("not implemented"), which terminates the process.
      };
      return { session: await ort.InferenceSession.create(modelPath, options), provider, warnings };
    } catch (cause) {
      warnings.push(
        `formwork: execution provider "${provider}" is unavailable (${firstLine(cause)}); running ${modelPath} on the CPU instead` +
          (provider === 'webgpu' ? ' (WebGPU needs a GPU with a Vulkan driver and loader)' : '') +
          (provider === 'cuda' ? ' (CUDA needs onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=cuda12)' : ''),
      );
    }
  }
  try {
    return { session: await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cpu'] }), provider: 'cpu', warnings };
  } catch (cause) {
    throw new ModelLoadError(`onnxruntime cannot load this model: ${firstLine(cause)}`, { path: modelPath, cause });
  }
}

/** Whether onnxruntime-node's CUDA provider library sits next to its native binding. */
function cudaInstalled(): boolean {
  try {
    const main = createRequire(import.meta.url).resolve('onnxruntime-node');
    const bindingDir = join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(bindingDir, 'libonnxruntime_providers_cuda.so')) || existsSync(join(bindingDir, 'onnxruntime_providers_cuda.dll'));
  } catch {
    return true; // Unknown layout: let onnxruntime decide.
  }
}

/** The informative part of an onnxruntime error: its first line, source locations and lambdas cut. */
function firstLine(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  // "…/webgpu_context.cc:136 …<lambda()> cond was false. Failed to get a WebGPU adapter: …" -> the cause.
  const cause = message.replace(/^.*\bwas false\.\s*/, '').replace(/^\/\S+:\d+\s+/, '');
  return cause.length > 300 ? `…${cause.slice(-300)}` : cause;
}

export type CacheDtype = 'float32' | 'float16';

/** One past_key_values.N.key|value input and its present.N.key|value (or appended.N.key|value) output. */
export interface CacheEntry {
  readonly input: string;
  readonly output: string;
  readonly dtype: CacheDtype;
  readonly heads: number;
  readonly headDim: number;
}

/** The decoder's view of a session's inputs and outputs, checked once at load. */
export interface SessionLayout {
  readonly cache: readonly CacheEntry[];
  /**
   * 'present': each pass returns the whole cache, past and new (the Hugging Face layout; KvCache).
   * 'appended': each pass returns only the new tokens' keys and values, written in place (KvSlabCache).
   */
  readonly cacheOutputs: 'present' | 'appended';
  /** prefix_key_values.N.key|value, parallel to `cache` ('appended' models: the prefix shared by every row). */
  readonly prefixInputs: readonly string[] | undefined;
  readonly hasPositionIds: boolean;
  /** 'num_logits_to_keep' or 'logits_to_keep' when the model takes it. */
  readonly logitsToKeep: { readonly name: string; readonly rank: number } | undefined;
  readonly hasUseCacheBranch: boolean;
  readonly logitsDtype: CacheDtype;
  /** Width of the logits when the model declares it, else undefined (then config.json's vocab_size). */
  readonly logitsWidth: number | undefined;
}

export interface LayoutHints {
  readonly numKvHeads?: number;
  readonly headDim?: number;
}

const CACHE_INPUT = /^past_key_values\.(\d+)\.(key|value)$/;
const PREFIX_INPUT = /^prefix_key_values\.(\d+)\.(key|value)$/;
const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'position_ids', 'num_logits_to_keep', 'logits_to_keep', 'use_cache_branch']);

/** Reads and checks the HF export layout; every problem names the model file. */
export function inspectSession(session: ort.InferenceSession, modelPath: string, hints: LayoutHints = {}): SessionLayout {
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const outputs = new Map(session.outputMetadata.map((m) => [m.name, m]));
  const fail = (message: string): never => {
    throw new ModelLoadError(message, { path: modelPath });
  };
  for (const name of ['input_ids', 'attention_mask']) if (!inputs.has(name)) fail(`has no "${name}" input (inputs: ${[...inputs.keys()].join(', ')})`);
  const logits = outputs.get('logits');
  if (!logits || !logits.isTensor) return fail(`has no "logits" output (outputs: ${[...outputs.keys()].join(', ')})`);
  const logitsDtype = floatType(logits.type, 'logits', fail);
  const lastDim = logits.shape[logits.shape.length - 1];

  for (const name of ['input_ids', 'attention_mask', 'position_ids', 'num_logits_to_keep', 'logits_to_keep']) {
    const meta = inputs.get(name);
    if (meta?.isTensor && meta.type !== 'int64') fail(`input "${name}" has element type ${meta.type}; the Hugging Face layout uses int64`);
  }
  const useCacheBranch = inputs.get('use_cache_branch');
  if (useCacheBranch?.isTensor && useCacheBranch.type !== 'bool') fail(`input "use_cache_branch" has element type ${useCacheBranch.type}, expected bool`);

  const cache: CacheEntry[] = [];
  for (const meta of session.inputMetadata) {
    const match = CACHE_INPUT.exec(meta.name);
    if (PREFIX_INPUT.test(meta.name)) continue;
    if (!match) {
      if (!KNOWN_INPUTS.has(meta.name)) fail(`has input "${meta.name}", which is not part of the Hugging Face decoder layout formwork feeds`);
      continue;
    }
    if (!meta.isTensor) return fail(`input "${meta.name}" is not a tensor`);
    const present = `present.${match[1]}.${match[2]}`;
    const appended = `appended.${match[1]}.${match[2]}`;
    const output = outputs.has(present) ? present : outputs.has(appended) ? appended : fail(`has input "${meta.name}" but no "${present}" (or "${appended}") output to carry the cache forward`);
    if (meta.shape.length !== 4) fail(`input "${meta.name}" has rank ${meta.shape.length}; the cache layout is [batch, heads, sequence, head_dim]`);
    const heads = typeof meta.shape[1] === 'number' ? meta.shape[1] : hints.numKvHeads;
    const headDim = typeof meta.shape[3] === 'number' ? meta.shape[3] : hints.headDim;
    if (!heads || !headDim) fail(`input "${meta.name}" has symbolic head dimensions and config.json gives no num_key_value_heads/head_dim`);
    cache.push({ input: meta.name, output, dtype: floatType(meta.type, meta.name, fail), heads: heads!, headDim: headDim! });
  }
  if (cache.length === 0) fail('has no past_key_values.N.key|value inputs: export it with a KV cache (e.g. optimum "text-generation-with-past")');
  const cacheOutputs = cache[0].output.startsWith('appended.') ? 'appended' : 'present';
  const mixed = cache.find((e) => !e.output.startsWith(`${cacheOutputs}.`));
  if (mixed) fail(`mixes present.* and appended.* cache outputs ("${cache[0].output}", "${mixed.output}")`);
  let prefixInputs: string[] | undefined;
  if (cacheOutputs === 'appended') {
    prefixInputs = cache.map((e) => e.input.replace(/^past_key_values\./, 'prefix_key_values.'));
    for (const name of prefixInputs) if (!inputs.has(name)) fail(`has appended.* cache outputs but no "${name}" input (the shared prefix of its rows)`);
  } else {
    const stray = [...inputs.keys()].find((name) => PREFIX_INPUT.test(name));
    if (stray) fail(`has input "${stray}" but present.* cache outputs; a shared prefix goes with appended.* outputs`);
  }

  const keep = ['num_logits_to_keep', 'logits_to_keep'].find((name) => inputs.has(name));
  const keepMeta = keep ? inputs.get(keep)! : undefined;
  return {
    cache,
    cacheOutputs,
    prefixInputs,
    hasPositionIds: inputs.has('position_ids'),
    logitsToKeep: keep && keepMeta?.isTensor ? { name: keep, rank: keepMeta.shape.length } : undefined,
    hasUseCacheBranch: inputs.has('use_cache_branch'),
    logitsDtype,
    logitsWidth: typeof lastDim === 'number' ? lastDim : undefined,
  };
}

function floatType(type: string, name: string, fail: (message: string) => never): CacheDtype {
  if (type === 'float32' || type === 'float16') return type;
  return fail(`"${name}" has element type ${type}; formwork runs float32 and float16 decoders`);
}
