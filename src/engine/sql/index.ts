/**
 * The text-to-SQL backend: read-only SQLite (sql.js in a worker, time-limited), introspection and the
 * schema prompt, the execution check (a potential for samplers, a reward for search), and sql().
 */
export { sql, DEFAULT_ALIASES, type SqlOptions, type SqlResult } from './sql.js';
export { SqlDatabase, type DatabaseGrammarOptions } from './sql-database.js';
export {
  ReadOnlyDatabase,
  refuseNonReading,
  type DatabaseSource,
  type ExecuteOptions,
  type OpenDatabaseOptions,
  type QueryResult,
  type SqlValue,
} from './read-only-database.js';
export {
  affinity,
  createStatements,
  introspectDatabase,
  sampleRows,
  type ColumnInfo,
  type DatabaseSchema,
  type ForeignKey,
  type SampleRowsOptions,
  type TableInfo,
} from './database-schema.js';
export { executes, executionPotential, executionReward, type ExecutionCheckOptions, type ExecutionRewardOptions } from './execution-check.js';
export { nameBindingCheck, type NameBindingSchema } from './name-binding.js';
export { ordersRows, sameResult } from './result-match.js';
