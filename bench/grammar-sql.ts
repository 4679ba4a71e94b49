/**
 * Grammar mask benchmark on SQL: the Spider dev gold queries forced token by token through the
 * schema-aware generation grammar of their database (the grammar sql() uses: aliases T1..T9, common
 * functions, <= 6 blanks in a row), with a real tokenizer, one thread: at every token position one
 * `mask()` (timed), the gold token must be in it, then advance; at the end EOS must be allowed. Same
 * loop as bench/grammar.ts (`forceDocuments`), pooled over all databases, so the percentiles cover every
 * mask; `computed` counts the masks not served by the automaton's mask cache (first visits).
 *
 *   npx tsx bench/grammar-sql.ts --spider ../shared/data/spider --tokenizer ../shared/data/tokenizers/llama3
 *
 * Options: --databases N (the first N databases of dev.json, default all), --fuel N, --warmup (first
 * force everything through separately compiled grammars, so the measured pass runs JIT-optimized code
 * from empty caches), --json. bench/sql.ts measures the same masks per database, with coverage.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MaskCache } from '../src/grammar/automaton/mask-cache.js';
import { createTokenAutomaton } from '../src/grammar/automaton/trie-token-automaton.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import type { Vocabulary } from '../src/grammar/vocab/vocabulary.js';
import { SqlDatabase } from '../src/engine/sql/sql-database.js';
import { DEFAULT_ALIASES } from '../src/engine/sql/sql.js';
import { forceDocuments, summarize, type ForceResult, type TimingSummary } from './grammar.js';

/** The grammar options sql() uses by default (as bench/sql.ts). */
const GENERATION_GRAMMAR = { aliases: DEFAULT_ALIASES, functions: 'common', maxWhitespace: 6 } as const;

interface Example {
  readonly db_id: string;
  readonly query: string;
}

export interface SqlMaskBenchResult {
  databases: number;
  queries: number;
  masks: number;
  computedMasks: number;
  maskUs: TimingSummary;
  rejectedTokens: number;
  rejectedEnds: number;
  supersetMasks: number;
  /** Process CPU of the forcing passes (all databases), ms. */
  cpuMs: number;
  perDatabase: Record<string, { masks: number; computed: number; p50: number; p99: number; max: number }>;
  warmup: boolean;
  node: string;
}

export async function runSqlMaskBench(options: { spider: string; tokenizer: string; databases?: number; fuel?: number; warmup?: boolean }): Promise<SqlMaskBenchResult> {
  const examples = (JSON.parse(readFileSync(join(options.spider, 'dev.json'), 'utf8')) as Example[]).filter((e) =>
    existsSync(join(options.spider, 'database', e.db_id, `${e.db_id}.sqlite`)),
  );
  const names = [...new Set(examples.map((e) => e.db_id))].slice(0, options.databases ?? Infinity);
  const vocabulary: Vocabulary = loadVocabulary(options.tokenizer);
  const work: { name: string; grammar: () => ReturnType<SqlDatabase['grammar']>; documents: number[][] }[] = [];
  for (const name of names) {
    const database = await SqlDatabase.open(join(options.spider, 'database', name, `${name}.sqlite`), { timeoutMs: 10_000 });
    const documents = examples.filter((e) => e.db_id === name).map((e) => vocabulary.encode(e.query));
    // Grammars are compiled before timing; each use gets a fresh compile (empty lexer DFA and scans).
    const sources = [database.grammar(GENERATION_GRAMMAR), database.grammar(GENERATION_GRAMMAR)];
    database.close();
    work.push({ name, grammar: () => sources.pop()!, documents });
  }
  const eosId = vocabulary.eosIds[0];
  if (options.warmup) {
    for (const w of work) forceDocuments(createTokenAutomaton(w.grammar(), vocabulary, { fuel: options.fuel, cache: new MaskCache() }), w.documents, eosId);
  }
  const times: number[] = [];
  const perDatabase: SqlMaskBenchResult['perDatabase'] = {};
  let computedMasks = 0;
  let rejectedTokens = 0;
  let rejectedEnds = 0;
  let supersetMasks = 0;
  let cpuMs = 0;
  for (const w of work) {
    const automaton = createTokenAutomaton(w.grammar(), vocabulary, { fuel: options.fuel, cache: new MaskCache() });
    const forced: ForceResult = forceDocuments(automaton, w.documents, eosId, times);
    computedMasks += forced.computedMasks;
    rejectedTokens += forced.rejectedTokens;
    rejectedEnds += forced.rejectedEnds;
    supersetMasks += forced.supersetMasks;
    cpuMs += forced.cpuMs;
    perDatabase[w.name] = { masks: forced.masks, computed: forced.computedMasks, p50: forced.maskUs.p50, p99: forced.maskUs.p99, max: forced.maskUs.max };
  }
  return {
    databases: names.length,
    queries: work.reduce((n, w) => n + w.documents.length, 0),
    masks: times.length,
    computedMasks,
    maskUs: summarize(times),
    rejectedTokens,
    rejectedEnds,
    supersetMasks,
    cpuMs: Math.round(cpuMs),
    perDatabase,
    warmup: options.warmup ?? false,
    node: process.version,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      spider: { type: 'string', default: resolve('..', 'shared', 'data', 'spider') },
      tokenizer: { type: 'string', default: resolve('..', 'shared', 'data', 'tokenizers', 'llama3') },
      databases: { type: 'string' },
      fuel: { type: 'string' },
      warmup: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const result = await runSqlMaskBench({
    spider: resolve(values.spider!),
    tokenizer: resolve(values.tokenizer!),
    databases: values.databases === undefined ? undefined : Number(values.databases),
    fuel: values.fuel === undefined ? undefined : Number(values.fuel),
    warmup: values.warmup === true,
  });
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const s = result.maskUs;
  console.log(`Spider gold queries through the SQL generation grammar: ${result.queries} queries, ${result.databases} databases, node ${result.node}`);
  console.log(`masks ${result.masks}: p50 ${s.p50} us, p99 ${s.p99} us, p99.9 ${s.p999} us, max ${s.max} us, mean ${s.mean} us`);
  console.log(`computed (not cached) ${result.computedMasks}, CPU of the passes ${result.cpuMs} ms, warm-up ${result.warmup}`);
  console.log(`rejected tokens ${result.rejectedTokens}, rejected ends ${result.rejectedEnds}, superset masks ${result.supersetMasks}`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) await main();
