import type { SqlValue } from './read-only-database.js';

/**
 * Execution accuracy, as text-to-SQL benchmarks (Spider) count it: a predicted query is correct when
 * its result equals the gold query's result. Rows are compared as a multiset (the order of rows is
 * free) unless `ordered` (the gold query has an ORDER BY), column by column in the order the queries
 * name them; numbers compare by value (2 = 2.0), text and blobs exactly, NULL equals NULL.
 *
 * Stricter than Spider's test-suite evaluation in one way: columns are not matched up to a
 * permutation (`SELECT a, b` against `SELECT b, a` is wrong here).
 */
export function sameResult(gold: readonly (readonly SqlValue[])[], predicted: readonly (readonly SqlValue[])[], ordered: boolean): boolean {
  if (gold.length !== predicted.length) return false;
  const goldKeys = gold.map(rowKey);
  const predictedKeys = predicted.map(rowKey);
  if (ordered) return goldKeys.every((key, i) => key === predictedKeys[i]);
  const counts = new Map<string, number>();
  for (const key of goldKeys) counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const key of predictedKeys) {
    const left = counts.get(key);
    if (!left) return false;
    counts.set(key, left - 1);
  }
  return true;
}

/** True when the query's outermost statement orders its rows (an ORDER BY outside parentheses). */
export function ordersRows(sql: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  let outside = '';
  for (const ch of sql) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '[') quote = ']';
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0) outside += ch;
  }
  return /\border\s+by\b/i.test(outside);
}

function rowKey(row: readonly SqlValue[]): string {
  return JSON.stringify(row.map((v) => (v instanceof Uint8Array ? { blob: [...v] } : typeof v === 'number' ? { n: v } : v)));
}
