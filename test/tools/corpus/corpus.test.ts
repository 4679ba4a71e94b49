import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { renderChat } from '../../../src/engine/prompts/chat-format.js';
import { JSON_SYSTEM_PREFIX, SHAPE_SEPARATOR, compactSchema, schemaOutline } from '../../../src/engine/prompts/json-schema-prompt.js';
import { DOMAINS, HELD_OUT_DOMAINS } from '../../../tools/corpus/catalog.js';
import { drawJsonPair } from '../../../tools/corpus/json-pairs.js';
import { serialize } from '../../../tools/corpus/json-style.js';
import { Rng } from '../../../tools/corpus/rng.js';
import { drawShape, isSimple } from '../../../tools/corpus/shape-space.js';
import { DATABASES, createStatements, drawRows } from '../../../tools/corpus/sql-databases.js';
import { SQL_TEMPLATES, drawSqlPair } from '../../../tools/corpus/sql-questions.js';

const require = createRequire(import.meta.url);
type Validate = ((data: unknown) => boolean) & { errors?: unknown };
const Ajv = require('ajv') as new (opts: object) => { compile(schema: unknown): Validate };
const addFormats = require('ajv-formats') as (ajv: unknown) => void;

describe('Rng', () => {
  it('is a pure function of its seed, and forks are independent named streams', () => {
    const draw = (seed: string): number[] => Array.from({ length: 5 }, () => new Rng(seed).fork('x').nextUint32());
    expect(draw('a')).toEqual(draw('a'));
    expect(draw('a')).not.toEqual(draw('b'));
    const r = new Rng(1);
    expect(Array.from({ length: 1000 }, () => r.int(3, 5)).every((x) => x >= 3 && x <= 5)).toBe(true);
  });
});

describe('JSON pairs', () => {
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);

  it('every answer validates against the schema shown in its prompt (all domains, 150 draws)', () => {
    const rng = new Rng('corpus-test');
    for (let i = 0; i < 150; i++) {
      const pair = drawJsonPair(rng, drawShape(rng));
      const validate = ajv.compile(pair.schema);
      const ok = validate(JSON.parse(pair.answer));
      if (!ok) throw new Error(`${JSON.stringify(pair.schema)}\n${pair.answer}\n${JSON.stringify(validate.errors)}`);
      expect(pair.messages[0]!.content).toBe(JSON_SYSTEM_PREFIX + compactSchema(pair.schema) + SHAPE_SEPARATOR + schemaOutline(pair.schema));
    }
  });

  it('is deterministic: the same seed renders the same documents', () => {
    const render = (seed: string): string[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 30 }, () => {
        const p = drawJsonPair(rng, drawShape(rng));
        return renderChat([...p.messages, { role: 'assistant', content: p.answer }], { addGenerationPrompt: false });
      });
    };
    expect(render('s')).toEqual(render('s'));
    expect(render('s')).not.toEqual(render('t'));
  });

  it('simple draws are flat objects of one to six scalar properties', () => {
    const rng = new Rng('simple');
    for (let i = 0; i < 200; i++) expect(isSimple(drawShape(rng, { simple: true }).shape)).toBe(true);
  });

  it('keeps held-out domains out of a training draw', () => {
    const rng = new Rng('domains');
    const training = DOMAINS.filter((d) => !HELD_OUT_DOMAINS.has(d.name));
    for (let i = 0; i < 200; i++) expect(HELD_OUT_DOMAINS.has(drawShape(rng, { domains: training }).domain)).toBe(false);
  });

  it('writes the Python json.dumps style with ", " and ": "', () => {
    const value = { a: [1, { b: null }], 'c d': 'e, f: g' };
    expect(serialize(value, 'python')).toBe('{"a": [1, {"b": null}], "c d": "e, f: g"}');
    for (const style of ['compact', 'python', 'indent2', 'indent4'] as const) expect(JSON.parse(serialize(value, style))).toEqual(value);
  });
});

describe('SQL pairs', () => {
  it('every template yields queries that run on every database (sql.js)', async () => {
    const initSqlJs = require('sql.js') as () => Promise<{ Database: new () => { run(s: string, p?: unknown[]): void; exec(s: string): unknown } }>;
    const SQL = await initSqlJs();
    const rng = new Rng('sql-test');
    const seen = new Set<string>();
    for (const db of DATABASES) {
      const rows = drawRows(db, rng.fork(db.name));
      const handle = new SQL.Database();
      for (const s of createStatements(db)) handle.run(s);
      for (const t of db.tables) for (const row of rows.get(t.name)!) handle.run(`INSERT INTO ${t.name} VALUES (${row.map(() => '?').join(',')})`, row);
      for (let i = 0; i < 80; i++) {
        const pair = drawSqlPair(rng, db, rows);
        seen.add(pair.template);
        expect(() => handle.exec(pair.sql), pair.sql).not.toThrow();
        expect(pair.sql.endsWith(';')).toBe(false);
      }
    }
    expect([...seen].sort()).toEqual([...SQL_TEMPLATES].sort());
  });
});
