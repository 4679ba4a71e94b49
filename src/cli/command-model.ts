import { resolve } from 'node:path';
import { Model } from '../engine/generate/model.js';
import { choiceFlag, intFlag } from './cli-args.js';
import type { CliIo } from './cli-io.js';

/** The flags by which a command names its model (`--model DIR --provider NAME --threads N`). */
export interface ModelFlags {
  readonly model?: string;
  readonly provider?: string;
  readonly threads?: string;
}

/**
 * Loads the model a command's flags name (the default model without --model), relative to the
 * command's directory; Ctrl-C aborts the load and load warnings go to stderr.
 */
export function loadCommandModel(command: string, flags: ModelFlags, io: CliIo): Promise<Model> {
  return Model.load(flags.model === undefined ? undefined : resolve(io.cwd, flags.model), {
    provider: choiceFlag(command, 'provider', flags.provider, ['cpu', 'webgpu', 'cuda'] as const),
    threads: intFlag(command, 'threads', flags.threads, 1, 1024),
    signal: io.signal,
    onWarning: (m) => io.stderr.write(`warning: ${m}\n`),
  });
}
