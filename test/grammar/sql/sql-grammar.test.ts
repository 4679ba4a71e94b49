import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { InputError, LimitError } from '../../../src/errors.js';
import { createTokenAutomaton } from '../../../src/grammar/automaton/trie-token-automaton.js';
import { maskHas, maskWords, type TokenAutomaton } from '../../../src/grammar/automaton/token-automaton.js';
import { parseLark, walkExpr, type GrammarIR } from '../../../src/grammar/cfg/index.js';
import { compileSqlGrammar, sqlGrammarIR, sqlGrammarSource, type SqlGrammarSchema } from '../../../src/grammar/sql/index.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';

const SCHEMA: SqlGrammarSchema = {
  tables: [
    { name: 'singer', columns: [{ name: 'Singer_ID' }, { name: 'Name' }, { name: 'Age' }, { name: 'desc' }, { name: 'order' }] },
    { name: 'concert', columns: [{ name: 'concert_ID' }, { name: 'Year' }, { name: 'Singer_ID' }] },
    { name: 'Home Town', columns: [{ name: 'x"y' }] },
  ],
};

describe('schema-aware SQL grammar', () => {
  const grammar = compileSqlGrammar(SCHEMA);
  const accepted = [
    'SELECT name FROM singer',
    'select Name from SINGER',
    '  SELECT name FROM singer ;  ',
    'SELECT name FROM singer;',
    'SELECT count(*) FROM singer',
    'SELECT count(DISTINCT name), avg(age), max(age) FROM singer',
    'SELECT concert.year FROM concert',
    'SELECT T9.year FROM singer',
    'SELECT "name" FROM singer',
    'SELECT [name], `age` FROM "singer"',
    'SELECT desc FROM singer',
    'SELECT "order" FROM singer',
    'SELECT "x""y" FROM "Home Town"',
    'SELECT * FROM [Home Town]',
    'SELECT name FROM singer AS T1',
    'SELECT T1.* FROM singer AS T1',
    "SELECT name FROM singer WHERE age>1 AND name='a'",
    "SELECT name FROM singer WHERE name LIKE'%a%'",
    'SELECT 1 - -1',
    'SELECT 1-1',
    'SELECT 1e5, .5, 0x1F, X\'0a\', NULL, TRUE, CURRENT_DATE',
    `SELECT CASE WHEN age > 1 THEN 'a' ELSE "b" END FROM singer`,
    'SELECT name FROM singer GROUP BY name HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT 1 OFFSET 2',
    'SELECT name FROM singer UNION ALL SELECT name FROM singer EXCEPT SELECT name FROM singer INTERSECT SELECT name FROM singer',
    'SELECT name FROM singer WHERE singer_id IN (SELECT singer_id FROM concert) AND NOT EXISTS (SELECT 1 FROM concert)',
    'SELECT name FROM singer WHERE age NOT BETWEEN 1 AND 2 AND name IS NOT NULL AND age NOT IN (1, 2)',
    'SELECT CAST(age AS integer) FROM singer',
    'SELECT a.name FROM singer AS a JOIN concert AS b USING (singer_id)',
    'SELECT T1.name FROM singer AS T1 LEFT OUTER JOIN concert AS T2 ON T1.singer_id = T2.singer_id',
    'SELECT name FROM (SELECT name FROM singer) AS sub',
    'SELECT name FROM singer ORDER BY name COLLATE nocase ASC NULLS LAST',
    'SELECT upper(name) || \'!\' FROM singer WHERE length(name) >= 3',
    "SELECT strftime('%Y', 'now')",
  ];
  const rejected = [
    ['selectname from singer', 'words need whitespace between them'],
    ['SELECT nme FROM singer', 'unknown column'],
    ['SELECT name FROM singr', 'unknown table'],
    ['SELECT name FROM singer WHERE', 'incomplete'],
    ['SELECT 1--1', '-- starts a comment in SQLite'],
    ['SELECT name FROM singer order', 'incomplete ORDER BY'],
    ['SELECT name FROM singer AS from', 'reserved word as alias'],
    ['SELECT name FROM singer AS count', 'a function name as alias'],
    ['DELETE FROM singer', 'not a SELECT'],
    ['SELECT singer.year FROM singer', 'year is not a column of singer'],
    ['SELECT order FROM singer', 'a reserved word must be quoted'],
    ['SELECT * FROM Home Town', 'a name with a space must be quoted'],
    ['SELECT sum(*) FROM singer', 'only count takes *'],
    ['ſelect name from singer', 'case folds in ASCII only (long s)'],
    ["SELECT name FROM singer WHERE age>1AND name='a'", 'a number glued to a word'],
    ['SELECT x FROM (SELECT name AS x FROM singer)', 'result aliases are not columns'],
    ['SELECT name FROM singer; SELECT 1', 'one statement'],
    ['SELECT count(*) n FROM singer', 'an alias needs AS'],
    ['SELECT name FROM singer s', 'an alias needs AS'],
    ['SELECT COUNT(*) FROM78', 'no implicit alias (FROM78)'],
  ];

  it.each(accepted)('accepts %s', (query) => {
    expect(grammar.matches(query)).toBe(true);
  });

  it.each(rejected)('rejects %s (%s)', (query) => {
    expect(grammar.matches(query)).toBe(false);
  });

  it('takes aliases without AS when asked to', () => {
    const implicit = compileSqlGrammar(SCHEMA, { implicitAliases: true });
    expect(implicit.matches('SELECT count(*) n FROM singer s')).toBe(true);
    expect(implicit.matches('SELECT s.name FROM singer s JOIN concert c USING (singer_id)')).toBe(true);
    expect(implicit.matches('SELECT name FROM singer AS s')).toBe(true);
    expect(implicit.matches('SELECT name FROM singer where')).toBe(false);
  });

  it('restricts table aliases to a given list', () => {
    const listed = compileSqlGrammar(SCHEMA, { aliases: ['T1', 'T2'] });
    expect(listed.matches('SELECT T1.name, t2.year FROM singer AS T1 JOIN concert AS T2 ON T1.singer_id = T2.singer_id')).toBe(true);
    expect(listed.matches('SELECT s.name FROM singer AS s')).toBe(false);
    expect(listed.matches('SELECT name FROM singer AS T3')).toBe(false);
    // Result-column aliases stay free.
    expect(listed.matches('SELECT count(*) AS n FROM singer')).toBe(true);
    expect(() => sqlGrammarSource(SCHEMA, { aliases: ['select'] })).toThrow(InputError);
    expect(() => sqlGrammarSource(SCHEMA, { aliases: [] })).toThrow(InputError);
  });

  it('offers the common functions only when asked to', () => {
    const common = compileSqlGrammar(SCHEMA, { functions: 'common' });
    expect(common.matches("SELECT upper(name), round(avg(age), 1), strftime('%Y', 'now') FROM singer")).toBe(true);
    expect(common.matches('SELECT acos(age) FROM singer')).toBe(false);
  });

  it('bounds whitespace runs between tokens', () => {
    const tight = compileSqlGrammar(SCHEMA, { maxWhitespace: 3 });
    expect(tight.matches('SELECT   name FROM singer')).toBe(true);
    expect(tight.matches('SELECT    name FROM singer')).toBe(false);
    expect(() => compileSqlGrammar(SCHEMA, { maxWhitespace: 0 })).toThrow(InputError);
  });

  it('offers only the functions the database engine has', () => {
    const narrow = compileSqlGrammar({ ...SCHEMA, functions: ['count', 'max', 'upper'] });
    expect(narrow.matches('SELECT upper(name), max(age) FROM singer')).toBe(true);
    expect(narrow.matches('SELECT lower(name) FROM singer')).toBe(false);
  });

  it('refuses a schema without tables or with a table without columns', () => {
    expect(() => sqlGrammarSource({ tables: [] })).toThrow(InputError);
    expect(() => sqlGrammarSource({ tables: [{ name: 't', columns: [] }] })).toThrow(/has no columns/);
  });

  it('writes Lark text that the Lark front-end reads', () => {
    const source = sqlGrammarSource(SCHEMA);
    expect(source).toContain('table_0: "singer"i');
    expect(source).toContain('"\\"x\\"\\"y\\""i');
    expect(() => parseLark(source, { start: 'start' })).not.toThrow();
    expect(() => parseLark(sqlGrammarSource(), { start: 'start' })).not.toThrow();
  });
});

describe('plain SQLite grammar', () => {
  const grammar = compileSqlGrammar();
  it.each([
    'SELECT foo FROM bar',
    'SELECT desc, date, left FROM t',
    'SELECT t.a FROM t AS x WHERE x.b = 1',
    'SELECT [my col] FROM "my table"',
    'SELECT count(*) FROM t GROUP BY a HAVING count(*) > 1',
  ])('accepts %s', (query) => {
    expect(grammar.matches(query)).toBe(true);
  });
  it.each(['SELECT a FROM t order', 'selecta from t', 'SELECT a FROM t AS select', 'UPDATE t SET a = 1'])('rejects %s', (query) => {
    expect(grammar.matches(query)).toBe(false);
  });
});

describe('the grammar only produces what SQLite parses', () => {
  // Random queries drawn from the grammar (uniformly among the allowed tokens of a vocabulary of SQL
  // pieces, stopping at random where a query may end) must never be a syntax error for SQLite. Name
  // errors are expected (alias-qualified columns, result aliases, a FROM-less `*`): the execution
  // check is there for those.
  for (const kind of ['schema', 'plain'] as const) {
    it(`${kind}: 150 random queries parse in SQLite`, async () => {
      const SQL = await loadSqlJs();
      const db = new SQL.Database();
      db.run('CREATE TABLE singer(Singer_ID, Name, Age, "desc", "order"); CREATE TABLE concert(concert_ID, Year, Singer_ID); CREATE TABLE "Home Town"("x""y"); CREATE TABLE foo(a, b)');
      const schema = kind === 'schema' ? SCHEMA : undefined;
      const pieces = sqlPieces(sqlGrammarSource(schema));
      const vocabulary = vocabularyFromBytes([new Uint8Array(0), ...pieces.map((p) => new TextEncoder().encode(p))], { eosIds: [0] });
      const automaton = createTokenAutomaton(compileSqlGrammar(schema), vocabulary) as TokenAutomaton<unknown>;
      const mask = new Uint32Array(maskWords(vocabulary.size));
      let seed = kind === 'schema' ? 7 : 11;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const syntaxErrors: string[] = [];
      let queries = 0;
      while (queries < 150) {
        let state: unknown = automaton.initial;
        const text: string[] = [];
        let finished = false;
        for (let i = 0; i < 60 && !finished; i++) {
          mask.fill(0);
          automaton.mask(state, mask);
          const allowed: number[] = [];
          for (let t = 1; t < vocabulary.size; t++) if (maskHas(mask, t)) allowed.push(t);
          if (automaton.accepts(state) && (random() < 0.25 || allowed.length === 0)) finished = true;
          else if (allowed.length === 0) break;
          else {
            const t = allowed[Math.floor(random() * allowed.length)];
            state = automaton.advance(state, t);
            text.push(pieces[t - 1]);
          }
        }
        if (!finished) continue;
        queries++;
        const query = text.join('');
        try {
          db.exec(query);
        } catch (error) {
          const message = (error as Error).message;
          if (/near "|incomplete input|unrecognized token|syntax error/.test(message)) syntaxErrors.push(`${query} -> ${message}`);
        }
      }
      db.close();
      expect(syntaxErrors).toEqual([]);
    });
  }
});

describe('grammar size', () => {
  it('the word-boundary split keeps the grammar within a small factor of the Lark text', () => {
    const source = parseLark(sqlGrammarSource(SCHEMA), { start: 'start' });
    const ir = sqlGrammarIR(SCHEMA);
    // Measured: 5-6x the symbol references (variants by the class of the token before and after a
    // rule, plus helpers where a sequence branches) and at most 2x the lexemes (separator optional or
    // required, plus the trailing whitespace).
    expect(references(ir)).toBeLessThan(8 * references(source));
    expect(ir.lexemes.length).toBeLessThanOrEqual(2 * source.lexemes.length + 1);
  });

  it('passes the compiler limits through', () => {
    expect(() => compileSqlGrammar({ tables: [{ name: 't', columns: [{ name: 'a' }] }] }, { limits: { maxLexemes: 5 } })).toThrow(LimitError);
  });
});

/** Rule and lexeme references in all rule bodies: the size of a grammar. */
function references(ir: GrammarIR): number {
  let n = 0;
  for (const rule of ir.rules) walkExpr(rule.body, (e) => (n += e.kind === 'rule' || e.kind === 'lexeme' ? 1 : 0));
  return n;
}

/** SQL pieces for random queries: punctuation, literals, aliases, and every word of the grammar in two cases. */
function sqlPieces(source: string): string[] {
  const words = new Set<string>();
  for (const m of source.matchAll(/"([A-Za-z_]+)"i/g)) words.add(m[1]);
  return [
    ' ', '  ', '\n', '(', ')', ',', '.', '*', '=', '==', '<', '>', '<=', '>=', '!=', '<>', '+', '-', '/', '%', '||', '&', '|',
    '<<', '>>', '~', '->', '->>', ';', "'a'", "'it''s'", '"x"', '"Name"', '`Age`', '[Year]', '"x""y"', '1', '2.5', '.5', '1e3',
    '0x1F', "x'0a'", 'T1', 'T2', 'foo', ...[...words].flatMap((w) => [w, w.toUpperCase()]),
  ];
}

interface SqlJsDatabase {
  run(sql: string): void;
  exec(sql: string): unknown;
  close(): void;
}

async function loadSqlJs(): Promise<{ Database: new () => SqlJsDatabase }> {
  const init = createRequire(import.meta.url)('sql.js') as (config: object) => Promise<{ Database: new () => SqlJsDatabase }>;
  return init({ useOldExtensionFunctions: false });
}
