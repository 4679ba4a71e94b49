import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadPeerTokenizer } from '../../../bench/peers/peer-tokenizer.js';
import { runPeer } from '../../../bench/peers/run-peer.js';
import { repoRoot } from '../../support/shared-data.js';

// The default model's tokenizer ships in the repository: no shared data needed.
const tokenizerDir = join(repoRoot, 'models', 'default');

describe('formwork as an engine of the peer harness', () => {
  it('forces instances through the JSON Schema automaton in a worker, with the peers\u2019 record shape', async () => {
    const { encode } = loadPeerTokenizer(tokenizerDir);
    const instance = (text: string, valid: boolean) => ({ tokens: encode(text), valid });
    const schema = JSON.stringify({ type: 'object', properties: { a: { type: 'integer', minimum: 2 } }, required: ['a'] });
    const run = await runPeer({
      engine: 'formwork',
      tokenizerDir,
      timeoutMs: 60_000,
      schemas: [
        {
          id: 'object',
          schema,
          instances: [instance('{"a": 12}', true), instance('{"a": 1}', false), instance('{"a": 1.5}', false), instance('{}', false), instance('{"a": 3', false)],
        },
        // An invalid schema is a compile error of that schema only.
        { id: 'bad', schema: '{"type": "strin"}', instances: [instance('"x"', true)] },
      ],
    });
    expect(run.engine.name).toBe('formwork');
    const [object, bad] = run.results;
    expect(object.status).toBe('ok');
    expect(object.instances.map((result) => result.accepted)).toEqual([true, false, false, false, false]);
    // '{"a": 3' is a prefix: every token passes, EOS does not.
    expect(object.instances[4].rejectedAt).toBe(object.instances[4].tokens);
    expect(object.instances[0].rejectedAt).toBe(-1);
    expect(object.compileMs).toBeGreaterThan(0);
    expect(object.ttfmMs).toBeGreaterThanOrEqual(object.compileMs!);
    // One timed mask per token after the very first (which is in ttfmMs) plus the EOS mask of each
    // instance that got that far; no disagreement between masks and advance.
    expect(object.maskUs.length).toBeGreaterThan(0);
    expect(object.warnings).toBeUndefined();
    expect(bad.status).toBe('compileError');
    expect(bad.error).toMatch(/type/);
    expect(run.summary.passing).toBe(1);
    expect(run.summary.compileErrors).toBe(1);
  }, 60_000);
});
