import { InputError } from '../../errors.js';
import type { CompiledGrammar } from '../../grammar/cfg/index.js';
import { compileSqlGrammar, sqlGrammarSource, type SqlGrammarOptions, type SqlSourceOptions } from '../../grammar/sql/index.js';
import type { SampleRows } from '../prompts/sql-prompt.js';
import { createStatements, introspectDatabase, sampleRows, type DatabaseSchema } from './database-schema.js';
import { ReadOnlyDatabase, type DatabaseSource, type ExecuteOptions, type OpenDatabaseOptions, type QueryResult } from './read-only-database.js';

/** How a database's grammar is made (see SqlSourceOptions and SqlGrammarOptions). */
export type DatabaseGrammarOptions = SqlSourceOptions & Pick<SqlGrammarOptions, 'maxWhitespace'>;

function grammarKey(options: DatabaseGrammarOptions): string {
  return JSON.stringify([options.implicitAliases ?? false, options.aliases ?? 'any', options.functions ?? 'all', options.maxWhitespace ?? null]);
}

/**
 * A database ready for text-to-SQL: the read-only connection, its schema, the CREATE statements and
 * sample rows the prompt shows, and its schema-aware SQL grammar (compiled on first use, then kept:
 * the grammar machine's memoised states and masks serve every later question).
 */
export class SqlDatabase {
  private readonly grammars = new Map<string, CompiledGrammar>();
  private readonly samples = new Map<number, SampleRows[]>();
  /** The CREATE statements the prompt shows (canonical style, see createStatements). */
  readonly createStatements: readonly string[];

  private constructor(
    readonly connection: ReadOnlyDatabase,
    readonly schema: DatabaseSchema,
  ) {
    this.createStatements = createStatements(schema);
  }

  /** Opens a SQLite file (a path), file bytes, or a database built from statements. See ReadOnlyDatabase.open. */
  static async open(source: DatabaseSource | string, options: OpenDatabaseOptions = {}): Promise<SqlDatabase> {
    const connection = await ReadOnlyDatabase.open(typeof source === 'string' ? { path: source } : source, options);
    try {
      const schema = introspectDatabase(connection);
      if (schema.tables.length === 0) throw new InputError('the database has no tables or views', { where: connection.name });
      return new SqlDatabase(connection, schema);
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  get name(): string {
    return this.connection.name;
  }

  /** The schema-aware grammar of this database (one per set of options, kept). */
  grammar(options: DatabaseGrammarOptions = {}): CompiledGrammar {
    const key = grammarKey(options);
    let grammar = this.grammars.get(key);
    if (grammar === undefined) {
      grammar = compileSqlGrammar(this.schema, { ...options, sourceName: `${this.name}.sql.lark` });
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  /** The grammar's Lark text (what `grammar()` compiles, before SQLite's lexical rules). */
  grammarSource(options: SqlSourceOptions = {}): string {
    return sqlGrammarSource(this.schema, options);
  }

  /** A key that tells the grammars of these options apart, across databases with the same schema. */
  grammarKey(options: DatabaseGrammarOptions = {}): string {
    return `${grammarKey(options)}\0${this.grammarSource(options)}`;
  }

  /** The first `rows` rows of every table, as the prompt shows them (memoised per count). */
  sampleRows(rows = 2): SampleRows[] {
    let sample = this.samples.get(rows);
    if (sample === undefined) this.samples.set(rows, (sample = sampleRows(this.connection, this.schema, { rows })));
    return sample;
  }

  execute(sql: string, options?: ExecuteOptions): QueryResult {
    return this.connection.execute(sql, options);
  }

  query(sql: string, options?: ExecuteOptions): Extract<QueryResult, { ok: true }> {
    return this.connection.query(sql, options);
  }

  close(): void {
    this.connection.close();
  }
}
