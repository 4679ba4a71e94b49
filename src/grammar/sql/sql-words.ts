/**
 * The words of SQLite's SELECT dialect that the SQL grammar knows, and which of them SQLite reserves.
 * Measured on the SQLite of sql.js 1.16 (3.54): a word is reserved when `CREATE TABLE t(<word> int)`
 * fails; the others are keywords that SQLite's parser falls back to identifiers for (DESC, KEY, LEFT,
 * REPLACE...), so a column may be named after them.
 */

/** Keywords that can never be a bare identifier (they must be quoted: "order", [group]). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  `add all alter and as autoincrement between case cast check collate commit constraint create current_date
   current_time current_timestamp default deferrable delete distinct drop else escape except exists foreign from
   group having in index insert intersect into is isnull join limit not nothing notnull null on or order primary
   raise references returning select set table then to transaction union unique update using values when where`
    .split(/\s+/)
    .filter((w) => w !== ''),
);

/** Aggregate functions: `name(DISTINCT? expr, ...)`; count also takes `*`. */
export const AGGREGATE_FUNCTIONS: readonly string[] = ['avg', 'count', 'group_concat', 'max', 'min', 'string_agg', 'sum', 'total'];

/**
 * Scalar functions offered by the grammar: SQLite's core, date/time and math functions, minus those
 * that report on the connection (changes, last_insert_rowid) or on the build (sqlite_*). A database's
 * grammar keeps only those its engine has (pragma_function_list).
 */
export const SCALAR_FUNCTIONS: readonly string[] = `
  abs char coalesce concat concat_ws date datetime format glob hex ifnull iif instr julianday length like
  likelihood likely lower ltrim nullif octet_length printf quote random replace round rtrim sign strftime substr
  substring time timediff trim typeof unhex unicode unixepoch unlikely upper zeroblob
  acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log log10 log2 mod pi pow power
  radians sin sinh sqrt tan tanh trunc
  json json_array json_array_length json_extract json_object json_quote json_type json_valid`
  .split(/\s+/)
  .filter((w) => w !== '');

/**
 * The functions text-to-SQL questions need (aggregates, text, numbers, dates, NULL handling): what a
 * generation grammar offers with `functions: 'common'`, so that a model unsure of its next word
 * finds the database's own names rather than acosh or json_quote.
 */
export const COMMON_FUNCTIONS: readonly string[] = [
  ...AGGREGATE_FUNCTIONS,
  ...'abs coalesce date datetime ifnull iif instr julianday length lower ltrim nullif replace round rtrim strftime substr substring time trim typeof upper'.split(' '),
];

/** Type names accepted in CAST(expr AS type): SQLite's affinity names and their common spellings. */
export const TYPE_NAMES: readonly string[] = [
  'bigint', 'blob', 'boolean', 'char', 'date', 'datetime', 'decimal', 'double', 'float', 'int', 'integer', 'numeric',
  'real', 'smallint', 'text', 'varchar',
];

/** Built-in collating sequences. */
export const COLLATIONS: readonly string[] = ['binary', 'nocase', 'rtrim'];

/** True when `name` can be written without quotes: an SQLite identifier that is not reserved. */
export function isBareIdentifier(name: string): boolean {
  return BARE_IDENTIFIER.test(name) && !RESERVED_WORDS.has(name.toLowerCase());
}

/**
 * SQLite's identifier characters: ASCII letters, digits, `_` and `$` (not first), and every non-ASCII
 * character (SQLite treats any byte >= 0x80 as an identifier byte).
 */
const BARE_IDENTIFIER = /^[A-Za-z_\u0080-\u{10FFFF}][A-Za-z0-9_$\u0080-\u{10FFFF}]*$/u;
