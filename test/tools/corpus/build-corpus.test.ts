import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The corpus build end to end on a small corpus: the held-out SQL questions on training databases must
 * be new to training (with 400,000 documents, 93 of 100 questions drawn from the same templates used to
 * repeat a training question word for word, so the evaluation measured memory).
 */
const repoRoot = join(import.meta.dirname, '..', '..', '..');

interface Doc { kind: string; prompt: string }
interface EvalSql { set: string; db: string; question: string }

const lines = <T>(path: string): T[] => readFileSync(path, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l) as T);

describe('build-corpus.ts', () => {
  let out = '';
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'formwork-corpus-'));
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'tools', 'corpus', 'build-corpus.ts'), '--train', '3000', '--valid', '10', '--eval-json', '8', '--eval-sql', '40', '--out', out],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(`build-corpus.ts failed: ${run.stderr}`);
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('draws SQL evaluation questions on training databases that no training document asks there', () => {
    const train = lines<Doc>(join(out, 'train.jsonl')).filter((d) => d.kind === 'sql');
    const databases = JSON.parse(readFileSync(join(out, 'databases.json'), 'utf8')) as Record<string, { creates: string[] }>;
    const evalSql = lines<EvalSql>(join(out, 'eval-sql.jsonl'));
    const seen = evalSql.filter((e) => e.set === 'seen-db');
    expect(seen.length).toBe(20);
    // A prompt shows its database as one-line CREATE statements: it is e.db's when it creates every
    // table of e.db.
    const tablesOf = (db: string): string[] => databases[db]!.creates.map((c) => /CREATE TABLE (\w+)/.exec(c)![1]!);
    const asks = (d: Doc, db: string, question: string): boolean =>
      d.prompt.includes(question) && tablesOf(db).every((t) => d.prompt.includes(`CREATE TABLE ${t} (`));
    expect(train.some((d) => asks(d, seen[0]!.db, ''))).toBe(true); // the matcher does find a database's prompts
    for (const e of seen) {
      const repeats = train.filter((d) => asks(d, e.db, e.question));
      expect(repeats, `${e.db}: ${e.question}`).toHaveLength(0);
    }
    // The rule was exercised: at this size some first draws repeat a training question.
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as { evalSqlRedrawn: number };
    expect(stats.evalSqlRedrawn).toBeGreaterThan(0);
  });
});
