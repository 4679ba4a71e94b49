import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** A value of a result row as sql.js returns it (integers beyond 2^53 lose precision). */
export type SqlValue = number | string | Uint8Array | null;

/** What the worker answers for one statement. */
export type WorkerResult =
  | { readonly ok: true; readonly columns: string[]; readonly rows: SqlValue[][]; readonly truncated: boolean }
  | { readonly ok: false; readonly error: string };

/** How the worker builds its database: SQLite file bytes, or statements run on an empty one. */
export type WorkerDatabase = { readonly bytes: Uint8Array } | { readonly statements: readonly string[] };

/**
 * sql.js (SQLite compiled to WebAssembly) in a worker thread, called synchronously with a deadline.
 *
 * Why a worker: sql.js has no progress handler and no interrupt, so a query such as a four-way cross
 * join runs until it is done, blocking whatever thread it runs on. In a worker it can be stopped:
 * the caller posts the statement, sleeps on a shared flag (Atomics.wait) until the worker raises it
 * or the deadline passes, and then takes the answer off the port (receiveMessageOnPort) or terminates
 * the worker. Calls stay synchronous, which the potentials of the samplers need (a check runs inside
 * a sampling step); one call costs well under a millisecond beyond the query itself.
 *
 * The worker's connection runs with `PRAGMA query_only = 1` once it is built; which statements reach
 * it at all is decided by the caller (read-only-database.ts).
 */
export class SqliteWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly ready: Promise<void>;
  private state: 'starting' | 'ready' | 'dead' = 'starting';
  private startError: string | undefined;

  constructor(database: WorkerDatabase) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { flag: this.flag.buffer, port: port2, sqlJsPath: SQL_JS_PATH, wasm: compiledWasm, ...database },
      transferList: [port2],
    });
    // Once started, neither keeps the process alive: an idle database must not stop a CLI from
    // exiting. While starting the worker stays referenced (Atomics.waitAsync alone keeps nothing alive).
    this.port.unref();
    this.worker.on('error', (error) => {
      this.state = 'dead';
      this.startError ??= error.message;
    });
    this.ready = this.waitReady();
    // A worker rebuilt after a timeout is used synchronously; nobody awaits its start.
    this.ready.catch(() => undefined);
  }

  /** Resolves once the database is built; rejects with SQLite's complaint when it cannot be. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  get alive(): boolean {
    return this.state !== 'dead';
  }

  /**
   * Runs one statement, reading at most `maxRows` rows. Blocks the calling thread until the answer
   * comes or `timeoutMs` passes; then the worker is terminated and the answer says so (the object is
   * dead afterwards: make a new one).
   */
  run(sql: string, maxRows: number, timeoutMs: number): WorkerResult {
    if (this.state === 'starting') this.startSync(timeoutMs);
    if (this.state === 'dead') return { ok: false, error: this.startError ?? 'the SQLite worker has stopped' };
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ sql, maxRows });
    if (Atomics.wait(this.flag, 0, 0, timeoutMs) === 'timed-out') {
      this.terminate();
      return { ok: false, error: `the query did not finish within ${timeoutMs} ms (stopped)` };
    }
    const reply = receiveMessageOnPort(this.port)?.message as WorkerResult | undefined;
    return reply ?? { ok: false, error: 'the SQLite worker gave no answer' };
  }

  terminate(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.startError ??= 'the SQLite worker was stopped';
    this.port.close();
    void this.worker.terminate();
  }

  private async waitReady(): Promise<void> {
    const waited = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.flag, 0, 0, START_TIMEOUT_MS);
    const outcome = waited.async ? await waited.value : waited.value;
    if (this.state === 'starting') this.takeStartReply(outcome === 'timed-out');
    this.worker.unref();
    if (this.state === 'dead') throw new Error(this.startError ?? 'the SQLite worker did not start');
  }

  /** A call that comes before the asynchronous start finished: wait for it here, synchronously. */
  private startSync(timeoutMs: number): void {
    const outcome = Atomics.wait(this.flag, 0, 0, Math.max(timeoutMs, START_TIMEOUT_MS));
    if (this.state === 'starting') this.takeStartReply(outcome === 'timed-out');
    this.worker.unref();
  }

  private takeStartReply(timedOut: boolean): void {
    const reply = timedOut ? undefined : (receiveMessageOnPort(this.port)?.message as { ok: boolean; error?: string } | undefined);
    if (reply?.ok) {
      this.state = 'ready';
      return;
    }
    this.startError = reply?.error ?? (timedOut ? `the SQLite worker did not start within ${START_TIMEOUT_MS} ms` : this.startError);
    this.terminate();
  }
}

/** A compiled WebAssembly.Module (TypeScript's ES2023 lib, without the DOM, does not declare the global). */
let compiledWasm: object | undefined;
let compiling: Promise<void> | undefined;
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } }).WebAssembly;

/**
 * Compiles sql.js's WebAssembly once per process; workers started afterwards instantiate the compiled
 * module instead of compiling it again (measured: a worker is ready in ~50 ms instead of ~100 ms).
 * Optional: without it every worker compiles its own copy.
 */
export function precompileSqlJs(): Promise<void> {
  compiling ??= WebAssemblyApi.compile(readFileSync(join(dirname(SQL_JS_PATH), 'sql-wasm.wasm'))).then(
    (module) => {
      compiledWasm = module;
    },
    () => undefined,
  );
  return compiling;
}

/** Node 20 has Atomics.waitAsync; TypeScript's lib declares it from ES2024 on. */
interface AtomicsWaitAsync {
  waitAsync(
    array: Int32Array,
    index: number,
    value: number,
    timeout: number,
  ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
}

/** Loading sql.js's WebAssembly and copying the database in takes ~0.1-0.3 s; this is the limit. */
const START_TIMEOUT_MS = 30_000;

const SQL_JS_PATH = createRequire(import.meta.url).resolve('sql.js');

/**
 * The worker, as plain JavaScript evaluated in the thread (no TypeScript loader needed there). A
 * statement is prepared with iterateStatements so that only the first one runs; anything but blanks,
 * semicolons and comments after it is refused unread.
 */
const WORKER_SOURCE = String.raw`
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
const port = workerData.port;
const reply = (message) => {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
};
const messageOf = (e) => (e && e.message) || String(e);
const EMPTY_TAIL = /^(?:\s|;|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*$/;
const config = { useOldExtensionFunctions: false };
if (workerData.wasm) {
  config.instantiateWasm = (imports, done) => {
    WebAssembly.instantiate(workerData.wasm, imports).then(done);
    return {};
  };
}
require(workerData.sqlJsPath)(config).then((SQL) => {
  let db;
  try {
    db = workerData.bytes ? new SQL.Database(workerData.bytes) : new SQL.Database();
    // sql.js opens lazily: a file that is not SQLite fails on its first read.
    db.exec('SELECT count(*) FROM sqlite_master');
    for (const [i, statement] of (workerData.statements || []).entries()) {
      try {
        db.run(statement);
      } catch (e) {
        throw new Error('statement ' + i + ' failed: ' + messageOf(e));
      }
    }
    db.run('PRAGMA query_only = 1');
  } catch (e) {
    reply({ ok: false, error: messageOf(e) });
    return;
  }
  reply({ ok: true });
  port.on('message', ({ sql, maxRows }) => {
    let statements;
    try {
      statements = db.iterateStatements(sql);
    } catch (e) {
      reply({ ok: false, error: messageOf(e) });
      return;
    }
    try {
      const first = statements.next().value;
      if (first === undefined) return reply({ ok: false, error: 'empty query' });
      if (!EMPTY_TAIL.test(statements.getRemainingSQL())) return reply({ ok: false, error: 'more than one statement' });
      const columns = first.getColumnNames();
      const rows = [];
      let truncated = false;
      while (first.step()) {
        if (rows.length === maxRows) {
          truncated = true;
          break;
        }
        rows.push(first.get());
      }
      reply({ ok: true, columns, rows, truncated });
    } catch (e) {
      reply({ ok: false, error: messageOf(e) });
    } finally {
      statements.return();
    }
  });
}, (e) => reply({ ok: false, error: 'cannot load sql.js: ' + messageOf(e) }));
`;
