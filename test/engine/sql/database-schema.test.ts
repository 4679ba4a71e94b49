import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { affinity, createStatements, introspectDatabase, quoteIdentifier, sampleRows, stringLiteral } from '../../../src/engine/sql/database-schema.js';
import { ReadOnlyDatabase } from '../../../src/engine/sql/read-only-database.js';
import { SqlDatabase } from '../../../src/engine/sql/sql-database.js';
import { InputError } from '../../../src/errors.js';
import { MUSIC_STATEMENTS } from './sql-fixtures.js';

describe('introspectDatabase', () => {
  let db: ReadOnlyDatabase;
  beforeAll(async () => {
    db = await ReadOnlyDatabase.open({
      statements: [
        ...MUSIC_STATEMENTS,
        'CREATE TABLE "odd ""name"" table" (a INTEGER, b, PRIMARY KEY (b, a))',
        'CREATE TABLE counters (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT)',
        "INSERT INTO counters (note) VALUES ('" + 'x'.repeat(100) + "')",
      ],
    });
  });
  afterAll(() => db?.close());

  it('reads tables, views, columns, keys and functions', () => {
    const schema = introspectDatabase(db);
    // sqlite_sequence (made by AUTOINCREMENT) is SQLite's own and left out.
    expect(schema.tables.map((t) => [t.name, t.kind])).toEqual([
      ['singer', 'table'],
      ['concert', 'table'],
      ['old_singers', 'view'],
      ['odd "name" table', 'table'],
      ['counters', 'table'],
    ]);
    const concert = schema.tables[1];
    expect(concert.columns.map((c) => [c.name, c.type, c.primaryKey])).toEqual([
      ['concert_id', 'INTEGER', 1],
      ['title', 'TEXT', 0],
      ['year', 'INTEGER', 0],
      ['singer_id', 'INTEGER', 0],
    ]);
    expect(concert.primaryKey).toEqual(['concert_id']);
    expect(concert.foreignKeys).toEqual([{ columns: ['singer_id'], table: 'singer', references: ['singer_id'] }]);
    expect(schema.tables[0].columns.find((c) => c.name === 'name')?.notNull).toBe(true);
    expect(schema.tables[2].columns.map((c) => c.name)).toEqual(['name', 'age']);
    expect(schema.tables[3].primaryKey).toEqual(['b', 'a']);
    expect(schema.functions).toEqual(expect.arrayContaining(['count', 'strftime', 'upper']));
    expect(createStatements(schema, 'original')[0]).toBe(MUSIC_STATEMENTS[0]);
  });

  it('rebuilds CREATE statements in the style the default model was trained on', () => {
    const schema = introspectDatabase(db);
    expect(createStatements(schema)).toEqual([
      'CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER)',
      'CREATE TABLE concert (concert_id INTEGER PRIMARY KEY, title TEXT, year INTEGER, singer_id INTEGER REFERENCES singer(singer_id))',
      MUSIC_STATEMENTS[2],
      'CREATE TABLE "odd ""name"" table" (a INTEGER, b, PRIMARY KEY (b, a))',
      'CREATE TABLE counters (id INTEGER PRIMARY KEY, note TEXT)',
    ]);
    expect(['int', 'VARCHAR(20)', 'double precision', 'blob', 'datetime', ''].map(affinity)).toEqual(['INTEGER', 'TEXT', 'REAL', 'BLOB', 'NUMERIC', '']);
  });

  it('samples the first rows of each table, shortening long text', () => {
    const schema = introspectDatabase(db);
    const rows = sampleRows(db, schema, { rows: 2, maxTextLength: 10 });
    expect(rows.map((s) => s.table)).toEqual(['singer', 'concert', 'counters']);
    expect(rows[0]).toEqual({ table: 'singer', columns: ['singer_id', 'name', 'country', 'age'], rows: [[1, 'Ada', 'France', 52], [2, 'Bo', 'Sweden', 31]] });
    expect(rows[2].rows).toEqual([[1, 'xxxxxxxxxx...']]);
    expect(sampleRows(db, schema, { rows: 0 })).toEqual([]);
    expect(() => sampleRows(db, schema, { rows: -1 })).toThrow(InputError);
  });

  it('quotes names and strings for SQL', () => {
    expect(quoteIdentifier('odd "name"')).toBe('"odd ""name"""');
    expect(stringLiteral("it's")).toBe("'it''s'");
  });
});

describe('SqlDatabase', () => {
  it('bundles the connection, schema, prompt parts and the grammar', async () => {
    const db = await SqlDatabase.open({ statements: MUSIC_STATEMENTS });
    try {
      expect(db.createStatements).toHaveLength(3);
      expect(db.sampleRows(1).map((s) => s.rows.length)).toEqual([1, 1]);
      const grammar = db.grammar();
      expect(grammar).toBe(db.grammar());
      expect(grammar.matches('SELECT name FROM old_singers WHERE age > 50')).toBe(true);
      expect(grammar.matches('SELECT title FROM singer')).toBe(true);
      expect(grammar.matches('SELECT singer.title FROM singer')).toBe(false);
      expect(db.grammarSource()).toContain('"old_singers"i');
    } finally {
      db.close();
    }
  });

  it('refuses a database without tables', async () => {
    await expect(SqlDatabase.open({ statements: [] })).rejects.toThrow(/no tables/);
  });
});
