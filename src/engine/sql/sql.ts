import { InputError, LimitError, throwIfAborted } from '../../errors.js';
import type { TokenAutomaton } from '../../grammar/automaton/token-automaton.js';
import { createTokenAutomaton } from '../../grammar/automaton/trie-token-automaton.js';
import type { ByteMachine } from '../../grammar/automaton/byte-machine.js';
import { compileSqlGrammar } from '../../grammar/sql/index.js';
import type { Potential } from '../../sampler/potential/potential.js';
import { runSampler, type SamplerKind } from '../../sampler/run-sampler.js';
import { generatedOutput, type GenerateFinishReason, type GenerateUsage } from '../generate/generate-result.js';
import { Model, sharedModel, type EncodedPrompt, type PromptOptions } from '../generate/model.js';
import { IncompleteOutputError, NoValidOutputError } from '../generate/output-errors.js';
import { sqlPrompt } from '../prompts/sql-prompt.js';
import { executes, executionPotential } from './execution-check.js';
import type { SqlValue } from './read-only-database.js';
import { SqlDatabase } from './sql-database.js';

export interface SqlOptions extends PromptOptions {
  /** A loaded Model, a model directory, or omitted: the default model. */
  readonly model?: Model | string;
  /** An open SqlDatabase (reused across questions), a SQLite file path, or file bytes. */
  readonly database: SqlDatabase | string | Uint8Array;
  /** The question, in the user's words. */
  readonly question: string;
  /** Rows per table shown in the prompt (default 2; 0: none). Dropped when the prompt would not fit the context. */
  readonly sampleRows?: number;
  /**
   * Which grammar constrains the query: 'schema' (default: only the database's tables and columns),
   * 'plain' (any SQLite SELECT), or 'none' (free text; the execution check still applies).
   */
  readonly grammar?: 'schema' | 'plain' | 'none';
  /**
   * Table alias names the schema grammar allows (default T1..T9, the Spider convention the default
   * model learned; 'any' for every identifier). See SqlSourceOptions.aliases: a fixed list keeps
   * alias-qualified columns from opening expressions to every identifier.
   */
  readonly aliases?: 'any' | readonly string[];
  /** Functions the schema grammar offers: 'common' (default, COMMON_FUNCTIONS) or 'all'. */
  readonly functions?: 'all' | 'common';
  /** Longest whitespace run between tokens (default 6: a newline and some indentation). */
  readonly maxWhitespace?: number;
  /** Default true: a completed query that does not run on the database is refused while sampling. */
  readonly check?: boolean;
  /** Default true: run the final query and return its rows. */
  readonly execute?: boolean;
  /** Rows returned at most (default 100). */
  readonly maxRows?: number;
  /** Time limit of each query run (checks and the final run), in milliseconds (default: the database's, 2000). */
  readonly timeoutMs?: number;
  /**
   * 'greedy' (default: the most likely allowed token at each step, the usual decoding for
   * text-to-SQL), or a sampler: 'awrs', 'masked', 'smc', 'sample' (see runSampler). Measured on
   * Spider dev with the default model (bench/RESULTS.md, "Text-to-SQL on Spider", maxTokens 160):
   * greedy completed a runnable query for 253 of 720 questions (35.1%), AWRS sampling at temperature
   * 1 for 8 of the first 100: a small model's sampled tails wander off.
   */
  readonly sampler?: SamplerKind;
  readonly particles?: number;
  readonly temperature?: number;
  readonly seed?: number;
  /**
   * Most tokens of the query (default 256). bench/sql.ts measures with 160 (its --max-tokens
   * default), so the figures in bench/RESULTS.md are for 160.
   */
  readonly maxTokens?: number;
  /** Work limit of one grammar mask (see GenerateSettings.maskFuel; default unlimited). */
  readonly maskFuel?: number;
  readonly signal?: AbortSignal;
}

export interface SqlResult {
  /** The generated query (whitespace around it removed). */
  readonly sql: string;
  /** Its result, when it ran. */
  readonly columns?: readonly string[];
  readonly rows?: readonly (readonly SqlValue[])[];
  /** True when the result had more than `maxRows` rows. */
  readonly truncated?: boolean;
  /** Why the query did not run (only with `check: false`, or a failure at a later row). */
  readonly error?: string;
  readonly tokens: readonly number[];
  readonly finishReason: GenerateFinishReason;
  readonly usage: GenerateUsage;
}

/**
 * Answers a question about a SQLite database with one query, generated under the database's SQL
 * grammar and the execution check, then runs it read-only:
 *
 *   const { sql, rows } = await sql({ database: 'concert_singer.sqlite', question: 'How many singers are there?' });
 *
 * The prompt shows the schema (CREATE statements and sample rows) in the format of sqlPrompt, the one
 * the default model was trained on. Throws InputError for a database that cannot be opened,
 * IncompleteOutputError when no query completed within maxTokens, NoValidOutputError when every
 * attempt was refused.
 */
export async function sql(options: SqlOptions): Promise<SqlResult> {
  const started = performance.now();
  if (options === null || typeof options !== 'object') throw new InputError('sql() takes an options object', { where: 'sql' });
  const { signal } = options;
  throwIfAborted(signal);
  if (typeof options.question !== 'string' || options.question.trim() === '') throw new InputError('question must be a non-empty string', { where: 'sql' });
  const maxTokens = options.maxTokens ?? 256;
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new InputError(`maxTokens must be an integer >= 1, got ${maxTokens}`, { where: 'sql' });
  const maxRows = options.maxRows ?? 100;
  const grammarKind = options.grammar ?? 'schema';
  if (!['schema', 'plain', 'none'].includes(grammarKind)) throw new InputError(`grammar must be 'schema', 'plain' or 'none', got ${JSON.stringify(grammarKind)}`, { where: 'sql' });

  const maxWhitespace = options.maxWhitespace ?? 6;
  const grammarOptions = { aliases: options.aliases ?? DEFAULT_ALIASES, functions: options.functions ?? 'common', maxWhitespace };
  const model = options.model instanceof Model ? options.model : await sharedModel(options.model);
  if (model.isDisposed) throw new InputError('the model was disposed', { where: 'model' });
  const owned = !(options.database instanceof SqlDatabase);
  const database = options.database instanceof SqlDatabase ? options.database : await openDatabase(options.database, options.timeoutMs);
  try {
    throwIfAborted(signal);
    const constraint =
      grammarKind === 'none'
        ? undefined
        : grammarKind === 'plain'
          ? sqlConstraint(model, `plain\0${maxWhitespace}`, () => compileSqlGrammar(undefined, { sourceName: 'sqlite.lark', maxWhitespace }))
          : sqlConstraint(model, database.grammarKey(grammarOptions), () => database.grammar(grammarOptions));
    const prompt = encodeQuestion(model, database, options);
    const potentials: Potential<unknown>[] = [];
    if (options.check !== false) {
      const check = executionPotential(database.connection, {
        vocabulary: model.vocabulary,
        eosId: model.decoder.eosId,
        timeoutMs: options.timeoutMs,
        schema: database.schema,
      });
      potentials.push(check as Potential<unknown>);
    }
    const run = await runSampler({
      decoder: model.decoder,
      promptIds: prompt.ids,
      constraint: constraint?.automaton,
      potentials,
      sampler: options.sampler ?? 'greedy',
      particles: options.particles,
      temperature: options.temperature,
      seed: options.seed,
      maxTokens,
      maskFuel: options.maskFuel,
      signal,
      decode: (tokens) => model.vocabulary.decode(tokens),
    });
    throwIfAborted(signal);
    const { tokens, bytes, text, usage } = generatedOutput(run, model.vocabulary, prompt.ids.length, started);
    const failure = { text, tokens, usage };
    if (run.finishReason === 'dead' || !(run.logWeight > -Infinity || run.finishReason === 'length')) throw new NoValidOutputError({ reason: 'dead', ...failure });
    if (constraint !== undefined && !constraint.check(text, bytes).ok) {
      if (run.finishReason === 'length') throw new IncompleteOutputError({ ...failure, maxTokens });
      throw new NoValidOutputError({ reason: 'invalid', errors: ['the query is not complete under the SQL grammar'], ...failure });
    }
    // Stopped by maxTokens where the grammar could end: EOS was never proposed, so the execution
    // check has not seen this text. A query that does not run is as unfinished as a cut-off one.
    if (run.finishReason === 'length' && options.check !== false && !executes(database.connection, text, { timeoutMs: options.timeoutMs })) {
      throw new IncompleteOutputError({ ...failure, maxTokens });
    }
    const finishReason: GenerateFinishReason = run.finishReason === 'length' ? 'length' : 'stop';
    const base = { sql: text.trim(), tokens, finishReason, usage };
    if (options.execute === false) return base;
    const result = database.execute(text, { maxRows, timeoutMs: options.timeoutMs });
    if (!result.ok) return { ...base, error: result.error };
    return { ...base, columns: result.columns, rows: result.rows, truncated: result.truncated };
  } finally {
    if (owned) database.close();
  }
}

/** T1..T9: the aliases of Spider's gold queries and of the default model's training corpus. */
export const DEFAULT_ALIASES: readonly string[] = Array.from({ length: 9 }, (_, i) => `T${i + 1}`);

async function openDatabase(source: string | Uint8Array, timeoutMs: number | undefined): Promise<SqlDatabase> {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw new InputError('database must be an SqlDatabase, a SQLite file path or file bytes', { where: 'sql' });
  }
  return SqlDatabase.open(source, { timeoutMs });
}

/**
 * The question's prompt: the schema with sample rows when they fit the model's context (with room
 * for the query), without them otherwise; a schema that does not fit at all is a LimitError.
 */
function encodeQuestion(model: Model, database: SqlDatabase, options: SqlOptions): EncodedPrompt {
  const rows = options.sampleRows ?? 2;
  if (!(Number.isInteger(rows) && rows >= 0)) throw new InputError(`sampleRows must be an integer >= 0, got ${rows}`, { where: 'sql' });
  const room = Math.min(options.maxTokens ?? 256, 64);
  const encode = (withRows: boolean) =>
    model.encodePrompt(sqlPrompt(database.createStatements, options.question, withRows && rows > 0 ? database.sampleRows(rows) : undefined), options);
  let prompt = encode(true);
  if (rows > 0 && prompt.ids.length + room > model.decoder.maxLength) prompt = encode(false);
  if (prompt.ids.length >= model.decoder.maxLength) {
    throw new LimitError(`the schema prompt of ${database.name} has ${prompt.ids.length} tokens; the model's context holds ${model.decoder.maxLength}`, {
      limit: 'context',
    });
  }
  return prompt;
}

/**
 * The token automaton of a SQL grammar for the model, kept in the model's constraint cache under the
 * grammar's text: databases with the same schema share it, and its mask cache, across calls.
 */
function sqlConstraint(model: Model, key: string, compile: () => ByteMachine<unknown>) {
  return model.constraints.getOrCompile(`sql\0${key}`, () => {
    const machine = compile();
    return {
      kind: 'grammar',
      automaton: createTokenAutomaton(machine, model.vocabulary) as TokenAutomaton<unknown>,
      jsonSchema: undefined,
      check(text: string, bytes: Uint8Array) {
        return matchesBytes(machine, bytes) ? { ok: true, value: text } : { ok: false, errors: ['not a complete query of the SQL grammar'] };
      },
    };
  });
}

function matchesBytes(machine: ByteMachine<unknown>, bytes: Uint8Array): boolean {
  let state: unknown = machine.initial;
  for (let i = 0; i < bytes.length && state !== undefined; i++) state = machine.step(state, bytes[i]);
  return state !== undefined && machine.accepts(state);
}
