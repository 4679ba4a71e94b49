import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, ModelLoadError } from '../../../src/errors.js';
import { ReadOnlyDatabase } from '../../../src/sampler/rewards/read-only-database.js';
import { sqlExecutability } from '../../../src/sampler/rewards/sql-executability.js';

const SCHEMA = [
  'CREATE TABLE singer (id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER)',
  `INSERT INTO singer VALUES (1, 'Ann', 'France', 30), (2, 'Bob', 'Peru', 41), (3, 'Cid', 'France', 25)`,
  'CREATE TABLE concert (id INTEGER, singer_id INTEGER, year INTEGER)',
  'INSERT INTO concert VALUES (10, 1, 2014), (11, 1, 2015), (12, 3, 2015)',
];

let db: ReadOnlyDatabase;
beforeAll(async () => {
  db = await ReadOnlyDatabase.open({ statements: SCHEMA });
});
afterAll(() => db.close());

/** Every row of both tables, to prove a refused query changed nothing. */
function snapshot(database: ReadOnlyDatabase): unknown {
  const singers = database.execute('SELECT * FROM singer ORDER BY id');
  const concerts = database.execute('SELECT * FROM concert ORDER BY id');
  const tables = database.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  return [singers, concerts, tables];
}

describe('ReadOnlyDatabase', () => {
  it('answers reading queries with columns and rows', () => {
    const result = db.execute('SELECT name, age FROM singer WHERE country = "France" ORDER BY age');
    expect(result).toEqual({ ok: true, columns: ['name', 'age'], rows: [['Cid', 25], ['Ann', 30]], truncated: false });
    const joined = db.execute(
      'WITH busy AS (SELECT singer_id, count(*) AS n FROM concert GROUP BY singer_id) SELECT s.name, b.n FROM singer s JOIN busy b ON b.singer_id = s.id ORDER BY s.name;',
    );
    expect(joined).toEqual({ ok: true, columns: ['name', 'n'], rows: [['Ann', 2], ['Cid', 1]], truncated: false });
    expect(db.execute('  -- a comment\n /* another */ SELECT 1 AS one ; ')).toEqual({ ok: true, columns: ['one'], rows: [[1]], truncated: false });
    expect(db.execute('VALUES (1, 2)')).toMatchObject({ ok: true, rows: [[1, 2]] });
  });

  it('reports SQLite errors instead of throwing', () => {
    expect(db.execute('SELECT nme FROM singer')).toEqual({ ok: false, error: expect.stringMatching(/no such column: nme/) });
    expect(db.execute('SELECT name FROM sing')).toEqual({ ok: false, error: expect.stringMatching(/no such table/) });
    expect(db.execute('SELECT name FROM singer WHERE')).toMatchObject({ ok: false });
    expect(db.execute('')).toEqual({ ok: false, error: 'empty query' });
    expect(db.execute('  ;  ')).toEqual({ ok: false, error: 'empty query' });
  });

  it('cannot be changed by any query', () => {
    const before = snapshot(db);
    const attempts = [
      'DELETE FROM singer',
      "UPDATE singer SET name = 'X'",
      "INSERT INTO singer VALUES (9, 'Z', 'Z', 1)",
      'DROP TABLE singer',
      'CREATE TABLE t (a)',
      'PRAGMA query_only = 0',
      "ATTACH DATABASE ':memory:' AS other",
      'BEGIN',
      'WITH x AS (SELECT 1) DELETE FROM singer',
      'SELECT 1; DELETE FROM singer',
      'SELECT 1; PRAGMA query_only = 0',
      '/* comment */ DELETE FROM singer',
    ];
    for (const sql of attempts) {
      const result = db.execute(sql);
      expect(result.ok, sql).toBe(false);
    }
    expect(db.execute('SELECT 1; DELETE FROM singer')).toEqual({ ok: false, error: 'more than one statement' });
    expect(db.execute('DROP TABLE singer')).toEqual({ ok: false, error: expect.stringMatching(/not DROP/) });
    expect(db.execute('WITH x AS (SELECT 1) DELETE FROM singer')).toEqual({ ok: false, error: expect.stringMatching(/readonly/) });
    expect(snapshot(db)).toEqual(before);
  });

  it('bounds the rows read', () => {
    const result = db.execute('WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n', { maxRows: 5 });
    expect(result).toEqual({ ok: true, columns: ['x'], rows: [[1], [2], [3], [4], [5]], truncated: true });
    expect(() => db.execute('SELECT 1', { maxRows: -1 })).toThrow(InputError);
  });

  it('opens SQLite bytes and files as private copies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'formwork-sql-'));
    try {
      // A file made by sql.js itself: build a database, export it through a writable handle.
      const { createRequire } = await import('node:module');
      const SQL = await (createRequire(import.meta.url)('sql.js') as () => Promise<{ Database: new () => { run(s: string): void; export(): Uint8Array; close(): void } }>)();
      const writer = new SQL.Database();
      for (const s of SCHEMA) writer.run(s);
      const bytes = writer.export();
      writer.close();
      const original = Uint8Array.from(bytes);
      const fromBytes = await ReadOnlyDatabase.open(bytes);
      expect(fromBytes.execute('SELECT count(*) AS n FROM singer')).toMatchObject({ ok: true, rows: [[3]] });
      fromBytes.close();
      expect(bytes).toEqual(original);
      const path = join(dir, 'concert.sqlite');
      writeFileSync(path, bytes);
      const fromFile = await ReadOnlyDatabase.open({ path });
      expect(fromFile.execute('SELECT max(year) AS y FROM concert')).toMatchObject({ ok: true, rows: [[2015]] });
      fromFile.close();
      writeFileSync(join(dir, 'junk.sqlite'), 'this is not a database, not at all, no'.repeat(20));
      await expect(ReadOnlyDatabase.open({ path: join(dir, 'junk.sqlite') })).rejects.toThrow(ModelLoadError);
      await expect(ReadOnlyDatabase.open({ path: join(dir, 'missing.sqlite') })).rejects.toThrow(ModelLoadError);
      await expect(ReadOnlyDatabase.open({ statements: ['CREATE TABLE t (a', 'SELECT 1'] })).rejects.toThrow(/statement 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlExecutability', () => {
  it('scores 1 for queries that run and return rows, emptyResult for empty ones, 0 otherwise', async () => {
    const reward = sqlExecutability(db, { emptyResult: 0.5 });
    const texts = ['SELECT name FROM singer', "SELECT name FROM singer WHERE country = 'Chile'", 'SELECT name FROM singer WHERE', 'DELETE FROM singer', 'SELECT 1; SELECT 2'];
    expect(await reward.score(texts)).toEqual([1, 0.5, 0, 0, 0]);
    // Prefixes are run as they are.
    expect(await reward.score(['SELECT name FROM singer', 'SELECT name FROM sing'], { partial: true })).toEqual([1, 0]);
    expect(() => sqlExecutability(db, { emptyResult: 2 })).toThrow(InputError);
  });
});
