import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { DatabaseRegistry } from '../engine/serve/database-registry.js';
import { FormworkService } from '../engine/serve/formwork-service.js';
import { intFlag, parseCommandArgs } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { loadCommandModel } from './command-model.js';
import { EXIT } from './exit-codes.js';

export const SERVE_HELP = `Usage: formwork serve [options]

Serves formwork over HTTP (JSON), on the loopback interface unless --host says otherwise:

  POST /v1/sql       {"database": NAME, "question": TEXT}     -> {"sql", "columns", "rows", ...}
                     {"database": NAME, "sql": QUERY}         -> runs the query (read-only)
  POST /v1/generate  {"prompt": TEXT, "schema"|"grammar"|"regex": ...} -> {"value"?, "text", ...}
  GET  /v1/health    -> {"status": "ok", "model", "databases", "inFlight", "queued"}

Both POST routes take the sampling fields "sampler", "particles", "temperature", "seed", "maxTokens"
and "maskFuel" (work limit of one constraint mask, an integer >= 0; default unlimited).

Requests must say Content-Type: application/json (so that a web page cannot post to the service
without the browser asking it first). Ctrl-C or SIGTERM shuts down gracefully: no new requests, those
in flight finish, then exit.

  --host ADDR            interface to listen on (default 127.0.0.1)
  --port N               port (default 8080; 0: any free port)
  --model DIR            a model directory (default: the default model)
  --provider NAME        onnxruntime execution provider: cpu (default), webgpu, cuda
  --threads N            onnxruntime intra-op threads
  --db FILE              a SQLite database for /v1/sql, named after its file (or NAME=FILE); repeat
  --db-dir DIR           every DIR/NAME.sqlite (or DIR/NAME/NAME.sqlite) as database NAME
  --max-body BYTES       largest request body (default 1048576)
  --timeout MS           time limit of a request (default 60000)
  --query-timeout MS     time limit of one SQL query run (default 1000)
  --concurrency N        requests generating at once (default 4)
  --queue N              requests waiting at most; more are refused with 503 (default 64)
  --max-tokens N         largest maxTokens a request may ask for (default 2048)
  --quiet                no request log on standard error
  -h, --help             this help

Example:
  formwork serve --db-dir ../shared/data/spider/database --port 8080
  curl -s localhost:8080/v1/sql -H 'Content-Type: application/json' \\
       -d '{"database": "concert_singer", "question": "How many singers are there?"}'
`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  model: { type: 'string' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  db: { type: 'string', multiple: true },
  'db-dir': { type: 'string', multiple: true },
  'max-body': { type: 'string' },
  timeout: { type: 'string' },
  'query-timeout': { type: 'string' },
  concurrency: { type: 'string' },
  queue: { type: 'string' },
  'max-tokens': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `formwork serve`: runs until SIGINT (the io's signal) or SIGTERM, then shuts down; returns the exit status. */
export async function serveCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = 'serve';
  const { values, positionals } = parseCommandArgs(cmd, argv, OPTIONS);
  if (values.help) {
    io.stdout.write(SERVE_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new InputError('takes no arguments (see formwork serve --help)', { where: 'formwork serve' });
  const queryTimeout = intFlag(cmd, 'query-timeout', values['query-timeout'], 1) ?? 1000;
  const databases = new DatabaseRegistry(
    { files: (values.db ?? []).map((f) => resolveSpec(io.cwd, f)), dirs: (values['db-dir'] ?? []).map((d) => resolve(io.cwd, d)) },
    { timeoutMs: queryTimeout },
  );
  const settings = {
    host: values.host ?? '127.0.0.1',
    port: intFlag(cmd, 'port', values.port, 0, 65535) ?? 8080,
    maxBodyBytes: intFlag(cmd, 'max-body', values['max-body'], 1),
    timeoutMs: intFlag(cmd, 'timeout', values.timeout, 1),
    concurrency: intFlag(cmd, 'concurrency', values.concurrency, 1, 1024),
    maxQueue: intFlag(cmd, 'queue', values.queue, 0),
    limits: { maxTokens: intFlag(cmd, 'max-tokens', values['max-tokens'], 1) },
  };
  const model = await loadCommandModel(cmd, values, io);
  const stop = new AbortController();
  const onStop = () => stop.abort();
  process.once('SIGTERM', onStop);
  io.signal.addEventListener('abort', onStop, { once: true });
  try {
    const service = await FormworkService.start({
      ...settings,
      model,
      databases,
      log: values.quiet ? undefined : (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`),
    });
    const names = databases.names();
    const listed = names.length > 0 ? `: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''}` : '';
    io.stdout.write(`formwork serve: listening on ${service.url} (model ${model.name}; ${names.length} database${names.length === 1 ? '' : 's'}${listed})\n`);
    if (!stop.signal.aborted && !io.signal.aborted) await new Promise<void>((done) => stop.signal.addEventListener('abort', () => done(), { once: true }));
    io.stderr.write('formwork serve: shutting down (finishing requests in flight)\n');
    await service.close();
    io.stderr.write('formwork serve: stopped\n');
    return EXIT.ok;
  } finally {
    process.off('SIGTERM', onStop);
    io.signal.removeEventListener('abort', onStop);
    await databases.close();
    await model.dispose();
  }
}

/** `--db FILE` or `--db NAME=FILE`, with FILE resolved against the working directory. */
function resolveSpec(cwd: string, spec: string): string {
  const eq = spec.indexOf('=');
  return eq > 0 ? `${spec.slice(0, eq)}=${resolve(cwd, spec.slice(eq + 1))}` : resolve(cwd, spec);
}
