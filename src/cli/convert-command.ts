import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { convertCheckpoint } from '../engine/convert/convert-checkpoint.js';
import { ProgressBar } from '../engine/progress-bar.js';
import { choiceFlag, parseCommandArgs } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';

export const CONVERT_HELP = `Usage: formwork convert [options] SRC OUT

Converts a Hugging Face safetensors checkpoint of the Llama family (Llama, Mistral, Qwen2, SmolLM,
TinyLlama) into a formwork model directory: OUT/model.onnx plus the tokenizer and configs. No Python
needed. A progress bar shows on a terminal.

  SRC                    the checkpoint folder (config.json, *.safetensors, tokenizer.json)
  OUT                    the model directory to write
  --dtype fp32|fp16      precision of the ONNX model (default fp32)
  --cache-outputs appended|present
                         appended (default): the graph returns only the new tokens' keys and values
                         and formwork writes them into its cache in place; present: the Hugging Face
                         layout (the whole cache each step), for other runtimes
  -h, --help             this help
`;

/** `formwork convert SRC OUT`: returns the exit status. */
export async function convertCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('convert', argv, {
    dtype: { type: 'string' },
    'cache-outputs': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(CONVERT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new InputError(`expected SRC and OUT, got ${positionals.length} argument(s) (see formwork convert --help)`, { where: 'formwork convert' });
  const dtype = choiceFlag('convert', 'dtype', values.dtype, ['fp32', 'fp16'] as const) ?? 'fp32';
  const cacheOutputs = choiceFlag('convert', 'cache-outputs', values['cache-outputs'], ['appended', 'present'] as const) ?? 'appended';
  const [src, out] = positionals.map((p) => resolve(io.cwd, p));
  const bar = new ProgressBar({ stream: io.stderr, label: 'converting' });
  const started = performance.now();
  try {
    const result = await convertCheckpoint(src, out, {
      dtype,
      cacheOutputs,
      signal: io.signal,
      onProgress: (p) => bar.update(p.done, p.total, p.tensor ?? ''),
    });
    bar.finish();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.stdout.write(
      `${result.modelPath}: ${result.spec.modelType}, ${result.parameters.toLocaleString('en-US')} parameters, ${dtype}, ` +
        `${result.files.length} files, ${seconds} s\n`,
    );
    return EXIT.ok;
  } catch (error) {
    bar.finish();
    throw error;
  }
}
