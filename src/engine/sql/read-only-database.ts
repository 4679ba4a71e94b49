import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { InputError, LimitError } from '../../errors.js';
import { precompileSqlJs, SqliteWorker, type SqlValue, type WorkerDatabase } from './sqlite-worker.js';

export type { SqlValue } from './sqlite-worker.js';

/** Where a database comes from: SQLite file bytes, a SQLite file, or SQL statements that build it. */
export type DatabaseSource = Uint8Array | { readonly path: string } | { readonly statements: readonly string[] };

/** The outcome of one query: its result table, or why it was refused or failed. */
export type QueryResult =
  | { readonly ok: true; readonly columns: readonly string[]; readonly rows: readonly (readonly SqlValue[])[]; readonly truncated: boolean }
  | { readonly ok: false; readonly error: string };

export interface ExecuteOptions {
  /** Rows read at most (default 1000); `truncated` says when more were left. */
  readonly maxRows?: number;
  /** Wall-clock limit of the query in milliseconds (default: the database's `timeoutMs`). */
  readonly timeoutMs?: number;
}

export interface OpenDatabaseOptions {
  /** Default time limit of one query in milliseconds (default 2000). */
  readonly timeoutMs?: number;
  /** Largest database file accepted, in bytes (default 1 GiB): the whole file is copied into memory. */
  readonly maxBytes?: number;
  /** Name in messages (default: the file name without extension, or "database"). */
  readonly name?: string;
}

/** Statements that only read: a query, a query with common table expressions, a VALUES list. */
const READING_STATEMENT = /^(?:select|with|values)$/i;
/** Whitespace and comments before a statement's first keyword. */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?(?:\*\/|$))*/;

/**
 * A SQLite database that answers queries and cannot be changed by them, by construction:
 * - it is a private in-memory copy (sql.js): a file is read once, never opened for writing;
 * - a query is one statement whose first keyword is SELECT, WITH or VALUES, checked on the text before
 *   SQLite prepares anything (preparing a PRAGMA already applies it), so no PRAGMA, ATTACH, DDL or
 *   transaction control reaches SQLite, and the next guard cannot be switched off;
 * - the connection runs with `PRAGMA query_only = 1`, so even `WITH x AS (...) DELETE ...` fails;
 * - every query has a time limit (sqlite-worker.ts: the engine runs in a worker thread that is
 *   terminated past the deadline, then rebuilt from the same bytes for the next query) and a row limit.
 *
 * `execute` never throws for a bad query: the result says what went wrong (checks and rewards need a
 * verdict, not an exception). `query` is the strict variant for callers that run one query of their own.
 */
export class ReadOnlyDatabase {
  private worker: SqliteWorker;
  private closed = false;

  private constructor(
    private readonly source: WorkerDatabase,
    readonly name: string,
    /** Default query time limit in milliseconds. */
    readonly timeoutMs: number,
  ) {
    this.worker = new SqliteWorker(source);
  }

  /**
   * Opens a database. A file that cannot be read, is not SQLite, or is larger than `maxBytes` is an
   * InputError naming the path; statements that fail are an InputError naming the statement.
   */
  static async open(source: DatabaseSource, options: OpenDatabaseOptions = {}): Promise<ReadOnlyDatabase> {
    const timeoutMs = options.timeoutMs ?? 2000;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new InputError(`timeoutMs must be a number > 0, got ${timeoutMs}`, { where: 'ReadOnlyDatabase.open' });
    const maxBytes = options.maxBytes ?? 2 ** 30;
    let data: WorkerDatabase;
    let name = options.name ?? 'database';
    let where = 'database';
    if (source instanceof Uint8Array) {
      if (source.length > maxBytes) throw new LimitError(`the database has ${source.length} bytes, more than maxBytes ${maxBytes}`, { limit: 'maxBytes' });
      data = { bytes: source };
    } else if (source !== null && typeof source === 'object' && 'path' in source && typeof source.path === 'string') {
      where = source.path;
      name = options.name ?? basename(source.path, extname(source.path));
      data = { bytes: readDatabaseFile(source.path, maxBytes) };
    } else if (source !== null && typeof source === 'object' && 'statements' in source && Array.isArray(source.statements)) {
      where = 'statements';
      data = { statements: [...source.statements] };
    } else {
      throw new InputError('a database is SQLite file bytes, { path } or { statements }', { where: 'ReadOnlyDatabase.open' });
    }
    await precompileSqlJs();
    const db = new ReadOnlyDatabase(data, name, timeoutMs);
    try {
      await db.worker.whenReady();
    } catch (cause) {
      const message = (cause as Error).message;
      throw new InputError(
        'bytes' in data ? `is not a readable SQLite database (${message})` : message,
        { where },
      );
    }
    return db;
  }

  /**
   * Runs one reading statement (see the class comment) and returns its rows, or why not. Synchronous:
   * blocks the calling thread for at most the time limit.
   */
  execute(sql: string, options: ExecuteOptions = {}): QueryResult {
    if (this.closed) throw new InputError('the database was closed', { where: `database ${this.name}` });
    const maxRows = options.maxRows ?? 1000;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    if (!(Number.isInteger(maxRows) && maxRows >= 0)) throw new InputError(`maxRows must be an integer >= 0, got ${maxRows}`, { where: 'execute' });
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new InputError(`timeoutMs must be a number > 0, got ${timeoutMs}`, { where: 'execute' });
    if (typeof sql !== 'string') return { ok: false, error: 'a query is a string' };
    const refused = refuseNonReading(sql);
    if (refused !== undefined) return { ok: false, error: refused };
    if (!this.worker.alive) this.worker = new SqliteWorker(this.source);
    return this.worker.run(sql, maxRows, timeoutMs);
  }

  /**
   * Like `execute`, but a query that is refused or fails is an error: InputError for a statement that
   * is not a single reading statement or that SQLite rejects, LimitError when the time limit ran out.
   */
  query(sql: string, options: ExecuteOptions = {}): Extract<QueryResult, { ok: true }> {
    if (typeof sql !== 'string') throw new InputError('a query is a string', { where: `database ${this.name}` });
    const refused = refuseNonReading(sql);
    if (refused !== undefined) throw new InputError(refused, { where: `database ${this.name}` });
    const result = this.execute(sql, options);
    if (result.ok) return result;
    if (result.error.startsWith('the query did not finish')) throw new LimitError(`database ${this.name}: ${result.error}`, { limit: 'timeoutMs' });
    throw new InputError(result.error, { where: `database ${this.name}` });
  }

  /** Stops the worker thread; later calls throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.terminate();
  }
}

/** Why `sql` may not run here (it is not one SELECT, WITH or VALUES statement), or undefined. */
export function refuseNonReading(sql: string): string | undefined {
  const keyword = /^[A-Za-z]+/.exec(sql.replace(LEADING_NOISE, ''))?.[0] ?? '';
  if (keyword === '') return 'empty query';
  if (!READING_STATEMENT.test(keyword)) return `only SELECT, WITH and VALUES statements run here (read-only), not ${keyword.toUpperCase()}`;
  return undefined;
}

function readDatabaseFile(path: string, maxBytes: number): Uint8Array {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new InputError('is not a file', { where: path });
    size = stat.size;
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such database file' : `cannot read the database file (${(cause as Error).message})`, { where: path });
  }
  if (size > maxBytes) throw new LimitError(`${path}: the database file has ${size} bytes, more than maxBytes ${maxBytes}`, { limit: 'maxBytes' });
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new InputError(`cannot read the database file (${(cause as Error).message})`, { where: path });
  }
}
