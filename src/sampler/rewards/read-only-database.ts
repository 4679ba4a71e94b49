import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { InputError, ModelLoadError } from '../../errors.js';

/** Where a database comes from: SQLite file bytes, a SQLite file, or SQL statements that build it. */
export type DatabaseSource = Uint8Array | { readonly path: string } | { readonly statements: readonly string[] };

/** The outcome of one query: its result table, or why SQLite refused or failed it. */
export type QueryResult =
  | { readonly ok: true; readonly columns: readonly string[]; readonly rows: readonly (readonly SqlValue[])[]; readonly truncated: boolean }
  | { readonly ok: false; readonly error: string };

export type SqlValue = number | string | Uint8Array | null;

export interface ExecuteOptions {
  /** Rows read at most (default 1000); `truncated` says when more were left. Bounds runaway queries. */
  readonly maxRows?: number;
}

// sql.js ships no types: the part of its API used here.
interface SqlJsStatement {
  step(): boolean;
  get(): SqlValue[];
  getColumnNames(): string[];
  getSQL(): string;
  free(): boolean;
}
interface SqlJsIterator {
  next(): { done: boolean; value?: SqlJsStatement };
  getRemainingSQL(): string;
  /** Frees the active statement and the iterator's copy of the SQL text. */
  return(): unknown;
}
interface SqlJsDatabase {
  run(sql: string): void;
  iterateStatements(sql: string): SqlJsIterator;
  close(): void;
}
interface SqlJs {
  Database: new (bytes?: Uint8Array) => SqlJsDatabase;
}

let sqlJs: Promise<SqlJs> | undefined;

/** sql.js (SQLite compiled to WebAssembly), loaded once per process. */
function loadSqlJs(): Promise<SqlJs> {
  if (sqlJs === undefined) {
    const init = createRequire(import.meta.url)('sql.js') as () => Promise<SqlJs>;
    sqlJs = init();
  }
  return sqlJs;
}

/** Statements that only read: a query, a CTE query, a VALUES list. */
const READING_STATEMENT = /^(?:select|with|values)$/i;
/** Leading whitespace and comments before a statement's first keyword. */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?(?:\*\/|$))*/;
/** What may follow the one statement: whitespace, semicolons and comments. */
const EMPTY_TAIL = /^(?:\s|;|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*$/;

/**
 * An in-memory SQLite database (sql.js) that answers queries and cannot be changed by them, by
 * construction:
 * - it is a private copy: the source bytes or file are read once and never written;
 * - a query is exactly one statement, and that statement must be a SELECT, WITH or VALUES, checked on
 *   the text before SQLite prepares anything (preparing a flag PRAGMA already applies it): no PRAGMA,
 *   ATTACH, transaction control or DDL ever reaches SQLite, so the next guard cannot be switched off;
 * - the connection runs with `PRAGMA query_only = 1`, so even a WITH ... DELETE fails.
 * Results are bounded by `maxRows`. What is not bounded: the time of a single row step (sql.js
 * exposes no progress handler), so a query whose first row needs a huge join can still be slow.
 *
 * Used by the SQL executability reward and by the text-to-SQL backend (execution checks).
 */
export class ReadOnlyDatabase {
  private closed = false;

  private constructor(private readonly db: SqlJsDatabase) {}

  static async open(source: DatabaseSource): Promise<ReadOnlyDatabase> {
    const SQL = await loadSqlJs();
    let db: SqlJsDatabase;
    if (source instanceof Uint8Array) {
      db = openBytes(SQL, source, 'bytes');
    } else if ('path' in source) {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(source.path);
      } catch (cause) {
        throw new ModelLoadError(`cannot read the database: ${String(cause)}`, { path: source.path, cause });
      }
      db = openBytes(SQL, bytes, source.path);
    } else if ('statements' in source) {
      db = new SQL.Database();
      for (let i = 0; i < source.statements.length; i++) {
        try {
          db.run(source.statements[i]);
        } catch (cause) {
          db.close();
          throw new InputError(`statement ${i} failed: ${messageOf(cause)}`, { where: 'ReadOnlyDatabase.open' });
        }
      }
    } else {
      throw new InputError('a database source is SQLite bytes, { path } or { statements }', { where: 'ReadOnlyDatabase.open' });
    }
    db.run('PRAGMA query_only = 1');
    return new ReadOnlyDatabase(db);
  }

  /** Runs one reading statement; never throws for a bad query (the result says what went wrong). */
  execute(sql: string, options: ExecuteOptions = {}): QueryResult {
    if (this.closed) throw new InputError('the database was closed', { where: 'ReadOnlyDatabase.execute' });
    const maxRows = options.maxRows ?? 1000;
    if (!(Number.isInteger(maxRows) && maxRows >= 0)) throw new InputError(`maxRows must be an integer >= 0, got ${maxRows}`, { where: 'ReadOnlyDatabase.execute' });
    if (EMPTY_TAIL.test(sql)) return { ok: false, error: 'empty query' };
    // Checked on the text, BEFORE SQLite sees it: preparing a statement already runs some of it
    // (a flag PRAGMA such as query_only takes effect at prepare time).
    const keyword = /^[A-Za-z]+/.exec(sql.replace(LEADING_NOISE, ''))?.[0] ?? '';
    if (!READING_STATEMENT.test(keyword)) return { ok: false, error: `only SELECT, WITH and VALUES queries run here, not ${keyword.toUpperCase() || 'this statement'}` };
    let statements: SqlJsIterator;
    let first: SqlJsStatement | undefined;
    try {
      statements = this.db.iterateStatements(sql);
    } catch (cause) {
      return { ok: false, error: messageOf(cause) };
    }
    try {
      // A failed prepare frees the iterator itself; `return` below is then a no-op.
      first = statements.next().value;
      if (first === undefined) return { ok: false, error: 'empty query' };
      // Only the first statement was prepared; the rest is refused unread.
      if (!EMPTY_TAIL.test(statements.getRemainingSQL())) return { ok: false, error: 'more than one statement' };
      const columns = first.getColumnNames();
      const rows: SqlValue[][] = [];
      let truncated = false;
      while (first.step()) {
        if (rows.length === maxRows) {
          truncated = true;
          break;
        }
        rows.push(first.get());
      }
      return { ok: true, columns, rows, truncated };
    } catch (cause) {
      return { ok: false, error: messageOf(cause) };
    } finally {
      statements.return();
    }
  }

  close(): void {
    if (!this.closed) this.db.close();
    this.closed = true;
  }
}

function openBytes(SQL: SqlJs, bytes: Uint8Array, where: string): SqlJsDatabase {
  try {
    const db = new SQL.Database(bytes);
    // sql.js opens lazily: a file that is not SQLite fails on the first read.
    db.run('SELECT count(*) FROM sqlite_master');
    return db;
  } catch (cause) {
    throw new ModelLoadError(`is not a SQLite database: ${messageOf(cause)}`, { path: where, cause });
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
