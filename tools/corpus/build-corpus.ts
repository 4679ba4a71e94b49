/**
 * Writes the default model's corpus, deterministically from a seed:
 *
 *   npx tsx tools/corpus/build-corpus.ts [--seed 7] [--out tmp/default-model/corpus] [--train 50000]
 *
 * Files (JSON lines; `prompt` + `completion` = the document; the prompt ends at a special token, so
 * the two tokenize independently):
 *   train.jsonl, valid.jsonl   {kind, prompt, completion}
 *   eval-json.jsonl            held-out JSON prompts {id, set, schema, prompt, reference, skeleton}
 *   eval-sql.jsonl             held-out SQL prompts {id, set, db, question, prompt, sql, template}
 *   stats.json                 counts per kind and set
 *
 * Every answer is checked before it is written: JSON answers validate against their schema (ajv with
 * formats), SQL answers execute on their database (sql.js). A failure stops the build.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHAT_TOKENS, renderChat, type ChatMessage } from '../../src/engine/prompts/chat-format.js';
import { sqlPrompt, type SampleRows } from '../../src/engine/prompts/sql-prompt.js';
import { DOMAINS, HELD_OUT_DOMAINS } from './catalog.js';
import { drawEnglish } from './english.js';
import { instanceOf } from './instance-of.js';
import { drawJsonPair, type JsonPair } from './json-pairs.js';
import { serialize } from './json-style.js';
import { Rng } from './rng.js';
import { drawShape, isSimple, type DrawnShape } from './shape-space.js';
import { skeleton } from './shape.js';
import { DATABASES, HELD_OUT_DATABASES, createStatements, drawRows, type Database, type Row } from './sql-databases.js';
import { drawSqlPair } from './sql-questions.js';

const require = createRequire(import.meta.url);

export interface CorpusDoc {
  readonly kind: 'json' | 'sql' | 'raw-json' | 'english';
  readonly prompt: string;
  readonly completion: string;
}

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    out: { type: 'string', default: 'tmp/default-model/corpus' },
    train: { type: 'string', default: '50000' },
    valid: { type: 'string', default: '2000' },
    'eval-json': { type: 'string', default: '300' },
    'eval-sql': { type: 'string', default: '200' },
  },
});

const seed = args.seed!;
const outDir = args.out!;
const nTrain = Number(args.train);
const nValid = Number(args.valid);
const nEvalJson = Number(args['eval-json']);
const nEvalSql = Number(args['eval-sql']);

// ---- checks ---------------------------------------------------------------------------------------

type AjvLike = { compile(schema: unknown): ((data: unknown) => boolean) & { errors?: unknown } };
const Ajv = require('ajv') as new (opts: object) => AjvLike;
const addFormats = require('ajv-formats') as (ajv: AjvLike) => void;
function freshAjv(): AjvLike {
  const instance = new Ajv({ strict: false, allErrors: false });
  addFormats(instance);
  return instance;
}
let ajv = freshAjv();
let checked = 0;

function checkJson(pair: JsonPair): void {
  // ajv keeps what it compiled (removeSchema does not free it all: ~24 KB per schema); corpus schemas
  // are nearly all distinct, so one instance would outgrow Node's default heap at ~150,000 documents.
  if (++checked % 5000 === 0) ajv = freshAjv();
  const validate = ajv.compile(pair.schema);
  const valid = validate(JSON.parse(pair.answer));
  if (!valid) {
    throw new Error(`corpus bug: answer does not validate\nschema ${JSON.stringify(pair.schema)}\nanswer ${pair.answer}\n${JSON.stringify(validate.errors)}`);
  }
}

interface SqlJsDatabase {
  run(sql: string, params?: unknown[]): void;
  exec(sql: string): unknown[];
  close(): void;
}
const initSqlJs = require('sql.js') as () => Promise<{ Database: new () => SqlJsDatabase }>;
const SQL = await initSqlJs();

function openDatabase(db: Database, rows: Map<string, Row[]>): SqlJsDatabase {
  const handle = new SQL.Database();
  for (const statement of createStatements(db)) handle.run(statement);
  for (const t of db.tables) {
    const placeholders = t.columns.map(() => '?').join(', ');
    for (const row of rows.get(t.name)!) handle.run(`INSERT INTO ${t.name} VALUES (${placeholders})`, row);
  }
  return handle;
}

// ---- parts ----------------------------------------------------------------------------------------

const root = new Rng(`formwork-corpus:${seed}`);
const trainingDomains = DOMAINS.filter((d) => !HELD_OUT_DOMAINS.has(d.name));
const heldOutDomains = DOMAINS.filter((d) => HELD_OUT_DOMAINS.has(d.name));

interface SqlWorld {
  readonly db: Database;
  readonly rows: Map<string, Row[]>;
  readonly handle: SqlJsDatabase;
  readonly creates: string[];
}
const sqlRng = root.fork('sql-rows');
const worlds: SqlWorld[] = DATABASES.map((db) => {
  const rows = drawRows(db, sqlRng.fork(db.name));
  return { db, rows, handle: openDatabase(db, rows), creates: createStatements(db) };
});

function sampleRowsOf(world: SqlWorld, rng: Rng): SampleRows[] {
  return world.db.tables.map((t) => ({
    table: t.name,
    columns: t.columns.map((c) => c.name),
    rows: rng.sample(world.rows.get(t.name)!, rng.int(1, 3)),
  }));
}

function drawSqlDoc(rng: Rng, world: SqlWorld): { messages: ChatMessage[]; sql: string; question: string; template: string } {
  const pair = drawSqlPair(rng, world.db, world.rows);
  try {
    world.handle.exec(pair.sql);
  } catch (error) {
    throw new Error(`corpus bug: SQL does not run on ${world.db.name}: ${pair.sql}: ${String(error)}`);
  }
  const messages = sqlPrompt(world.creates, pair.question, rng.chance(0.35) ? sampleRowsOf(world, rng) : undefined);
  return { messages, sql: pair.sql, question: pair.question, template: pair.template };
}

function chatDoc(kind: CorpusDoc['kind'], messages: ChatMessage[], answer: string): CorpusDoc {
  return { kind, prompt: renderChat(messages), completion: answer + CHAT_TOKENS.end };
}

/** One training-distribution document of a random kind. */
function drawDoc(rng: Rng, kind: CorpusDoc['kind'], sqlWorlds: SqlWorld[]): { doc: CorpusDoc; skeleton?: string; sqlQuestion?: string } {
  switch (kind) {
    case 'json': {
      const drawn = drawShape(rng, { domains: trainingDomains });
      const pair = drawJsonPair(rng, drawn);
      checkJson(pair);
      return { doc: chatDoc('json', pair.messages, pair.answer), skeleton: pair.skeleton };
    }
    case 'sql': {
      const world = rng.pick(sqlWorlds);
      const s = drawSqlDoc(rng, world);
      return { doc: chatDoc('sql', s.messages, s.sql), sqlQuestion: sqlQuestionKey(world.db.name, s.question) };
    }
    case 'raw-json': {
      const drawn: DrawnShape = drawShape(rng, { domains: trainingDomains });
      const value = instanceOf(drawn.shape, rng);
      const style = rng.weighted([[40, 'compact'], [30, 'python'], [25, 'indent2'], [5, 'indent4']] as const);
      return { doc: { kind, prompt: '', completion: serialize(value, style) + CHAT_TOKENS.endOfText }, skeleton: skeleton(drawn.shape) };
    }
    case 'english':
      return { doc: { kind, prompt: '', completion: drawEnglish(rng) + CHAT_TOKENS.endOfText } };
  }
}

// JSON answers get most of the budget (the measured target is JSON validity); SQL documents are long
// (the whole database in the prompt), so 10% of documents is about a fifth of the tokens.
const MIX: readonly (readonly [number, CorpusDoc['kind']])[] = [[76, 'json'], [10, 'sql'], [7, 'raw-json'], [7, 'english']];

function writeLines(name: string, items: readonly unknown[]): void {
  writeFileSync(join(outDir, name), items.map((x) => JSON.stringify(x)).join('\n') + '\n');
}

mkdirSync(outDir, { recursive: true });
const trainingWorlds = worlds.filter((w) => !HELD_OUT_DATABASES.has(w.db.name));
const counts: Record<string, Record<string, number>> = { train: {}, valid: {} };

/** A training question as the SQL evaluation must not repeat it: its database and its words. */
function sqlQuestionKey(db: string, question: string): string {
  return `${db}\u0000${question}`;
}

function drawSplit(label: 'train' | 'valid', n: number, skeletons?: Set<string>, sqlQuestions?: Set<string>): CorpusDoc[] {
  const rng = root.fork(label);
  const docs: CorpusDoc[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rng.weighted(MIX);
    const { doc, skeleton: sk, sqlQuestion } = drawDoc(rng, kind, trainingWorlds);
    if (skeletons && sk) skeletons.add(sk);
    if (sqlQuestions && sqlQuestion) sqlQuestions.add(sqlQuestion);
    docs.push(doc);
    counts[label]![kind] = (counts[label]![kind] ?? 0) + 1;
    if ((i + 1) % 25000 === 0) console.error(`${label}: ${i + 1} / ${n} documents`);
  }
  return docs;
}

const trainSkeletons = new Set<string>();
const trainSqlQuestions = new Set<string>();
writeLines('train.jsonl', drawSplit('train', nTrain, trainSkeletons, trainSqlQuestions));
writeLines('valid.jsonl', drawSplit('valid', nValid));

// ---- held-out evaluation prompts --------------------------------------------------------------------

interface EvalJson {
  id: string;
  set: string;
  domain: string;
  mode: string;
  schema: unknown;
  prompt: string;
  reference: string;
  skeleton: string;
}

const evalRng = root.fork('eval-json');
const evalJson: EvalJson[] = [];
const evalSets: readonly (readonly [string, () => DrawnShape])[] = [
  // The target: simple schemas whose skeleton never occurs in training.
  ['simple', () => drawShape(evalRng, { domains: trainingDomains, simple: true })],
  ['simple-unseen-domain', () => drawShape(evalRng, { domains: heldOutDomains, simple: true })],
  ['complex', () => drawShape(evalRng, { domains: trainingDomains })],
];
const perSet = [Math.ceil(nEvalJson / 2), Math.floor(nEvalJson / 4), nEvalJson - Math.ceil(nEvalJson / 2) - Math.floor(nEvalJson / 4)];
evalSets.forEach(([set, draw], s) => {
  const seen = new Set<string>();
  let tries = 0;
  while (evalJson.filter((e) => e.set === set).length < perSet[s]!) {
    if (++tries > perSet[s]! * 200) throw new Error(`cannot draw ${perSet[s]} held-out shapes for ${set}`);
    const drawn = draw();
    if (set !== 'simple-unseen-domain' && set !== 'complex' && drawn.domain === 'generic' && evalRng.chance(0.5)) continue;
    const sk = skeleton(drawn.shape);
    if (trainSkeletons.has(sk) || seen.has(sk)) continue;
    if (set === 'complex' && isSimple(drawn.shape)) continue;
    seen.add(sk);
    const pair = drawJsonPair(evalRng, drawn);
    checkJson(pair);
    evalJson.push({ id: `${set}-${seen.size}`, set, domain: pair.domain, mode: pair.mode, schema: pair.schema, prompt: renderChat(pair.messages), reference: pair.answer, skeleton: sk });
  }
});
writeLines('eval-json.jsonl', evalJson);

const sqlEvalRng = root.fork('eval-sql');
const evalSql: object[] = [];
let evalSqlRedrawn = 0;
for (let i = 0; i < nEvalSql; i++) {
  const unseen = i % 2 === 0;
  const pool = unseen ? worlds.filter((w) => HELD_OUT_DATABASES.has(w.db.name)) : trainingWorlds;
  // Questions on training databases must be new: a question (same database, same words) the model
  // trained on would measure memory, not generalisation (templates and values repeat across 400,000
  // documents). Redrawn until new.
  let world = sqlEvalRng.pick(pool);
  let s = drawSqlDoc(sqlEvalRng, world);
  for (let tries = 0; trainSqlQuestions.has(sqlQuestionKey(world.db.name, s.question)); tries++) {
    if (tries > 10_000) throw new Error(`cannot draw an SQL evaluation question unseen in training (${world.db.name})`);
    world = sqlEvalRng.pick(pool);
    s = drawSqlDoc(sqlEvalRng, world);
    evalSqlRedrawn++;
  }
  evalSql.push({ id: `sql-${i}`, set: unseen ? 'unseen-db' : 'seen-db', db: world.db.name, question: s.question, prompt: renderChat(s.messages), sql: s.sql, template: s.template });
}
writeLines('eval-sql.jsonl', evalSql);

// The SQL evaluation compares result sets; it needs the databases' rows.
const databases = Object.fromEntries(worlds.map((w) => [w.db.name, { creates: w.creates, rows: Object.fromEntries(w.rows) }]));
writeFileSync(join(outDir, 'databases.json'), JSON.stringify(databases));

const stats = { seed, counts, trainSkeletons: trainSkeletons.size, evalJson: perSet, evalSql: evalSql.length, evalSqlRedrawn };
writeFileSync(join(outDir, 'stats.json'), JSON.stringify(stats, null, 2) + '\n');
for (const w of worlds) w.handle.close();
console.log(JSON.stringify(stats));
