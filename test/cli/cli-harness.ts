import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { repoRoot } from '../support/shared-data.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `formwork ...argv` in this process with captured output (stdin: `stdin`, or a terminal when undefined). */
export async function runCli(argv: readonly string[], options: { stdin?: string; signal?: AbortSignal; cwd?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: options.cwd ?? repoRoot,
    signal: options.signal ?? new AbortController().signal,
    readStdin: async () => options.stdin,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Runs the real `bin/formwork.js` in a child process (stdin closed unless given). */
export function runBin(argv: readonly string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): CliRun {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'formwork.js'), ...argv], {
    cwd: repoRoot,
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...process.env, ...options.env },
    timeout: options.timeoutMs ?? 120_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
