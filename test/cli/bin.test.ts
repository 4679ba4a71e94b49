import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { v8PoolSizeFor } from '../../src/cli/v8-pool-size.js';
import { sharedData, skipUnlessSharedData } from '../support/shared-data.js';
import { runBin } from './cli-harness.js';

/** The real `bin/formwork.js` in child processes: what a shell script sees. */
const work = mkdtempSync(join(tmpdir(), 'formwork-bin-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bin/formwork.js', () => {
  it('passes the exit status to the shell (usage error: 2, stderr names the problem)', () => {
    const run = runBin(['generate', '--no-such-flag']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/^formwork: .*no-such-flag/);
    expect(run.stdout).toBe('');
  });

  it('`bench NAME args` runs the script with its arguments and passes its exit status through', () => {
    const benchDir = join(work, 'bench');
    mkdirSync(benchDir, { recursive: true });
    writeFileSync(
      join(benchDir, 'echo.ts'),
      '/** Echo benchmark: prints its arguments. */\nconsole.log(JSON.stringify(process.argv.slice(2)));\nprocess.exitCode = 3;\n',
    );
    const env = { FORMWORK_BENCH_DIR: benchDir, FORMWORK_FROM_SOURCES: '1' };
    const run = runBin(['bench', 'echo', '--json', 'a b'], { env });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual(['--json', 'a b']);
  });

  it('`bench` starts scripts with --expose-gc, and the grammar bench with V8 threads sized to the machine unless NODE_OPTIONS sizes them', () => {
    const benchDir = join(work, 'bench-flags');
    mkdirSync(benchDir, { recursive: true });
    const printFlags = 'console.log(JSON.stringify(process.execArgv), process.argv.length);\n';
    writeFileSync(join(benchDir, 'grammar.ts'), `/** Grammar benchmark stand-in: prints its Node flags. */\n${printFlags}`);
    writeFileSync(join(benchDir, 'other.ts'), `/** Another benchmark: prints its Node flags. */\n${printFlags}`);
    const env = { FORMWORK_BENCH_DIR: benchDir, FORMWORK_FROM_SOURCES: '1', NODE_OPTIONS: '' };
    const flagsOf = (name: string, extra: Record<string, string> = {}): string[] => {
      const run = runBin(['bench', name], { env: { ...env, ...extra } });
      expect(run.code, run.stderr).toBe(EXIT.ok);
      return JSON.parse(run.stdout.split(' ')[0]) as string[];
    };
    const pool = (flags: string[]) => flags.filter((f) => f.startsWith('--v8-pool-size'));
    const sized = flagsOf('grammar');
    expect(sized).toContain('--expose-gc');
    expect(pool(sized)).toEqual([`--v8-pool-size=${v8PoolSizeFor(availableParallelism())}`]);
    const other = flagsOf('other');
    expect(other).toContain('--expose-gc');
    expect(pool(other)).toEqual([]);
    expect(pool(flagsOf('grammar', { NODE_OPTIONS: '--v8-pool-size=3' }))).toEqual([]);
  });
});

/**
 * Issue 3's must-show through the CLI: stories260K converted from safetensors, then greedy-decoded
 * with the raw prompt (no chat template; the tokenizer adds BOS): the generated ids are exactly the
 * reference's greedy ids after the prompt.
 */
describe.skipIf(skipUnlessSharedData('models/stories260K'))('formwork convert + generate on stories260K', () => {
  it('prints JSON whose tokens equal reference_greedy.json after the prompt', () => {
    const out = join(work, 'stories');
    const convert = runBin(['convert', sharedData('models/stories260K'), out]);
    expect(convert.code, convert.stderr).toBe(EXIT.ok);
    const run = runBin(['generate', '--model', out, '--prompt', 'Once upon a time', '--max-tokens', '64', '--sampler', 'greedy', '--json']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const reference = JSON.parse(readFileSync(sharedData('models/stories260K/reference_greedy.json'), 'utf8')) as {
      prompt_ids: number[];
      greedy_ids: number[];
      greedy_text: string;
    };
    const result = JSON.parse(run.stdout) as { tokens: number[]; text: string; usage: { promptTokens: number }; finishReason: string };
    expect(result.tokens).toEqual(reference.greedy_ids.slice(reference.prompt_ids.length));
    expect(result.usage.promptTokens).toBe(reference.prompt_ids.length);
    expect(`Once upon a time${result.text}`).toBe(reference.greedy_text);
    expect(result.finishReason).toBe('length');
  });
});
