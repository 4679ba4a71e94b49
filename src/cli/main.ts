import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormworkError, InputError } from '../errors.js';
import { packageRoot } from '../engine/default-model.js';
import { disposeSharedModels } from '../engine/generate/model.js';
import { benchCommand } from './bench-command.js';
import { processIo, type CliIo } from './cli-io.js';
import { convertCommand } from './convert-command.js';
import { EXIT, EXIT_CODES_HELP, exitCodeOf } from './exit-codes.js';
import { generateCommand } from './generate-command.js';
import { modelsCommand } from './models-command.js';
import { serveCommand } from './serve-command.js';
import { sqlCommand } from './sql-command.js';

export const MAIN_HELP = `Usage: formwork COMMAND [options]

Constrained generation with local language models: JSON Schema, grammars and regexes compiled to
token automata, exact samplers (AWRS, SMC) and reward-guided search on ONNX models.

Commands:
  generate [PROMPT]      generate one output (--schema FILE | --grammar FILE | --regex P | none)
  convert SRC OUT        convert a safetensors checkpoint (Llama family) to a model directory
  bench NAME [args...]   run a benchmark of bench/
  models [DIR...]        show the default model and inspect model directories
  sql --db FILE [QUESTION]  answer a question about a SQLite database with one query (read-only)
  serve                  serve /v1/generate and /v1/sql over HTTP (loopback by default)
  help [COMMAND]         help for a command (same as formwork COMMAND --help)

Options:
  -h, --help             this help
  -v, --version          the formwork version

Example:
  formwork generate --schema schemas/examples/person.json "Ada Lovelace, born 1815"

${EXIT_CODES_HELP}
`;

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Runs the CLI with `argv` (without node and the script); resolves with the exit status. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const commands: Record<string, Command> = {
    generate: generateCommand,
    convert: convertCommand,
    models: modelsCommand,
    sql: sqlCommand,
    serve: serveCommand,
    bench: benchCommand,
  };
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '-h' || name === '--help') {
      io.stdout.write(MAIN_HELP);
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === '-v' || name === '--version') {
      io.stdout.write(`${version()}\n`);
      return EXIT.ok;
    }
    if (name === 'help') {
      if (rest[0] === undefined) {
        io.stdout.write(MAIN_HELP);
        return EXIT.ok;
      }
      if (!(rest[0] in commands)) throw unknownCommand(rest[0]);
      return await commands[rest[0]](['--help'], io);
    }
    const command = commands[name];
    if (command === undefined) throw unknownCommand(name);
    return await command(rest, io);
  } catch (error) {
    const code = exitCodeOf(error);
    const message = error instanceof FormworkError ? error.message : (error as Error)?.stack ?? String(error);
    io.stderr.write(`formwork: ${code === EXIT.internal ? 'internal error: ' : ''}${message}\n`);
    return code;
  } finally {
    await disposeSharedModels();
  }
}

function unknownCommand(name: string): InputError {
  return new InputError(`unknown command ${JSON.stringify(name)} (commands: generate, convert, bench, models, sql, serve, help)`, { where: 'formwork' });
}

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
