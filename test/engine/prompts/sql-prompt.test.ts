import { describe, expect, it } from 'vitest';
import { SQL_SYSTEM_PREFIX, compactStatement, formatSampleRows, splitStatements, sqlPrompt } from '../../../src/engine/prompts/sql-prompt.js';
import { InputError } from '../../../src/errors.js';

describe('compactStatement', () => {
  it('puts a multi-line statement on one line with single spaces', () => {
    const sql = `CREATE TABLE  singer (
      id INTEGER PRIMARY KEY,   -- the key
      name TEXT ,
      /* free text */ bio TEXT
    );`;
    expect(compactStatement(sql)).toBe('CREATE TABLE singer (id INTEGER PRIMARY KEY, name TEXT, bio TEXT);');
  });

  it('leaves quoted literals and identifiers alone', () => {
    expect(compactStatement(`CREATE TABLE "my  table" (a TEXT DEFAULT 'x  -- y', [b  c] INT)`)).toBe(
      `CREATE TABLE "my  table" (a TEXT DEFAULT 'x  -- y', [b  c] INT);`,
    );
  });

  it('reports an unterminated literal', () => {
    expect(() => compactStatement(`CREATE TABLE t (a TEXT DEFAULT 'oops)`)).toThrow(InputError);
  });
});

describe('splitStatements', () => {
  it('splits a script at top-level semicolons only', () => {
    expect(splitStatements(`CREATE TABLE a (x TEXT DEFAULT ';');\nCREATE TABLE b (y INT);\n`)).toEqual([
      `CREATE TABLE a (x TEXT DEFAULT ';');`,
      `\nCREATE TABLE b (y INT);`,
    ]);
  });
});

describe('sqlPrompt', () => {
  const creates = ['CREATE TABLE singer (id INTEGER PRIMARY KEY, name TEXT, age INTEGER)', 'CREATE TABLE song (id INTEGER, singer_id INTEGER)'];

  it('lists the compacted statements, one per line, in the system message', () => {
    expect(sqlPrompt(creates, ' How many singers are there? ')).toEqual([
      {
        role: 'system',
        content: `${SQL_SYSTEM_PREFIX}CREATE TABLE singer (id INTEGER PRIMARY KEY, name TEXT, age INTEGER);\nCREATE TABLE song (id INTEGER, singer_id INTEGER);`,
      },
      { role: 'user', content: 'How many singers are there?' },
    ]);
  });

  it('accepts one script and gives the same prompt as the statement list', () => {
    expect(sqlPrompt(creates.join(';\n'), 'q')).toEqual(sqlPrompt(creates, 'q'));
  });

  it('appends sample rows as SQL literals', () => {
    const rows = { table: 'singer', columns: ['id', 'name', 'age'], rows: [[1, "O'Neil", 30], [2, null, true]] };
    expect(formatSampleRows(rows)).toBe(`singer(id, name, age): (1, 'O''Neil', 30), (2, NULL, 1)`);
    const [system] = sqlPrompt(creates, 'q', [rows]);
    expect(system!.content.endsWith(`\nSample rows:\nsinger(id, name, age): (1, 'O''Neil', 30), (2, NULL, 1)`)).toBe(true);
  });

  it('rejects an empty database', () => {
    expect(() => sqlPrompt([], 'q')).toThrow(InputError);
    expect(() => sqlPrompt('  ', 'q')).toThrow(InputError);
  });
});
