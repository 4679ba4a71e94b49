/**
 * Text-to-SQL on Spider: grammar coverage of the gold queries, and generation under the grammar and
 * the execution check with a model (execution accuracy).
 *
 *   npx tsx bench/sql.ts --spider ../shared/data/spider --json            (later: npx formwork bench sql ...)
 *
 * 1. Coverage: every gold query of dev.json against the schema-aware grammar of its database
 *    (introspected from database/<db>/<db>.sqlite), in two forms: the database grammar (any alias,
 *    every function) and the generation grammar sql() uses (aliases T1..T9, common functions, at most
 *    6 blanks in a row); also whether the gold query runs (read-only engine).
 * 2. Masks (with --tokenizer DIR): every gold query tokenized with that tokenizer and forced through
 *    the generation grammar's token automaton: each token must be in its mask and EOS allowed at the
 *    end; mask times (cold: the first mask of each parser state; the rest come from the cache).
 * 3. Generation (unless --no-generate): `sql()` for `--limit` questions spread evenly over dev.json,
 *    with the default model or `--model DIR`: how many produced a complete query, how many of those
 *    parse and run, and execution accuracy (result equal to the gold result: rows as a multiset,
 *    ordered when the gold query has an outer ORDER BY).
 *
 * Options: --model DIR, --limit N (default 100; 0 = all), --sampler NAME (default: sql()'s, greedy), --particles N,
 * --max-tokens N (default 160), --rows N (sample rows per table in the prompt, default 2), --seed N,
 * --tokenizer DIR, --no-generate, --json (one JSON object on stdout; progress goes to stderr).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTokenAutomaton } from '../src/grammar/automaton/trie-token-automaton.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import { Model } from '../src/engine/generate/model.js';
import { IncompleteOutputError, NoValidOutputError } from '../src/engine/generate/output-errors.js';
import { ordersRows, sameResult } from '../src/engine/sql/result-match.js';
import { SqlDatabase } from '../src/engine/sql/sql-database.js';
import { DEFAULT_ALIASES, sql } from '../src/engine/sql/sql.js';
import type { SamplerKind } from '../src/sampler/run-sampler.js';
import { forceDocuments } from './grammar.js';

/** The grammar options sql() uses by default. */
const GENERATION_GRAMMAR = { aliases: DEFAULT_ALIASES, functions: 'common', maxWhitespace: 6 } as const;

interface Example {
  readonly db_id: string;
  readonly query: string;
  readonly question: string;
}

interface Options {
  spider: string;
  model?: string;
  limit: number;
  sampler?: SamplerKind;
  particles?: number;
  maxTokens: number;
  rows: number;
  seed: number;
  tokenizer?: string;
  generate: boolean;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      spider: { type: 'string' },
      model: { type: 'string' },
      limit: { type: 'string' },
      sampler: { type: 'string' },
      particles: { type: 'string' },
      'max-tokens': { type: 'string' },
      rows: { type: 'string' },
      seed: { type: 'string' },
      tokenizer: { type: 'string' },
      'no-generate': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  if (values.spider === undefined) throw new Error('--spider DIR is required (e.g. ../shared/data/spider)');
  return {
    spider: resolve(values.spider),
    model: values.model,
    limit: Number(values.limit ?? 100),
    sampler: values.sampler as SamplerKind | undefined,
    particles: values.particles === undefined ? undefined : Number(values.particles),
    maxTokens: Number(values['max-tokens'] ?? 160),
    rows: Number(values.rows ?? 2),
    seed: Number(values.seed ?? 0),
    tokenizer: values.tokenizer,
    generate: values['no-generate'] !== true,
    json: values.json === true,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const examples = (JSON.parse(readFileSync(join(options.spider, 'dev.json'), 'utf8')) as Example[]).filter((e) =>
    existsSync(join(options.spider, 'database', e.db_id, `${e.db_id}.sqlite`)),
  );
  const names = [...new Set(examples.map((e) => e.db_id))];
  const databases = new Map<string, SqlDatabase>();
  const compileMs: number[] = [];
  const openMs: number[] = [];
  const goldExceptions: { db: string; query: string; accepted: boolean; runs: boolean; error?: string }[] = [];
  let accepted = 0;
  let acceptedForGeneration = 0;
  const generationRejects: { db: string; query: string }[] = [];
  let goldRuns = 0;
  const goldResults = new Map<Example, ReturnType<SqlDatabase['execute']>>();

  // 1. Coverage.
  const coverageStarted = performance.now();
  for (const name of names) {
    let t = performance.now();
    const database = await SqlDatabase.open(join(options.spider, 'database', name, `${name}.sqlite`), { timeoutMs: 10_000 });
    openMs.push(performance.now() - t);
    databases.set(name, database);
    t = performance.now();
    const grammar = database.grammar();
    compileMs.push(performance.now() - t);
    const generationGrammar = database.grammar(GENERATION_GRAMMAR);
    for (const example of examples.filter((e) => e.db_id === name)) {
      const ok = grammar.matches(example.query);
      if (generationGrammar.matches(example.query)) acceptedForGeneration++;
      else generationRejects.push({ db: name, query: example.query });
      const result = database.execute(example.query, { maxRows: 100_000 });
      goldResults.set(example, result);
      if (ok) accepted++;
      if (result.ok) goldRuns++;
      if (!ok || !result.ok) goldExceptions.push({ db: name, query: example.query, accepted: ok, runs: result.ok, ...(result.ok ? {} : { error: result.error }) });
    }
  }
  const coverageSeconds = (performance.now() - coverageStarted) / 1000;
  log(`coverage: ${accepted}/${examples.length} gold queries accepted over ${names.length} databases (${coverageSeconds.toFixed(1)} s)`);

  // 2. Masks with a real tokenizer.
  let masks: Record<string, unknown> | undefined;
  if (options.tokenizer !== undefined) {
    const vocabulary = loadVocabulary(resolve(options.tokenizer));
    let rejectedTokens = 0;
    let rejectedEnds = 0;
    const perDatabase: Record<string, { masks: number; p50: number; p99: number; max: number }> = {};
    let count = 0;
    for (const name of names) {
      const automaton = createTokenAutomaton(databases.get(name)!.grammar(GENERATION_GRAMMAR), vocabulary);
      const documents = examples.filter((e) => e.db_id === name).map((e) => vocabulary.encode(e.query));
      const forced = forceDocuments(automaton, documents, vocabulary.eosIds[0]);
      rejectedTokens += forced.rejectedTokens;
      rejectedEnds += forced.rejectedEnds;
      count += forced.masks;
      perDatabase[name] = { masks: forced.masks, p50: round(forced.maskUs.p50), p99: round(forced.maskUs.p99), max: round(forced.maskUs.max) };
    }
    // Per database: its masks are computed cold (the first time a parser state is seen) or come from
    // the automaton's cache; a database with few gold queries has mostly cold masks.
    masks = { tokenizer: options.tokenizer, vocabularySize: vocabulary.size, masks: count, rejectedTokens, rejectedEnds, maskUsPerDatabase: perDatabase };
    log(`masks: ${count} masks, ${rejectedTokens} gold tokens rejected, ${rejectedEnds} ends rejected`);
  }

  // 3. Generation.
  let generation: Record<string, unknown> | undefined;
  if (options.generate) {
    const model = await Model.load(options.model === undefined ? undefined : resolve(options.model));
    const limit = options.limit > 0 ? Math.min(options.limit, examples.length) : examples.length;
    const stride = examples.length / limit;
    const chosen = Array.from({ length: limit }, (_, i) => examples[Math.floor(i * stride)]);
    let generated = 0;
    let parses = 0;
    let executable = 0;
    let correct = 0;
    const failures = new Map<string, number>();
    const seconds: number[] = [];
    const samples: { question: string; gold: string; sql: string; correct: boolean }[] = [];
    let tokens = 0;
    for (const [i, example] of chosen.entries()) {
      const database = databases.get(example.db_id)!;
      const started = performance.now();
      try {
        const result = await sql({
          model,
          database,
          question: example.question,
          sampler: options.sampler,
          particles: options.particles,
          maxTokens: options.maxTokens,
          sampleRows: options.rows,
          seed: options.seed + i,
          maxRows: 100_000,
        });
        generated++;
        tokens += result.usage.completionTokens;
        if (database.grammar().matches(result.sql)) parses++;
        if (result.error === undefined) executable++;
        const gold = goldResults.get(example)!;
        const right = result.rows !== undefined && gold.ok && sameResult(gold.rows, result.rows, ordersRows(example.query));
        if (right) correct++;
        if (samples.length < 5) samples.push({ question: example.question, gold: example.query, sql: result.sql, correct: right });
      } catch (error) {
        const kind = error instanceof IncompleteOutputError ? 'incomplete (maxTokens)' : error instanceof NoValidOutputError ? 'no valid output' : (error as Error).name;
        failures.set(kind, (failures.get(kind) ?? 0) + 1);
        if (!(error instanceof IncompleteOutputError || error instanceof NoValidOutputError)) log(`  ${example.db_id}: ${(error as Error).message}`);
      }
      seconds.push((performance.now() - started) / 1000);
      if ((i + 1) % 10 === 0 || i + 1 === chosen.length) log(`generation: ${i + 1}/${chosen.length}, ${generated} complete, ${correct} correct`);
    }
    await model.dispose();
    const sorted = [...seconds].sort((a, b) => a - b);
    generation = {
      model: model.name,
      sampler: options.sampler ?? 'greedy (the sql() default)',
      particles: options.particles,
      maxTokens: options.maxTokens,
      questions: chosen.length,
      generated,
      generatedParses: parses,
      generatedExecutable: executable,
      executableShare: generated > 0 ? round(executable / generated, 4) : null,
      correct,
      executionAccuracy: round(correct / chosen.length, 4),
      failures: Object.fromEntries(failures),
      secondsPerQuestion: { p50: round(percentile(sorted, 0.5), 2), p95: round(percentile(sorted, 0.95), 2), max: round(sorted[sorted.length - 1] ?? NaN, 2) },
      completionTokensPerQuery: generated > 0 ? round(tokens / generated) : null,
      samples,
    };
  }
  for (const database of databases.values()) database.close();

  const sortedCompile = [...compileMs].sort((a, b) => a - b);
  const report = {
    spider: options.spider,
    databases: names.length,
    goldQueries: examples.length,
    goldAccepted: accepted,
    goldCoverage: round(accepted / examples.length, 4),
    goldRun: goldRuns,
    goldExceptions,
    generationGrammarAccepted: acceptedForGeneration,
    generationGrammarCoverage: round(acceptedForGeneration / examples.length, 4),
    generationGrammarRejects: generationRejects,
    grammarCompileMs: { p50: round(percentile(sortedCompile, 0.5)), max: round(sortedCompile[sortedCompile.length - 1]) },
    databaseOpenMsP50: round(percentile([...openMs].sort((a, b) => a - b), 0.5)),
    coverageSeconds: round(coverageSeconds, 2),
    ...(masks !== undefined ? { masks } : {}),
    generated: (generation?.generated as number | undefined) ?? null,
    generatedExecutable: (generation?.generatedExecutable as number | undefined) ?? null,
    executionAccuracy: (generation?.executionAccuracy as number | undefined) ?? null,
    ...(generation !== undefined ? { generation } : {}),
    command: `npx tsx bench/sql.ts ${process.argv.slice(2).join(' ')}`,
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/sql: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
