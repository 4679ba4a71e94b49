import { InputError } from '../../errors.js';
import type { ChatMessage } from './chat-format.js';

/**
 * The prompt the text-to-SQL backend sends, and the exact format the default model was trained on
 * (tools/corpus renders every question -> SQL pair through this function):
 *
 *   system: SQL_SYSTEM_PREFIX
 *           one compacted CREATE statement per line
 *           [SQL_ROWS_HEADER and one line of sample rows per table]
 *   user:   the question
 *
 * The answer is one SQLite query without a trailing semicolon (as in Spider's gold queries).
 */

export const SQL_SYSTEM_PREFIX = 'Write one SQLite query that answers the question. Answer with SQL only.\nDatabase:\n';
export const SQL_ROWS_HEADER = 'Sample rows:\n';

export interface SampleRows {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/**
 * One statement on one line: runs of whitespace outside quoted literals and identifiers become one
 * space, spaces next to parentheses and commas go, and the statement ends with ';'. Users paste
 * CREATE statements in any layout; the model sees one.
 */
export function compactStatement(statement: string): string {
  let out = '';
  let quote: string | null = null;
  let pendingSpace = false;
  const text = statement.trim();
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== null) {
      out += ch;
      if (ch === quote) quote = null;
      continue;
    }
    // Comments carry no schema; a line comment would swallow the rest of a one-line statement.
    if (ch === '-' && text[i + 1] === '-') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol - 1;
      pendingSpace = out.length > 0;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 1;
      pendingSpace = out.length > 0;
      continue;
    }
    if (/\s/.test(ch)) {
      pendingSpace = out.length > 0;
      continue;
    }
    if (pendingSpace && !(ch === ')' || ch === ',' || ch === ';') && !out.endsWith('(')) out += ' ';
    pendingSpace = false;
    out += ch;
    if (ch === "'" || ch === '"' || ch === '`' || ch === '[') quote = ch === '[' ? ']' : ch;
  }
  if (quote !== null) throw new InputError(`unterminated ${quote} literal in ${JSON.stringify(statement.slice(0, 60))}`, { where: 'createStatements' });
  while (out.endsWith(';')) out = out.slice(0, -1).trimEnd();
  return out + ';';
}

/** A value as an SQL literal: strings single-quoted (quotes doubled), null as NULL. */
function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** `table(col, ...): (v, ...), (v, ...)` — one line per table. */
export function formatSampleRows(sample: SampleRows): string {
  const rows = sample.rows.map((row) => `(${row.map(sqlLiteral).join(', ')})`).join(', ');
  return `${sample.table}(${sample.columns.join(', ')}): ${rows}`;
}

/** Splits a script of several statements at top-level semicolons (quotes respected). */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (quote !== null) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '[') quote = ']';
    else if (ch === ';') {
      if (script.slice(start, i).trim()) statements.push(script.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (script.slice(start).trim()) statements.push(script.slice(start));
  return statements;
}

/**
 * The chat messages that ask the default model for a query over the database described by
 * `createStatements` (an array of statements, or one script with several).
 */
export function sqlPrompt(
  createStatements: readonly string[] | string,
  question: string,
  sampleRows?: readonly SampleRows[],
): ChatMessage[] {
  const statements = typeof createStatements === 'string' ? splitStatements(createStatements) : createStatements.flatMap(splitStatements);
  if (statements.length === 0) throw new InputError('no CREATE statement given', { where: 'createStatements' });
  let system = SQL_SYSTEM_PREFIX + statements.map(compactStatement).join('\n');
  if (sampleRows && sampleRows.length > 0) system += '\n' + SQL_ROWS_HEADER + sampleRows.map(formatSampleRows).join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: question.trim() },
  ];
}
