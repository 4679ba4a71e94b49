import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { executes, executionPotential, executionReward } from '../../../src/engine/sql/execution-check.js';
import { ReadOnlyDatabase } from '../../../src/engine/sql/read-only-database.js';
import { compileSqlGrammar } from '../../../src/grammar/sql/index.js';
import { createTokenAutomaton } from '../../../src/grammar/automaton/trie-token-automaton.js';
import { runDeal } from '../../../src/sampler/alignment/index.js';
import { completeOf, prefixOf } from '../../../src/sampler/potential/potential.js';
import { checkPotentialContract } from '../../sampler/potential-contract.js';
import { answerModel, MUSIC_STATEMENTS } from './sql-fixtures.js';

const bytesOf = (text: string) => [...new TextEncoder().encode(text)].map((b) => b + 1);

describe('the execution check', () => {
  let db: ReadOnlyDatabase;
  beforeAll(async () => {
    db = await ReadOnlyDatabase.open({ statements: MUSIC_STATEMENTS });
  });
  afterAll(() => db?.close());

  it('says whether a query runs', () => {
    expect(executes(db, 'SELECT name FROM singer')).toBe(true);
    expect(executes(db, 'SELECT T2.name FROM singer AS T1')).toBe(false);
    expect(executes(db, 'SELECT name FROM singer GROUP BY count(*)')).toBe(false);
    expect(executes(db, 'DELETE FROM singer')).toBe(false);
    expect(executes(db, 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c', { timeoutMs: 100 })).toBe(false);
  });

  it('is a boolean potential over the completed text that keeps the potential contract', () => {
    const { model } = answerModel([]);
    const potential = executionPotential(db, { vocabulary: model.vocabulary, eosId: 0 });
    expect(potential.kind).toBe('boolean');
    expect(completeOf(potential, bytesOf('SELECT age FROM singer'))).toBe(0);
    expect(completeOf(potential, bytesOf('SELECT nope FROM singer'))).toBe(-Infinity);
    // Prefixes are the grammar's business: an unfinished query is not refused here.
    expect(prefixOf(potential, bytesOf('SELECT nope FROM'))).toBe(0);
    checkPotentialContract(potential, {
      contexts: [bytesOf('SELECT 1'), bytesOf('SELECT age FROM singer'), bytesOf('SELECT nope FROM singer')],
      tokens: [0, ...bytesOf('S 1;x')],
    });
  });

  it('with the schema, also ends a prefix whose qualified name cannot bind', async () => {
    const { model } = answerModel([]);
    const schema = { tables: [{ name: 'singer', columns: [{ name: 'name' }, { name: 'age' }] }, { name: 'concert', columns: [{ name: 'year' }] }] };
    const potential = executionPotential(db, { vocabulary: model.vocabulary, eosId: 0, schema });
    const join = 'SELECT T1.name FROM singer AS T1 JOIN concert AS T2 WHERE ';
    expect(prefixOf(potential, bytesOf(`${join}T2.year `))).toBe(0);
    expect(prefixOf(potential, bytesOf(`${join}T2.age `))).toBe(-Infinity);
    checkPotentialContract(potential, { contexts: [bytesOf(`${join}T2.age`), bytesOf(`${join}T2.year`)], tokens: [0, ...bytesOf(' =1')] });
  });

  it('is a reward: 1 for a query that returns rows, emptyResult for one that returns none, 0 for one that does not run', async () => {
    const reward = executionReward(db, { emptyResult: 0.5, timeoutMs: 200 });
    const texts = [
      'SELECT name FROM singer',
      "SELECT name FROM singer WHERE country = 'Chile'",
      'SELECT name FROM singer WHERE',
      'DELETE FROM singer',
      'SELECT 1; SELECT 2',
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c',
    ];
    expect(await reward.score(texts)).toEqual([1, 0.5, 0, 0, 0, 0]);
    expect(await executionReward(db).score([texts[1]])).toEqual([1]);
    // Unfinished texts are run as they are.
    expect(await reward.score(['SELECT name FROM singer', 'SELECT name FROM sing'], { partial: true })).toEqual([1, 0]);
    expect(db.execute('SELECT count(*) FROM singer')).toMatchObject({ ok: true, rows: [[3]] });
    expect(() => executionReward(db, { emptyResult: 2 })).toThrow(InputError);
  });

  it('is a reward that DeAL maximises', async () => {
    const reward = executionReward(db);
    expect(await reward.score(['SELECT name FROM singer', 'SELECT nope FROM singer'])).toEqual([1, 0]);
    // The model prefers a query that does not run (0.7 against 0.3). Greedy decoding writes it; DeAL,
    // looking ahead to the end of each candidate, takes the one that runs.
    const { model } = answerModel([
      { text: 'SELECT nope FROM singer', weight: 0.7 },
      { text: 'SELECT name FROM singer', weight: 0.3 },
    ]);
    const constraint = createTokenAutomaton(compileSqlGrammar({ tables: [{ name: 'singer', columns: [{ name: 'name' }, { name: 'nope' }] }] }), model.vocabulary);
    const promptIds = model.encodePrompt([{ role: 'user', content: 'names?' }]).ids;
    const common = { decoder: model.decoder, promptIds, constraint, vocabulary: model.vocabulary, reward, maxTokens: 40, beamWidth: 1, topK: 2 };
    const greedy = await runDeal({ ...common, lookahead: 0, lambda: 0 });
    expect(greedy.text).toBe('SELECT nope FROM singer');
    const deal = await runDeal({ ...common, lookahead: Infinity, lambda: 10 });
    expect(deal.text).toBe('SELECT name FROM singer');
    expect(deal.reward).toBe(1);
  });
});
