import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SqlDatabase } from '../../../src/engine/sql/sql-database.js';
import { sharedData, skipUnlessSharedData } from '../../support/shared-data.js';

/**
 * Spider's gold queries against the grammars of their databases. The full run (every dev query) is
 * `npx tsx bench/sql.ts --spider ../shared/data/spider` (bench/RESULTS.md: 720 of 720 accepted); here
 * a fixed subset keeps CI fast: every 3rd query of the three databases with the most varied queries
 * (compiling a database's grammar is the main cost).
 */
const DATABASES = new Set(['world_1', 'car_1', 'dog_kennels']);

describe.skipIf(skipUnlessSharedData('spider/dev.json'))('Spider dev gold queries', () => {
  const examples = JSON.parse(readFileSync(sharedData('spider/dev.json'), 'utf8')) as { db_id: string; query: string }[];
  const byDatabase = new Map<string, string[]>();
  examples.forEach((e, i) => {
    if (i % 3 === 0 && DATABASES.has(e.db_id)) byDatabase.set(e.db_id, [...(byDatabase.get(e.db_id) ?? []), e.query]);
  });

  it(`every 3rd gold query (${[...byDatabase.values()].flat().length} over ${byDatabase.size} databases) is accepted by its database's grammar and runs`, async () => {
    const rejected: string[] = [];
    const failed: string[] = [];
    for (const [name, queries] of byDatabase) {
      const database = await SqlDatabase.open(sharedData(`spider/database/${name}/${name}.sqlite`));
      try {
        const grammar = database.grammar();
        for (const query of queries) {
          if (!grammar.matches(query)) rejected.push(`${name}: ${query}`);
          const result = database.execute(query, { maxRows: 1 });
          if (!result.ok) failed.push(`${name}: ${query}: ${result.error}`);
        }
      } finally {
        database.close();
      }
    }
    expect(rejected).toEqual([]);
    expect(failed).toEqual([]);
  });
});
