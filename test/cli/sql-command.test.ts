import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { EXIT, exitCodeOf } from '../../src/cli/exit-codes.js';
import { serveCommand } from '../../src/cli/serve-command.js';
import { sqlCommand } from '../../src/cli/sql-command.js';
import { IncompleteOutputError } from '../../src/engine/generate/output-errors.js';
import { InputError } from '../../src/errors.js';
import { maskFuelsOf } from '../engine/api/fixtures.js';
import { fileHash, writeDatabaseFile } from '../engine/sql/sql-fixtures.js';
import { repoRoot } from '../support/shared-data.js';

/** Runs a command in this process with captured output; a thrown error is returned with its exit status. */
async function run(
  command: (argv: readonly string[], io: CliIo) => Promise<number>,
  argv: readonly string[],
  options: { signal?: AbortSignal; onStdout?: (text: string) => void } = {},
): Promise<{ code: number; stdout: string; stderr: string; error?: unknown }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => ((stdout += text), options.onStdout?.(stdout)) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: process.cwd(),
    signal: options.signal ?? new AbortController().signal,
    readStdin: async () => undefined,
  };
  try {
    return { code: await command(argv, io), stdout, stderr };
  } catch (error) {
    return { code: exitCodeOf(error), stdout, stderr, error };
  }
}

describe('formwork sql and formwork serve', () => {
  let work: string;
  const modelDir = join(repoRoot, 'models', 'default');
  let file: Awaited<ReturnType<typeof writeDatabaseFile>>;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'formwork-sql-cli-'));
    file = await writeDatabaseFile();
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    file?.cleanup();
  });

  it('prints help, the grammar, and the rows of a given query', async () => {
    expect((await run(sqlCommand, ['--help'])).stdout).toContain('Usage: formwork sql --db FILE');
    const grammar = await run(sqlCommand, ['--db', file.path, '--print-grammar']);
    expect(grammar.code).toBe(EXIT.ok);
    expect(grammar.stdout).toContain('table_0: "singer"i');
    const rows = await run(sqlCommand, ['--db', file.path, '--query', 'SELECT name, age FROM singer ORDER BY age']);
    expect(rows.stdout).toBe('SELECT name, age FROM singer ORDER BY age\nname\tage\nBo\t31\nCy\t45\nAda\t52\n(3 rows)\n');
    const json = await run(sqlCommand, ['--db', file.path, '--query', 'SELECT title FROM concert', '--max-rows', '1', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ sql: 'SELECT title FROM concert', columns: ['title'], rows: [['Spring']], truncated: true });
  });

  it('refuses writes, missing and broken databases with usage errors, leaving the file as it was', async () => {
    const before = fileHash(file.path);
    const write = await run(sqlCommand, ['--db', file.path, '--query', 'DELETE FROM singer']);
    expect(write.code).toBe(EXIT.usage);
    expect(write.error).toBeInstanceOf(InputError);
    expect((write.error as Error).message).toMatch(/read-only/);
    expect(fileHash(file.path)).toBe(before);
    expect((await run(sqlCommand, ['question'])).code).toBe(EXIT.usage);
    const missing = await run(sqlCommand, ['--db', join(work, 'none.sqlite'), 'q']);
    expect(missing.code).toBe(EXIT.usage);
    expect((missing.error as Error).message).toContain('none.sqlite');
  });

  it('generates with a model, and says so when the query is not finished', async () => {
    const result = await run(sqlCommand, ['--db', file.path, '--model', modelDir, '--max-tokens', '2', '--json', 'How many singers?']);
    // No query of this database fits in 2 tokens: exit 1 with the partial query as JSON.
    expect(result.code).toBe(EXIT.generationFailed);
    expect(result.error).toBeInstanceOf(IncompleteOutputError);
    const printed = JSON.parse(result.stdout) as { error: { code: string }; sql: string };
    expect(printed.error.code).toBe('INCOMPLETE_OUTPUT');
    expect(typeof printed.sql).toBe('string');
  });

  it('passes --mask-fuel to every grammar mask, and refuses one that is not a non-negative integer', async () => {
    let result: Awaited<ReturnType<typeof run>> | undefined;
    const fuels = await maskFuelsOf(async () => {
      result = await run(sqlCommand, ['--db', file.path, '--model', modelDir, '--max-tokens', '2', '--mask-fuel', '4', '--json', 'How many singers?']);
    });
    expect(result?.code).toBe(EXIT.generationFailed);
    expect(fuels.length).toBeGreaterThan(0);
    expect(new Set(fuels)).toEqual(new Set([4]));
    for (const value of ['-2', '0.5', 'x']) {
      const bad = await run(sqlCommand, ['--db', file.path, `--mask-fuel=${value}`, 'q']);
      expect(bad.code, value).toBe(EXIT.usage);
      expect(bad.error, value).toBeInstanceOf(InputError);
      expect((bad.error as Error).message, value).toContain('--mask-fuel must be an integer >= 0');
    }
    expect((await run(sqlCommand, ['--help'])).stdout).toContain('--mask-fuel N');
  });

  it('serves until interrupted, then shuts down', async () => {
    const stop = new AbortController();
    let listening: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const served = run(serveCommand, ['--port', '0', '--model', modelDir, '--db', `music=${file.path}`, '--quiet'], {
      signal: stop.signal,
      onStdout: (text) => {
        const match = /listening on (http:\/\/\S+)/.exec(text);
        if (match) listening(match[1]);
      },
    });
    const base = await url;
    expect(await (await fetch(`${base}/v1/health`)).json()).toMatchObject({ status: 'ok', databases: ['music'] });
    const query = await fetch(`${base}/v1/sql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ database: 'music', sql: 'SELECT count(*) FROM concert' }),
    });
    expect(await query.json()).toMatchObject({ rows: [[3]] });
    stop.abort();
    const result = await served;
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain('1 database: music');
    expect(result.stderr).toContain('formwork serve: stopped');
    expect((await run(serveCommand, ['--port', 'x'])).code).toBe(EXIT.usage);
  });
});
