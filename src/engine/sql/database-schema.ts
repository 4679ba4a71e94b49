import { InputError } from '../../errors.js';
import { isBareIdentifier } from '../../grammar/sql/index.js';
import type { SampleRows } from '../prompts/sql-prompt.js';
import type { ReadOnlyDatabase, SqlValue } from './read-only-database.js';

export interface ColumnInfo {
  readonly name: string;
  /** The declared type as written (may be empty: SQLite columns need no type). */
  readonly type: string;
  readonly notNull: boolean;
  /** 1-based position in the table's primary key, 0 when the column is not part of it. */
  readonly primaryKey: number;
}

export interface ForeignKey {
  /** The columns of this table, in order. */
  readonly columns: readonly string[];
  readonly table: string;
  /** The referenced columns (empty: the referenced table's primary key). */
  readonly references: readonly string[];
}

export interface TableInfo {
  readonly name: string;
  readonly kind: 'table' | 'view';
  /** The CREATE statement as stored in the database. */
  readonly sql: string;
  readonly columns: readonly ColumnInfo[];
  readonly primaryKey: readonly string[];
  readonly foreignKeys: readonly ForeignKey[];
}

/** What a database holds, as the SQL grammar and the prompt need it. */
export interface DatabaseSchema {
  /** Tables and views in creation order; SQLite's own sqlite_* tables are left out. */
  readonly tables: readonly TableInfo[];
  /** Functions the engine offers (lowercase, from pragma_function_list). */
  readonly functions: readonly string[];
}

/** Reads tables, views, columns, keys and functions from the database's catalogue. */
export function introspectDatabase(db: ReadOnlyDatabase): DatabaseSchema {
  const objects = db.query(
    `SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid`,
    { maxRows: 100_000 },
  ).rows;
  const tables = objects.map(([type, name, sql]): TableInfo => {
    const table = String(name);
    const columns = db.query(`SELECT name, type, "notnull", pk FROM pragma_table_info(${stringLiteral(table)})`, { maxRows: 100_000 }).rows.map(
      ([column, declared, notNull, pk]): ColumnInfo => ({ name: String(column), type: String(declared ?? ''), notNull: notNull === 1, primaryKey: Number(pk) }),
    );
    const primaryKey = columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey).map((c) => c.name);
    return { name: table, kind: type === 'view' ? 'view' : 'table', sql: String(sql ?? ''), columns, primaryKey, foreignKeys: foreignKeysOf(db, table) };
  });
  const functions = db.query('SELECT DISTINCT name FROM pragma_function_list', { maxRows: 100_000 }).rows.map(([n]) => String(n).toLowerCase());
  return { tables, functions };
}

function foreignKeysOf(db: ReadOnlyDatabase, table: string): ForeignKey[] {
  const rows = db.query(`SELECT id, seq, "table", "from", "to" FROM pragma_foreign_key_list(${stringLiteral(table)}) ORDER BY id, seq`, { maxRows: 100_000 }).rows;
  const keys = new Map<number, { columns: string[]; table: string; references: string[] }>();
  for (const [id, , target, from, to] of rows) {
    let key = keys.get(Number(id));
    if (key === undefined) keys.set(Number(id), (key = { columns: [], table: String(target), references: [] }));
    key.columns.push(String(from));
    if (to !== null) key.references.push(String(to));
  }
  return [...keys.values()];
}

/**
 * The CREATE statements the prompt shows.
 * - 'original': as stored in the database (whatever layout, comments and declared types it has);
 * - 'canonical' (default): rebuilt from the schema in the style the default model was trained on
 *   (tools/corpus): `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, owner INTEGER REFERENCES
 *   people(id))`, types as SQLite's affinities (INTEGER, REAL, TEXT, NUMERIC, BLOB), names quoted
 *   only where SQL needs it. Much shorter than the originals of real databases (Spider's world_1:
 *   227 tokens of the default model's tokenizer instead of 783), which matters in a 512-token
 *   context. Views keep their own text.
 */
export function createStatements(schema: DatabaseSchema, style: 'canonical' | 'original' = 'canonical'): string[] {
  return schema.tables
    .filter((t) => style === 'canonical' || t.sql.trim() !== '')
    .map((t) => (style === 'original' || t.kind === 'view' ? t.sql : canonicalCreate(t)));
}

function canonicalCreate(table: TableInfo): string {
  const singleKey = table.primaryKey.length === 1 ? table.primaryKey[0] : undefined;
  const inlineReference = new Map<string, ForeignKey>();
  for (const key of table.foreignKeys) if (key.columns.length === 1) inlineReference.set(key.columns[0], key);
  const parts = table.columns.map((c) => {
    const type = affinity(c.type);
    const reference = inlineReference.get(c.name);
    return [
      sqlName(c.name),
      type,
      c.name === singleKey ? 'PRIMARY KEY' : '',
      reference === undefined ? '' : `REFERENCES ${sqlName(reference.table)}${reference.references.length === 1 ? `(${sqlName(reference.references[0])})` : ''}`,
    ]
      .filter((p) => p !== '')
      .join(' ');
  });
  if (table.primaryKey.length > 1) parts.push(`PRIMARY KEY (${table.primaryKey.map(sqlName).join(', ')})`);
  for (const key of table.foreignKeys) {
    if (key.columns.length === 1) continue;
    const to = key.references.length > 0 ? ` (${key.references.map(sqlName).join(', ')})` : '';
    parts.push(`FOREIGN KEY (${key.columns.map(sqlName).join(', ')}) REFERENCES ${sqlName(key.table)}${to}`);
  }
  return `CREATE TABLE ${sqlName(table.name)} (${parts.join(', ')})`;
}

/** SQLite's type affinity of a declared type (https://sqlite.org/datatype3.html, section 3.1); '' for none. */
export function affinity(declared: string): string {
  const type = declared.toUpperCase();
  if (type.trim() === '') return '';
  if (type.includes('INT')) return 'INTEGER';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'TEXT';
  if (type.includes('BLOB')) return 'BLOB';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/** A name as SQL needs it: bare when it is a plain identifier that SQLite does not reserve, else quoted. */
function sqlName(name: string): string {
  return isBareIdentifier(name) ? name : quoteIdentifier(name);
}

export interface SampleRowsOptions {
  /** Rows per table (default 2). */
  readonly rows?: number;
  /** Longer text values are cut to this many characters, with "..." (default 40). */
  readonly maxTextLength?: number;
}

/** The first rows of every table (views are left out: they may be expensive to compute). */
export function sampleRows(db: ReadOnlyDatabase, schema: DatabaseSchema, options: SampleRowsOptions = {}): SampleRows[] {
  const count = options.rows ?? 2;
  const maxText = options.maxTextLength ?? 40;
  if (!(Number.isInteger(count) && count >= 0)) throw new InputError(`rows must be an integer >= 0, got ${count}`, { where: 'sampleRows' });
  if (count === 0) return [];
  return schema.tables
    .filter((t) => t.kind === 'table')
    .map((t) => {
      const result = db.execute(`SELECT * FROM ${quoteIdentifier(t.name)} LIMIT ${count}`, { maxRows: count });
      const rows = result.ok ? result.rows.map((row) => row.map((v) => shorten(v, maxText))) : [];
      return { table: t.name, columns: t.columns.map((c) => c.name), rows };
    })
    .filter((s) => s.rows.length > 0);
}

function shorten(value: SqlValue, max: number): SqlValue {
  if (typeof value === 'string' && value.length > max) return `${value.slice(0, max)}...`;
  // Blobs have no useful text form in a prompt.
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value;
}

/** `text` as an SQL string literal. */
export function stringLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** `name` as a double-quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
