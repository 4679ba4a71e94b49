/**
 * Scores generations for the held-out evaluation prompts:
 *
 *   npx tsx tools/train/score-eval.ts --generations tmp/default-model/eval/pytorch.jsonl \
 *     [--corpus tmp/default-model/corpus] [--tokenizer models/default] [--out summary.json]
 *
 * Generations are JSON lines {id, ids} (token ids, from tools/train/generate.py) or {id, text}
 * (from tools/train/generate-onnx.ts). JSON prompts: the answer (text before EOS, trimmed) must parse
 * and validate against the prompt's schema (ajv 8 + ajv-formats, draft-07 defaults, strict off).
 * SQL prompts: the query must run on the prompt's database (sql.js) and return the same rows as the
 * gold query (as a multiset, or in order when the gold query has ORDER BY).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';

const require = createRequire(import.meta.url);
const { values: args } = parseArgs({
  options: {
    generations: { type: 'string' },
    corpus: { type: 'string', default: 'tmp/default-model/corpus' },
    tokenizer: { type: 'string', default: 'models/default' },
    out: { type: 'string' },
    examples: { type: 'string', default: '0' },
  },
});
if (!args.generations) throw new Error('--generations is required');

const readLines = <T>(path: string): T[] =>
  readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);

const tokenizer = new Tokenizer(
  JSON.parse(readFileSync(join(args.tokenizer!, 'tokenizer.json'), 'utf8')),
  JSON.parse(readFileSync(join(args.tokenizer!, 'tokenizer_config.json'), 'utf8')),
);
const generation = new Map<string, { text: string; stopped: boolean }>();
for (const g of readLines<{ id: string; ids?: number[]; text?: string; stopped?: boolean }>(args.generations)) {
  if (g.ids) {
    const stopped = g.ids.length > 0 && (g.ids.at(-1) === 4 || g.ids.at(-1) === 0);
    const body = stopped ? g.ids.slice(0, -1) : g.ids;
    generation.set(g.id, { text: tokenizer.decode(body, { skip_special_tokens: true, clean_up_tokenization_spaces: false }), stopped });
  } else {
    generation.set(g.id, { text: g.text ?? '', stopped: g.stopped ?? true });
  }
}

type AjvLike = { compile(schema: unknown): (data: unknown) => boolean };
const Ajv = require('ajv') as new (opts: object) => AjvLike;
const addFormats = require('ajv-formats') as (ajv: AjvLike) => void;
const ajv = new Ajv({ strict: false });
addFormats(ajv);

interface Tally {
  total: number;
  stopped: number;
  parsed: number;
  valid: number;
}
const tally = (): Tally => ({ total: 0, stopped: 0, parsed: 0, valid: 0 });
const jsonSets: Record<string, Tally> = {};
const byMode: Record<string, Tally> = {};
const examples: object[] = [];
const nExamples = Number(args.examples);

for (const r of readLines<{ id: string; set: string; mode: string; schema: unknown; reference: string }>(join(args.corpus!, 'eval-json.jsonl'))) {
  const g = generation.get(r.id);
  if (!g) continue;
  const t = (jsonSets[r.set] ??= tally());
  const m = (byMode[`${r.set}/${r.mode}`] ??= tally());
  let parsed: unknown;
  let ok = false;
  let valid = false;
  try {
    parsed = JSON.parse(g.text.trim());
    ok = true;
    valid = ajv.compile(r.schema)(parsed);
  } catch {
    // not JSON
  }
  for (const x of [t, m]) {
    x.total++;
    x.stopped += g.stopped ? 1 : 0;
    x.parsed += ok ? 1 : 0;
    x.valid += valid ? 1 : 0;
  }
  if (examples.length < nExamples && !valid) examples.push({ id: r.id, text: g.text, reference: r.reference });
}

interface SqlJsDatabase {
  run(sql: string, params?: unknown[]): void;
  exec(sql: string): { columns: string[]; values: unknown[][] }[];
}
const initSqlJs = require('sql.js') as () => Promise<{ Database: new () => SqlJsDatabase }>;
const SQL = await initSqlJs();
const databases = JSON.parse(readFileSync(join(args.corpus!, 'databases.json'), 'utf8')) as Record<string, { creates: string[]; rows: Record<string, unknown[][]> }>;
const handles = new Map<string, SqlJsDatabase>();
for (const [name, db] of Object.entries(databases)) {
  const h = new SQL.Database();
  for (const c of db.creates) h.run(c);
  for (const [table, rows] of Object.entries(db.rows)) {
    for (const row of rows) h.run(`INSERT INTO ${table} VALUES (${row.map(() => '?').join(', ')})`, row);
  }
  handles.set(name, h);
}

function resultOf(db: SqlJsDatabase, sql: string): string[] | null {
  try {
    const res = db.exec(sql);
    return res.length === 0 ? [] : res[0]!.values.map((row) => JSON.stringify(row));
  } catch {
    return null;
  }
}

const sqlSets: Record<string, { total: number; runs: number; correct: number; exact: number }> = {};
for (const r of readLines<{ id: string; set: string; db: string; sql: string }>(join(args.corpus!, 'eval-sql.jsonl'))) {
  const g = generation.get(r.id);
  if (!g) continue;
  const t = (sqlSets[r.set] ??= { total: 0, runs: 0, correct: 0, exact: 0 });
  const db = handles.get(r.db)!;
  const predicted = g.text.trim().replace(/;$/, '');
  const got = resultOf(db, predicted);
  const want = resultOf(db, r.sql)!;
  t.total++;
  t.exact += predicted === r.sql ? 1 : 0;
  if (got === null) continue;
  t.runs++;
  const ordered = /ORDER BY/i.test(r.sql);
  const same = ordered ? JSON.stringify(got) === JSON.stringify(want) : JSON.stringify([...got].sort()) === JSON.stringify([...want].sort());
  t.correct += same ? 1 : 0;
}

const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
console.log('JSON (unconstrained, greedy): set | prompts | stopped | parses | validates');
for (const [set, t] of Object.entries({ ...jsonSets, ...byMode })) console.log(`  ${set} | ${t.total} | ${pct(t.stopped, t.total)} | ${pct(t.parsed, t.total)} | ${pct(t.valid, t.total)}`);
console.log('SQL: set | prompts | runs | same result | exact match');
for (const [set, t] of Object.entries(sqlSets)) console.log(`  ${set} | ${t.total} | ${pct(t.runs, t.total)} | ${pct(t.correct, t.total)} | ${pct(t.exact, t.total)}`);
if (examples.length) console.log(JSON.stringify(examples, null, 1));
if (args.out) writeFileSync(args.out, JSON.stringify({ json: jsonSets, jsonByMode: byMode, sql: sqlSets }, null, 2) + '\n');
