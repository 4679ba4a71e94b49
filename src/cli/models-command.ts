import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FormworkError } from '../errors.js';
import { describeDefaultModel } from '../engine/default-model.js';
import { resolveModelDirectory } from '../engine/model/model-directory.js';
import { formatBytes } from '../engine/progress-bar.js';
import { parseCommandArgs } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';

export const MODELS_HELP = `Usage: formwork models [options] [DIR...]

Shows the default model (what runs without --model) and, for each DIR, whether it is a model
directory formwork can load and what is in it.

  --json                 one JSON object instead of text
  -h, --help             this help

The default model is $FORMWORK_DEFAULT_MODEL when set, else models/default (the small Llama
formwork trains for JSON and SQL: models/default/README.md).
`;

export interface ModelInfo {
  readonly dir: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly modelFile?: string;
  readonly modelBytes?: number;
  readonly modelType?: string;
  readonly vocabSize?: number;
  readonly tokenizerSize?: number;
  readonly maxLength?: number;
  readonly eosIds?: readonly number[];
  readonly chatTemplate?: boolean;
}

/** What is in a model directory, without loading the ONNX session. */
export function inspectModel(dir: string): ModelInfo {
  try {
    const model = resolveModelDirectory(dir);
    let chatTemplate = existsSync(join(model.dir, 'chat_template.jinja'));
    if (!chatTemplate && model.tokenizerConfigPath) {
      const config = JSON.parse(readFileSync(model.tokenizerConfigPath, 'utf8')) as { chat_template?: unknown };
      chatTemplate = config.chat_template !== undefined && config.chat_template !== null;
    }
    const dataFile = `${model.modelPath}_data`;
    return {
      dir: model.dir,
      ok: true,
      modelFile: model.modelPath,
      modelBytes: statSync(model.modelPath).size + (existsSync(dataFile) ? statSync(dataFile).size : 0),
      modelType: model.config.modelType,
      vocabSize: model.config.vocabSize,
      tokenizerSize: model.tokenizerSize,
      maxLength: model.config.maxLength,
      eosIds: model.config.eosIds,
      chatTemplate,
    };
  } catch (error) {
    if (!(error instanceof FormworkError)) throw error;
    return { dir: resolve(dir), ok: false, error: error.message };
  }
}

/** `formwork models [DIR...]`: returns the exit status (4 when a DIR is not a loadable model). */
export async function modelsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('models', argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout.write(MODELS_HELP);
    return EXIT.ok;
  }
  const found = describeDefaultModel();
  const defaultModel = { kind: found.kind, ready: found.ready, ...(found.ready ? inspectModel(found.dir) : { dir: found.dir }) };
  const models = positionals.map((p) => inspectModel(resolve(io.cwd, p)));
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ default: defaultModel, models })}\n`);
  } else {
    const kinds = { trained: 'the trained default model (models/default)', env: '$FORMWORK_DEFAULT_MODEL' };
    io.stdout.write(`default: ${kinds[found.kind]}\n`);
    if (found.ready) io.stdout.write(describe(defaultModel as ModelInfo));
    else io.stdout.write(`  ${found.dir}\n  missing: no model.onnx and tokenizer.json (tools/train/README.md rebuilds models/default)\n`);
    for (const model of models) io.stdout.write(`\n${describe(model)}`);
  }
  return models.every((m) => m.ok) ? EXIT.ok : EXIT.model;
}

function describe(model: ModelInfo): string {
  if (!model.ok) return `${model.dir}\n  not a loadable model: ${model.error}\n`;
  return (
    `${model.dir}\n` +
    `  ${model.modelType ?? 'unknown type'}, ${formatBytes(model.modelBytes ?? 0)} (${model.modelFile})\n` +
    `  vocabulary ${model.tokenizerSize} tokens${model.vocabSize && model.vocabSize !== model.tokenizerSize ? ` (logits ${model.vocabSize})` : ''}, ` +
    `context ${model.maxLength ?? 'unknown'}, EOS ${model.eosIds?.join(', ')}, chat template: ${model.chatTemplate ? 'yes' : 'no (raw prompts)'}\n`
  );
}
