import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { PeerProcess } from '../../../bench/peers/peer-process.js';
import type { PeerSchema } from '../../../bench/peers/peer-protocol.js';
import { runPeer } from '../../../bench/peers/run-peer.js';
import { FormworkError } from '../../../src/errors.js';

const fixture = fileURLToPath(new URL('./fixtures/behaviour-engine.ts', import.meta.url));

const schema = (id: string): PeerSchema => ({
  id,
  schema: '{}',
  instances: [
    { tokens: [1, 2], valid: true },
    { tokens: [3], valid: false },
  ],
});

const pidOf = (warnings: string[] | undefined): number => Number(warnings?.[0]?.replace('pid ', ''));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('peer process watchdog', () => {
  it('records hangs, deaths and aborts as that schema\'s result and carries on with a fresh worker', async () => {
    const progress: string[] = [];
    const run = await runPeer({
      engine: 'xgrammar', // overridden by engineModule
      engineModule: fixture,
      vocabulary: { encodedVocab: ['a'], vocabType: 'raw', prependSpace: false, eosId: 0, specialIds: [] },
      schemas: ['ok1', 'hang', 'ok2', 'exit', 'ok3', 'abort', 'ok4', 'throw', 'ok5'].map(schema),
      timeoutMs: 2000,
      onProgress: ({ done, total, result }) => progress.push(`${done}/${total} ${result.id}`),
    });
    expect(run.results.map((result) => [result.id, result.status])).toEqual([
      ['ok1', 'ok'],
      ['hang', 'timeout'],
      ['ok2', 'ok'],
      ['exit', 'crash'],
      ['ok3', 'ok'],
      ['abort', 'compileError'],
      ['ok4', 'ok'],
      ['throw', 'crash'],
      ['ok5', 'ok'],
    ]);
    expect(progress[1]).toBe('2/9 hang');
    const [ok1, , ok2, exit, ok3, , ok4, thrown, ok5] = run.results;
    expect(run.results[1].error).toMatch(/no result within 2000 ms; the worker was killed/);
    expect(exit.error).toMatch(/the worker died \(exit code 7, signal null\)/);
    expect(thrown.error).toMatch(/engine bug \(fixture\)/);
    // The hung worker (which had run ok1) was killed, not left spinning.
    expect(isAlive(pidOf(ok1.warnings))).toBe(false);
    const pids = [ok1, ok2, ok3, ok4, ok5].map((result) => pidOf(result.warnings));
    // A new worker after the hang, the exit, the abort and the throw: five distinct processes.
    expect(new Set(pids).size).toBe(5);
    expect(run.restarts).toBe(4);
    expect(run.summary).toMatchObject({ schemas: 9, passing: 5, compileErrors: 1, timeouts: 1, crashes: 2 });
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('fails loudly, with the engine\'s message, when the worker cannot start at all', async () => {
    const peer = new PeerProcess({
      init: { engine: 'xgrammar', engineModule: fixture, options: { failInit: true } },
      timeoutMs: 1000,
    });
    const error = await peer.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FormworkError);
    expect((error as FormworkError).code).toBe('PEER_START');
    expect((error as Error).message).toMatch(/tokenizer\.json is missing \(fixture\)/);
  });
});
