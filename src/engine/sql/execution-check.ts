import { InputError } from '../../errors.js';
import type { Vocabulary } from '../../grammar/vocab/vocabulary.js';
import { textPredicate, type TextState } from '../../sampler/potential/text-potential.js';
import type { Potential } from '../../sampler/potential/potential.js';
import { textReward, type Reward } from '../../sampler/rewards/reward.js';
import { nameBindingCheck, type NameBindingSchema } from './name-binding.js';
import type { ReadOnlyDatabase } from './read-only-database.js';

export interface ExecutionCheckOptions {
  /** Time limit of one check in milliseconds (default: the database's); a query that runs longer fails. */
  readonly timeoutMs?: number;
}

/**
 * True when `sql` runs on the database: one reading statement that SQLite prepares (tables, columns,
 * aliases, functions and their arities resolve) and whose first row (or end) it reaches within the
 * time limit. Reading one row is what separates "compiles" from "runs" (a runtime error such as an
 * integer overflow shows there) without paying for the whole result.
 */
export function executes(db: ReadOnlyDatabase, sql: string, options: ExecutionCheckOptions = {}): boolean {
  return db.execute(sql, { maxRows: 1, timeoutMs: options.timeoutMs }).ok;
}

/**
 * The execution check as a boolean potential: a finished query that does not run (see `executes`)
 * has weight 0, so EOS is refused there. Plugged into runSampler's `potentials`, it is an AWRS check
 * (EOS is proposed, checked, and rejected if the query fails: sampling goes on) or an SMC condition
 * (the particle's completion is refused).
 *
 * With `schema` (the database's tables and columns), prefixes are checked too, for what can be
 * decided early: a qualified name that provably cannot bind (`T2.nme` after `FROM concert AS T2`
 * is complete; see name-binding.ts) ends the prefix there. Everything else about a prefix is the
 * grammar's question, which the SQL constraint answers with masks.
 */
export function executionPotential(
  db: ReadOnlyDatabase,
  options: ExecutionCheckOptions & { readonly vocabulary: Vocabulary; readonly eosId?: number; readonly schema?: NameBindingSchema },
): Potential<TextState> {
  const prefix = options.schema === undefined ? undefined : nameBindingCheck(options.schema);
  return textPredicate({ complete: (text) => executes(db, text, options), prefix }, { vocabulary: options.vocabulary, eosId: options.eosId });
}

export interface ExecutionRewardOptions extends ExecutionCheckOptions {
  /**
   * Score of a query that runs but returns no row, in [0, 1] (default 1: it executed). Lower it when
   * an empty answer is a likely sign of a wrong query (a misspelt value in a WHERE clause).
   */
  readonly emptyResult?: number;
  readonly name?: string;
}

/**
 * SQL executability as a reward for DeAL / Transfer Q* (src/sampler/alignment): 1 when the text runs
 * on the database and returns a row, `emptyResult` when it runs and returns none, 0 when it does not
 * run (see `executes`: refused, rejected by SQLite, or past the time limit). The database cannot
 * change (see ReadOnlyDatabase), so a search may run whatever the model writes.
 *
 * For unfinished texts (lookaheads) the prefix itself is run: a prefix that already runs ("SELECT
 * name FROM singer" before " WHERE ...") scores like a finished query. That is a heuristic, not a
 * bound: whether some completion of a prefix runs is the grammar's question, which the SQL constraint
 * answers with masks.
 */
export function executionReward(db: ReadOnlyDatabase, options: ExecutionRewardOptions = {}): Reward {
  const emptyResult = options.emptyResult ?? 1;
  if (!(emptyResult >= 0 && emptyResult <= 1)) throw new InputError(`emptyResult must be in [0, 1], got ${emptyResult}`, { where: 'executionReward' });
  const score = (text: string): number => {
    // One row is enough to tell "returns rows" from "returns none".
    const result = db.execute(text, { maxRows: 1, timeoutMs: options.timeoutMs });
    if (!result.ok) return 0;
    return result.rows.length > 0 ? 1 : emptyResult;
  };
  return textReward(options.name ?? 'sql-executes', { final: score });
}
