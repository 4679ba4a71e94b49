import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../../src/engine/generate/model.js';
import { IncompleteOutputError } from '../../../src/engine/generate/output-errors.js';
import { SQL_ROWS_HEADER } from '../../../src/engine/prompts/sql-prompt.js';
import { SqlDatabase } from '../../../src/engine/sql/sql-database.js';
import { sql } from '../../../src/engine/sql/sql.js';
import { InputError } from '../../../src/errors.js';
import { repoRoot } from '../../support/shared-data.js';
import { maskFuelsOf } from '../api/fixtures.js';
import { answerModel, fileHash, MUSIC_STATEMENTS, writeDatabaseFile } from './sql-fixtures.js';

describe('sql()', () => {
  let database: SqlDatabase;
  beforeAll(async () => {
    database = await SqlDatabase.open({ statements: MUSIC_STATEMENTS });
  });
  afterAll(() => database?.close());

  it('answers with a query that only names the database tables and columns', async () => {
    // The model would rather write a table that does not exist; the grammar leaves it one that does.
    const { model, prompts } = answerModel([
      { text: 'SELECT name FROM singr', weight: 0.9 },
      { text: 'SELECT name FROM singer', weight: 0.1 },
    ]);
    const result = await sql({ model, database, question: 'Names of all singers?' });
    expect(result.sql).toBe('SELECT name FROM singer');
    expect(result.columns).toEqual(['name']);
    expect(result.rows).toEqual([['Ada'], ['Bo'], ['Cy']]);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.completionTokens).toBe('SELECT name FROM singer'.length);
    // The prompt shows the schema (CREATE statements in the training style) and sample rows.
    expect(prompts[0]).toContain('CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER);');
    expect(prompts[0]).toContain(`${SQL_ROWS_HEADER}singer(singer_id, name, country, age): (1, 'Ada', 'France', 52), (2, 'Bo', 'Sweden', 31)`);
    expect(prompts[0]).toContain('<|user|>Names of all singers?<|end|>');
  });

  it('refuses queries that do not run, with the execution check', async () => {
    // Both answers are grammatical; only the second runs (T2 is not bound).
    const answers = [
      { text: 'SELECT T2.name FROM singer AS T1', weight: 0.6 },
      { text: 'SELECT T1.name FROM singer AS T1', weight: 0.4 },
    ];
    const unchecked = await sql({ model: answerModel(answers).model, database, question: 'q', check: false, sampler: 'greedy' });
    expect(unchecked.sql).toBe('SELECT T2.name FROM singer AS T1');
    expect(unchecked.error).toBe('no such column: T2.name');
    expect(unchecked.rows).toBeUndefined();
    // SMC conditions on the check: the particles that wrote the failing query do not survive.
    for (const seed of [1, 2, 3]) {
      const checked = await sql({ model: answerModel(answers).model, database, question: 'q', sampler: 'smc', particles: 16, seed, maxTokens: 48 });
      expect(checked.sql).toBe('SELECT T1.name FROM singer AS T1');
      expect(checked.error).toBeUndefined();
      expect(checked.rows).toHaveLength(3);
    }
  });

  it('can use the plain SQLite grammar, no grammar, and skip running the query', async () => {
    const { model } = answerModel([{ text: 'SELECT nme FROM singer', weight: 1 }]);
    const plain = await sql({ model, database, question: 'q', grammar: 'plain', check: false });
    expect(plain).toMatchObject({ sql: 'SELECT nme FROM singer', error: 'no such column: nme' });
    const free = await sql({ model, database, question: 'q', grammar: 'none', check: false, execute: false });
    expect(free.sql).toBe('SELECT nme FROM singer');
    expect(free.error).toBeUndefined();
    expect(free.rows).toBeUndefined();
  });

  it('shows no sample rows when asked not to', async () => {
    const { model, prompts } = answerModel([{ text: 'SELECT 1', weight: 1 }]);
    await sql({ model, database, question: 'q', sampleRows: 0 });
    expect(prompts[0]).not.toContain(SQL_ROWS_HEADER);
  });

  it('drops the sample rows when they would not fit the context, and fails when the schema does not', async () => {
    const { model, prompts } = answerModel([{ text: 'SELECT 1', weight: 1 }], { maxLength: 600 });
    await sql({ model, database, question: 'q' });
    expect(prompts[0]).not.toContain(SQL_ROWS_HEADER);
    const { model: tiny } = answerModel([{ text: 'SELECT 1', weight: 1 }], { maxLength: 100 });
    await expect(sql({ model: tiny, database, question: 'q' })).rejects.toThrow(/context holds 100/);
  });

  it('says when no query completed within maxTokens', async () => {
    const { model } = answerModel([{ text: 'SELECT name FROM singer', weight: 1 }]);
    const failure = await sql({ model, database, question: 'q', maxTokens: 10 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IncompleteOutputError);
    expect((failure as IncompleteOutputError).text).toBe('SELECT nam');
  });

  it('gives the grammar masks maskFuel, and the superset masks still leave only queries that name real tables', async () => {
    const fuels = await maskFuelsOf(async () => {
      const { model } = answerModel([
        { text: 'SELECT name FROM singr', weight: 0.9 },
        { text: 'SELECT name FROM singer', weight: 0.1 },
      ]);
      const result = await sql({ model, database, question: 'Names of all singers?', maskFuel: 4 });
      expect(result.sql).toBe('SELECT name FROM singer');
    });
    expect(fuels.length).toBeGreaterThan(0);
    expect(new Set(fuels)).toEqual(new Set([4]));
  });

  it('refuses bad input with InputError', async () => {
    const { model } = answerModel([]);
    await expect(sql({ model, database, question: '  ' })).rejects.toThrow(InputError);
    await expect(sql({ model, database: '/nonexistent/x.sqlite', question: 'q' })).rejects.toThrow(/no such database file/);
    await expect(sql({ model, database: 42 as never, question: 'q' })).rejects.toThrow(InputError);
    await expect(sql({ model, database, question: 'q', grammar: 'cfg' as never })).rejects.toThrow(InputError);
    await expect(sql({ model, database, question: 'q', maxTokens: 0 })).rejects.toThrow(InputError);
  });

  it('opens a database file for one question and leaves the file as it was', async () => {
    const file = await writeDatabaseFile();
    try {
      const before = fileHash(file.path);
      const { model } = answerModel([{ text: 'SELECT count(*) FROM concert WHERE year = 2015', weight: 1 }]);
      const result = await sql({ model, database: file.path, question: 'How many concerts in 2015?' });
      expect(result.rows).toEqual([[2]]);
      expect(fileHash(file.path)).toBe(before);
    } finally {
      file.cleanup();
    }
  });
});

describe('sql() on an ONNX model (the trained default model)', () => {
  let model: Model;
  let database: SqlDatabase;
  beforeAll(async () => {
    model = await Model.load(join(repoRoot, 'models', 'default'));
    database = await SqlDatabase.open({ statements: MUSIC_STATEMENTS });
  });
  afterAll(async () => {
    database?.close();
    await model?.dispose();
  });

  it('writes only text the database grammar can continue', async () => {
    // Finished or cut at 24 tokens, every token the model wrote must keep the text a prefix of the
    // grammar, and a finished query must be a sentence of it.
    const result = await sql({ model, database, question: 'How many singers?', maxTokens: 24 }).then(
      (r) => ({ text: r.sql, done: true }),
      (e: unknown) => {
        if (!(e instanceof IncompleteOutputError)) throw e;
        return { text: e.text, done: false };
      },
    );
    expect(result.text.length).toBeGreaterThan(0);
    expect(database.grammar().isPrefix(result.text)).toBe(true);
    if (result.done) expect(database.grammar().matches(result.text)).toBe(true);
  });
});
