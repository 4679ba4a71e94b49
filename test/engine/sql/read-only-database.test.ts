import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, LimitError } from '../../../src/errors.js';
import { ReadOnlyDatabase, refuseNonReading } from '../../../src/engine/sql/read-only-database.js';
import { fileHash, MUSIC_STATEMENTS, writeDatabaseFile } from './sql-fixtures.js';

describe('ReadOnlyDatabase', () => {
  let file: Awaited<ReturnType<typeof writeDatabaseFile>>;
  let db: ReadOnlyDatabase;
  let hashBefore: string;

  beforeAll(async () => {
    file = await writeDatabaseFile();
    hashBefore = fileHash(file.path);
    db = await ReadOnlyDatabase.open({ path: file.path }, { timeoutMs: 2000 });
  });
  afterAll(() => {
    db?.close();
    file?.cleanup();
  });

  it('answers reading queries with columns and rows', () => {
    expect(db.name).toBe('music');
    expect(db.execute('SELECT name, age FROM singer ORDER BY age')).toEqual({
      ok: true,
      columns: ['name', 'age'],
      rows: [['Bo', 31], ['Cy', 45], ['Ada', 52]],
      truncated: false,
    });
    expect(db.execute("WITH c AS (SELECT country FROM singer) SELECT count(*) FROM c WHERE country = 'France'")).toMatchObject({ ok: true, rows: [[2]] });
    expect(db.execute('VALUES (1, 2)')).toMatchObject({ ok: true, rows: [[1, 2]] });
    expect(db.execute('SELECT title FROM concert', { maxRows: 2 })).toMatchObject({ ok: true, rows: [['Spring'], ['Summer']], truncated: true });
    expect(db.execute("SELECT x'00ff'")).toMatchObject({ ok: true, rows: [[Uint8Array.of(0, 255)]] });
  });

  it.each([
    ['DELETE FROM singer', /not DELETE/],
    ['INSERT INTO singer VALUES (9, "x", "y", 1)', /not INSERT/],
    ['UPDATE singer SET age = 0', /not UPDATE/],
    ['DROP TABLE singer', /not DROP/],
    ['PRAGMA query_only = 0', /not PRAGMA/],
    ["ATTACH 'other.db' AS other", /not ATTACH/],
    ['  -- comment\n /* c */ CREATE TABLE t(a)', /not CREATE/],
    ['BEGIN; DELETE FROM singer; COMMIT', /not BEGIN/],
    ['SELECT 1; DELETE FROM singer', /more than one statement/],
    ['WITH x AS (SELECT 1) DELETE FROM singer', /readonly/],
    ['SELECT 1; PRAGMA query_only = 0', /more than one statement/],
    ['/* comment */ DELETE FROM singer', /not DELETE/],
    ['', /empty query/],
    ['  ;  ', /empty query/],
  ])('refuses %j without running it', (sql, why) => {
    const result = db.execute(sql);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(why);
    expect(db.execute('SELECT count(*) FROM singer')).toMatchObject({ ok: true, rows: [[3]] });
  });

  it('holds exactly what it held after every kind of write attempt, with query_only still on', () => {
    const snapshot = () =>
      ['SELECT * FROM singer ORDER BY singer_id', 'SELECT * FROM concert ORDER BY concert_id', 'SELECT type, name, sql FROM sqlite_master ORDER BY name'].map((q) =>
        db.query(q),
      );
    const before = snapshot();
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
    for (const sql of attempts) expect(db.execute(sql).ok, sql).toBe(false);
    expect(snapshot()).toEqual(before);
    // No PRAGMA reached SQLite: the connection's own guard still refuses a write hidden in a WITH.
    expect(db.execute('WITH x AS (SELECT 1) DELETE FROM singer')).toEqual({ ok: false, error: expect.stringMatching(/readonly/) });
  });

  it('runs one statement after comments, with semicolons and comments after it', () => {
    expect(db.execute('  -- a comment\n /* another */ SELECT 1 AS one ; -- done\n')).toEqual({ ok: true, columns: ['one'], rows: [[1]], truncated: false });
  });

  it('bounds the rows a runaway query reads', () => {
    const endless = 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n';
    expect(db.execute(endless, { maxRows: 5 })).toEqual({ ok: true, columns: ['x'], rows: [[1], [2], [3], [4], [5]], truncated: true });
    expect(() => db.execute('SELECT 1', { maxRows: -1 })).toThrow(InputError);
    expect(() => db.execute('SELECT 1', { timeoutMs: 0 })).toThrow(InputError);
  });

  it('reports SQLite errors in the result, and as InputError from query()', () => {
    expect(db.execute('SELECT name FROM sing')).toEqual({ ok: false, error: 'no such table: sing' });
    expect(db.execute('SELECT name FROM singer WHERE')).toMatchObject({ ok: false, error: expect.stringMatching(/incomplete input|syntax error/) });
    expect(db.execute('SELECT nope FROM singer')).toEqual({ ok: false, error: 'no such column: nope' });
    expect(() => db.query('SELECT nope FROM singer')).toThrow(InputError);
    expect(() => db.query('DELETE FROM singer')).toThrow(/read-only/);
    expect(db.query('SELECT 1 AS one').rows).toEqual([[1]]);
  });

  it('stops a query at its time limit and keeps working afterwards', () => {
    const slow = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
    expect(db.execute(slow, { timeoutMs: 200 })).toEqual({ ok: false, error: 'the query did not finish within 200 ms (stopped)' });
    expect(() => db.query(slow, { timeoutMs: 200 })).toThrow(LimitError);
    expect(db.execute('SELECT count(*) FROM concert')).toMatchObject({ ok: true, rows: [[3]] });
  });

  it('never changes the database file', () => {
    for (const sql of ['DELETE FROM singer', 'WITH x AS (SELECT 1) UPDATE singer SET age = 1', 'SELECT 1; DROP TABLE singer', 'PRAGMA writable_schema = 1']) {
      db.execute(sql);
    }
    expect(fileHash(file.path)).toBe(hashBefore);
  });

  it('opens SQLite file bytes as a private copy, leaving the bytes as they were', async () => {
    const bytes = new Uint8Array(readFileSync(file.path));
    const original = Uint8Array.from(bytes);
    const fromBytes = await ReadOnlyDatabase.open(bytes);
    try {
      expect(fromBytes.name).toBe('database');
      expect(fromBytes.execute('SELECT max(year) FROM concert')).toMatchObject({ ok: true, rows: [[2015]] });
      expect(fromBytes.execute('DELETE FROM concert').ok).toBe(false);
    } finally {
      fromBytes.close();
    }
    expect(bytes).toEqual(original);
  });

  it('builds a database from statements', async () => {
    const built = await ReadOnlyDatabase.open({ statements: MUSIC_STATEMENTS });
    try {
      expect(built.execute('SELECT count(*) FROM old_singers')).toMatchObject({ ok: true, rows: [[2]] });
      expect(built.execute('DELETE FROM singer').ok).toBe(false);
    } finally {
      built.close();
    }
    await expect(ReadOnlyDatabase.open({ statements: ['CREATE TABLE t(a)', 'INSERT INTO nope VALUES (1)'] })).rejects.toThrow(/statement 1 failed: no such table: nope/);
  });

  it('refuses files that are missing, not SQLite, or too large, naming the path', async () => {
    const missing = join(file.dir, 'missing.sqlite');
    await expect(ReadOnlyDatabase.open({ path: missing })).rejects.toThrow(new InputError('no such database file', { where: missing }));
    const corrupt = join(file.dir, 'corrupt.sqlite');
    writeFileSync(corrupt, 'this is not a database, just text '.repeat(200));
    const hash = fileHash(corrupt);
    await expect(ReadOnlyDatabase.open({ path: corrupt })).rejects.toThrow(/corrupt\.sqlite: is not a readable SQLite database/);
    expect(fileHash(corrupt)).toBe(hash);
    await expect(ReadOnlyDatabase.open({ path: file.dir })).rejects.toThrow(/is not a file/);
    await expect(ReadOnlyDatabase.open({ path: file.path }, { maxBytes: 100 })).rejects.toThrow(LimitError);
    await expect(ReadOnlyDatabase.open(42 as never)).rejects.toThrow(InputError);
  });

  it('throws on use after close', async () => {
    const other = await ReadOnlyDatabase.open({ path: file.path });
    other.close();
    expect(() => other.execute('SELECT 1')).toThrow(/closed/);
  });
});

describe('refuseNonReading', () => {
  it('looks past comments and whitespace at the first keyword', () => {
    expect(refuseNonReading('/* x */ -- y\n select 1')).toBeUndefined();
    expect(refuseNonReading('with a as (select 1) select * from a')).toBeUndefined();
    expect(refuseNonReading('REPLACE INTO t VALUES (1)')).toMatch(/not REPLACE/);
    expect(refuseNonReading('   ')).toBe('empty query');
  });
});
