import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelLoadError } from '../errors.js';
import { FALLBACK_MODEL_VERSION, writeFallbackModel } from './default-model-fallback.js';

/**
 * Where the model that runs when no model is named lives:
 * 1. $FORMWORK_DEFAULT_MODEL, when set (a model directory);
 * 2. models/default in the formwork package, when it holds an ONNX decoder (the trained default model);
 * 3. otherwise the fallback model (default-model-fallback.ts), built on first use into
 *    .cache/fallback-model-v<N> in the package (or the OS temp folder when the package is read-only).
 */
export interface DefaultModel {
  readonly dir: string;
  /** 'env': $FORMWORK_DEFAULT_MODEL; 'trained': models/default; 'fallback': the byte-bigram stand-in. */
  readonly kind: 'env' | 'trained' | 'fallback';
}

/** The root of the formwork package (the folder of its package.json), from src/ or dist/src/. */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

export const trainedModelDir: string = join(packageRoot, 'models', 'default');

/** Where the fallback is (or would be) built. */
export function fallbackModelDir(): string {
  const inPackage = join(packageRoot, '.cache', `fallback-model-v${FALLBACK_MODEL_VERSION}`);
  if (existsSync(join(inPackage, 'model.onnx')) || writable(join(packageRoot, '.cache'))) return inPackage;
  return join(tmpdir(), `formwork-fallback-model-v${FALLBACK_MODEL_VERSION}`);
}

/** Which default model `loadModel()` would use now, without building anything. */
export function describeDefaultModel(): DefaultModel & { readonly ready: boolean } {
  const env = process.env.FORMWORK_DEFAULT_MODEL;
  if (env) return { dir: resolve(env), kind: 'env', ready: existsSync(resolve(env)) };
  if (hasOnnxModel(trainedModelDir)) return { dir: trainedModelDir, kind: 'trained', ready: true };
  const dir = fallbackModelDir();
  return { dir, kind: 'fallback', ready: existsSync(join(dir, 'model.onnx')) };
}

/** The default model's directory, building the fallback first if it is the one and is not built yet. */
export async function resolveDefaultModel(): Promise<DefaultModel> {
  const found = describeDefaultModel();
  if (found.kind === 'env' && !found.ready) {
    throw new ModelLoadError('does not exist (named by $FORMWORK_DEFAULT_MODEL)', { path: found.dir });
  }
  if (found.kind === 'fallback' && !found.ready) await buildFallbackModel(found.dir);
  return { dir: found.dir, kind: found.kind };
}

/**
 * Builds the fallback model into `dir` (well under a second). Written to a sibling folder and renamed
 * into place, so processes that race (parallel test files, two CLI calls) never see half a model.
 */
export async function buildFallbackModel(dir: string = fallbackModelDir()): Promise<string> {
  if (existsSync(join(dir, 'model.onnx'))) return dir;
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFallbackModel(staging);
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another process finished first: its model is identical.
      if (!existsSync(join(dir, 'model.onnx'))) throw error;
    }
  } catch (cause) {
    throw new ModelLoadError(`cannot build the fallback default model: ${(cause as Error).message}`, { path: dir, cause });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

const ONNX_FILES = ['model.onnx', 'onnx/model.onnx', 'decoder_model_merged.onnx', 'onnx/decoder_model_merged.onnx', 'model_fp16.onnx', 'onnx/model_fp16.onnx'];

function hasOnnxModel(dir: string): boolean {
  return existsSync(join(dir, 'tokenizer.json')) && ONNX_FILES.some((name) => existsSync(join(dir, name)));
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'formwork') return dir;
      } catch {
        // Not ours; keep walking up.
      }
    }
    if (dirname(dir) === dir) return resolve(start, '..', '..');
  }
}
