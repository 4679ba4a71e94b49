import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelLoadError } from '../errors.js';

/**
 * Where the model that runs when no model is named lives:
 * 1. $FORMWORK_DEFAULT_MODEL, when set (a model directory);
 * 2. otherwise models/default in the formwork package: the small Llama formwork trains itself for
 *    JSON and SQL (models/default/README.md; tools/train/README.md rebuilds it).
 * There is no stand-in: a missing or incomplete directory is a ModelLoadError naming it.
 */
export interface DefaultModel {
  readonly dir: string;
  /** 'env': $FORMWORK_DEFAULT_MODEL; 'trained': models/default. */
  readonly kind: 'env' | 'trained';
}

/** The root of the formwork package (the folder of its package.json), from src/ or dist/src/. */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

export const trainedModelDir: string = join(packageRoot, 'models', 'default');

/** Which default model `loadModel()` would use now, and whether its directory holds a loadable model. */
export function describeDefaultModel(): DefaultModel & { readonly ready: boolean } {
  const env = process.env.FORMWORK_DEFAULT_MODEL;
  if (env) return { dir: resolve(env), kind: 'env', ready: hasOnnxModel(resolve(env)) };
  return { dir: trainedModelDir, kind: 'trained', ready: hasOnnxModel(trainedModelDir) };
}

/** The default model's directory; a ModelLoadError (with the path) when it holds no model. */
export async function resolveDefaultModel(): Promise<DefaultModel> {
  const found = describeDefaultModel();
  if (!found.ready) {
    const missing = existsSync(found.dir) ? `has no ${ONNX_FILES[0]} and tokenizer.json` : 'does not exist';
    const message =
      found.kind === 'env' ? `the model named by $FORMWORK_DEFAULT_MODEL ${missing}` : `the default model ${missing} (tools/train/README.md rebuilds it)`;
    throw new ModelLoadError(message, { path: found.dir });
  }
  return { dir: found.dir, kind: found.kind };
}

const ONNX_FILES = ['model.onnx', 'onnx/model.onnx', 'decoder_model_merged.onnx', 'onnx/decoder_model_merged.onnx', 'model_fp16.onnx', 'onnx/model_fp16.onnx'];

function hasOnnxModel(dir: string): boolean {
  return existsSync(join(dir, 'tokenizer.json')) && ONNX_FILES.some((name) => existsSync(join(dir, name)));
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
