import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { InputError } from '../../errors.js';
import { SqlDatabase } from '../sql/sql-database.js';
import { HttpError } from './http-error.js';

interface OpenEntry {
  readonly opening: Promise<SqlDatabase>;
  users: number;
  evicted: boolean;
}

function closeWhenOpen(entry: OpenEntry): void {
  entry.opening.then((db) => db.close(), () => undefined);
}

/** File extensions taken for SQLite databases in a database folder. */
const DATABASE_EXTENSIONS = new Set(['.sqlite', '.sqlite3', '.db']);
/** Names a request may use: no path separators, no leading dot (never a way out of the folder). */
const DATABASE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * The databases a service answers questions about, by name. Requests never name files: the operator
 * lists the files (`--db FILE`, `--db NAME=FILE`) or a folder (`--db-dir DIR`: DIR/NAME.sqlite, or
 * DIR/NAME/NAME.sqlite as Spider lays them out), so a client cannot read an arbitrary file.
 * Databases are opened on first use and kept (at most `maxOpen`, least recently used closed first).
 */
export class DatabaseRegistry {
  private readonly files = new Map<string, string>();
  private readonly open = new Map<string, OpenEntry>();

  constructor(
    sources: { readonly files?: readonly string[]; readonly dirs?: readonly string[] },
    private readonly options: { readonly maxOpen?: number; readonly timeoutMs?: number } = {},
  ) {
    for (const spec of sources.files ?? []) {
      const eq = spec.indexOf('=');
      const path = resolve(eq > 0 ? spec.slice(eq + 1) : spec);
      const name = eq > 0 ? spec.slice(0, eq) : basename(path, extname(path));
      if (!DATABASE_NAME.test(name)) throw new InputError(`database name ${JSON.stringify(name)} may only use letters, digits, _ . - (use NAME=FILE)`, { where: '--db' });
      if (!existsSync(path)) throw new InputError(`${path} does not exist`, { where: '--db' });
      this.add(name, path, '--db');
    }
    for (const dir of sources.dirs ?? []) {
      const root = resolve(dir);
      if (!existsSync(root) || !statSync(root).isDirectory()) throw new InputError(`${root} is not a folder`, { where: '--db-dir' });
      for (const entry of readdirSync(root).sort()) {
        const path = join(root, entry);
        const nested = join(path, `${entry}.sqlite`);
        if (DATABASE_EXTENSIONS.has(extname(entry)) && statSync(path).isFile()) this.add(basename(entry, extname(entry)), path, '--db-dir');
        else if (existsSync(nested) && statSync(nested).isFile()) this.add(entry, nested, '--db-dir');
      }
    }
  }

  /** Database names, sorted. */
  names(): string[] {
    return [...this.files.keys()].sort();
  }

  /**
   * Runs `work` with the open database called `name` (HttpError 404 when there is none). A database
   * in use is never closed under its user: eviction waits until its last user is done.
   */
  async use<T>(name: unknown, work: (db: SqlDatabase) => Promise<T>): Promise<T> {
    if (typeof name !== 'string' || name === '') throw new InputError('database must be the name of a database of this service', { where: 'database' });
    const path = this.files.get(name);
    if (path === undefined) {
      const known = this.names();
      throw new HttpError(404, 'UNKNOWN_DATABASE', `unknown database ${JSON.stringify(name)} (this service has ${known.length > 0 ? known.slice(0, 20).join(', ') : 'none'})`);
    }
    let entry = this.open.get(name);
    if (entry === undefined) {
      entry = { opening: SqlDatabase.open(path, { name, timeoutMs: this.options.timeoutMs }), users: 0, evicted: false };
      this.open.set(name, entry);
      const opened = entry;
      opened.opening.catch(() => {
        if (this.open.get(name) === opened) this.open.delete(name);
      });
    } else {
      // Least recently used first out: re-insert on use.
      this.open.delete(name);
      this.open.set(name, entry);
    }
    entry.users++;
    this.evict();
    try {
      return await work(await entry.opening);
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) closeWhenOpen(entry);
    }
  }

  /** Closes every open database (call once no request runs any more). */
  async close(): Promise<void> {
    const entries = [...this.open.values()];
    this.open.clear();
    for (const db of await Promise.allSettled(entries.map((e) => e.opening))) if (db.status === 'fulfilled') db.value.close();
  }

  private add(name: string, path: string, where: string): void {
    const known = this.files.get(name);
    if (known !== undefined && known !== path) throw new InputError(`two databases are called ${JSON.stringify(name)}: ${known} and ${path}`, { where });
    this.files.set(name, path);
  }

  private evict(): void {
    const maxOpen = this.options.maxOpen ?? 16;
    for (const [name, entry] of this.open) {
      if (this.open.size <= maxOpen) break;
      if (entry.users > 0) continue;
      this.open.delete(name);
      entry.evicted = true;
      closeWhenOpen(entry);
    }
  }
}
