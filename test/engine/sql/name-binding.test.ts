import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nameBindingCheck } from '../../../src/engine/sql/name-binding.js';
import { SqlDatabase } from '../../../src/engine/sql/sql-database.js';
import { sharedData, skipUnlessSharedData } from '../../support/shared-data.js';

const check = nameBindingCheck({
  tables: [
    { name: 'singer', columns: [{ name: 'singer_id' }, { name: 'Name' }, { name: 'age' }] },
    { name: 'concert', columns: [{ name: 'concert_id' }, { name: 'year' }, { name: 'singer_id' }] },
    { name: 'Home Town', columns: [{ name: 'city' }] },
  ],
});

const JOIN = 'SELECT T1.name FROM singer AS T1 JOIN concert AS T2 ON T1.singer_id = T2.singer_id';

describe('nameBindingCheck', () => {
  it.each([
    [`${JOIN} WHERE T2.nme = 1`, 'T2 is concert, which has no nme'],
    [`${JOIN} WHERE T2.name `, 'concert has no name'],
    [`${JOIN} WHERE T3.year `, 'T3 is bound nowhere'],
    [`${JOIN} GROUP BY T1.year `, 'singer has no year'],
    ['SELECT name FROM singer AS s WHERE singer.age > 1', 'an alias hides the table name'],
    ['SELECT name FROM singer WHERE singer.year ', 'no year in singer'],
    ['SELECT * FROM singer WHERE age IN (SELECT T1.age FROM concert AS T1 WHERE T1.age ', 'the inner T1 is concert'],
    ['SELECT x FROM singer ORDER BY T1.* ', 'T1 unbound'],
    ['SELECT city FROM [Home Town] AS h WHERE "H".town = 1', 'quoted, any case'],
    [`${JOIN} WHERE T2.na`, 'no column of concert starts with na'],
    [`${JOIN} WHERE T3.`, 'T3 cannot be bound any more'],
  ])('rejects %j (%s)', (text) => {
    expect(check(text)).toBe(false);
  });

  it.each([
    ['SELECT T9.anything, T3.x FROM', 'the select list comes before FROM'],
    [`${JOIN} WHERE T2.year = 2014 AND T1.Name LIKE 'a%' ORDER BY T1.AGE`, 'every name binds'],
    ['SELECT a FROM singer AS T1 JOIN concert AS T2 ON T1.nothing = T2.nothing', 'ON: the FROM clause is still open'],
    [`${JOIN} WHERE T2.ye`, 'the last name may still grow into year'],
    [`${JOIN} WHERE T2."Ye`, 'quoted, any case'],
    [`${JOIN} WHERE T2.`, 'T2 is bound'],
    ['SELECT * FROM (SELECT name FROM singer) AS sub WHERE sub.whatever = 1', 'a subquery in FROM: columns unknown'],
    ['SELECT name FROM singer UNION SELECT year FROM concert ORDER BY T9.x', 'ORDER BY of a compound names result columns'],
    ['SELECT * FROM singer AS T1 WHERE T1.age > (SELECT max(T2.age) FROM singer AS T2 WHERE T2.singer_id = T1.singer_id)', 'correlated subquery'],
    ['SELECT (SELECT count(*) FROM concert AS c WHERE c.singer_id = T1.singer_id) FROM singer AS T1', 'outer alias declared later'],
    ['SELECT * FROM singer WHERE singer.rowid = 1', 'rowid'],
    ["SELECT 'T9.x' FROM singer WHERE name = 'a.b'", 'dots in strings'],
    ['SELECT * FROM unknown_table AS u WHERE u.x = 1', 'a table the schema does not know'],
  ])('accepts %j (%s)', (text) => {
    expect(check(text)).toBe(true);
  });

  it('is monotone on these examples: every extension of a rejected prefix is rejected', () => {
    const rejected = `${JOIN} WHERE T2.nme `;
    for (const more of ['= 1', 'IS NULL', 'AND T1.name = 2', ')']) expect(check(rejected + more)).toBe(false);
  });
});

describe.skipIf(skipUnlessSharedData('spider/dev.json'))('nameBindingCheck on Spider', () => {
  it('never rejects a prefix of a gold query that runs (3 databases)', async () => {
    const examples = JSON.parse(readFileSync(sharedData('spider/dev.json'), 'utf8')) as { db_id: string; query: string }[];
    const rejected: string[] = [];
    for (const name of ['world_1', 'car_1', 'dog_kennels']) {
      const database = await SqlDatabase.open(sharedData(`spider/database/${name}/${name}.sqlite`));
      try {
        const bindable = nameBindingCheck(database.schema);
        for (const { query } of examples.filter((e) => e.db_id === name)) {
          if (!database.execute(query, { maxRows: 1 }).ok) continue;
          for (let k = 0; k <= query.length; k++) {
            if (!bindable(query.slice(0, k))) {
              rejected.push(`${name}: ${query.slice(0, k)}`);
              break;
            }
          }
        }
      } finally {
        database.close();
      }
    }
    expect(rejected).toEqual([]);
  });
});
