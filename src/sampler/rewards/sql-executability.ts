import { InputError } from '../../errors.js';
import type { ReadOnlyDatabase } from './read-only-database.js';
import { textReward, type Reward } from './reward.js';

export interface SqlExecutabilityOptions {
  /** Score of a query that runs but returns no row (default 1: it executed). In [0, 1]. */
  readonly emptyResult?: number;
  /** Rows read per query at most (default 1); reading one row proves the query runs. */
  readonly maxRows?: number;
  readonly name?: string;
}

/**
 * 1 when the text is one reading SQL statement that runs on `database` (see ReadOnlyDatabase: the
 * database cannot change), `emptyResult` when it runs but returns nothing, else 0.
 *
 * Partial texts are run as they are: a prefix that already executes (complete clauses, as in
 * "SELECT name FROM singer" before " WHERE ...") scores like a finished query. That is a heuristic,
 * not a bound: deciding whether some completion of a prefix executes needs the SQL grammar, which
 * the SQL constraint (not the reward) enforces.
 */
export function sqlExecutability(database: ReadOnlyDatabase, options: SqlExecutabilityOptions = {}): Reward {
  const emptyResult = options.emptyResult ?? 1;
  if (!(emptyResult >= 0 && emptyResult <= 1)) throw new InputError(`emptyResult must be in [0, 1], got ${emptyResult}`, { where: 'sqlExecutability' });
  const maxRows = options.maxRows ?? 1;
  const score = (text: string): number => {
    const result = database.execute(text, { maxRows });
    if (!result.ok) return 0;
    return result.rows.length > 0 ? 1 : emptyResult;
  };
  return textReward(options.name ?? 'sql', { final: score });
}
