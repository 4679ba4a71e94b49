import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { runJournaledPeer } from '../../../bench/peers/journaled-peer-run.js';
import type { PeerSchemaResult } from '../../../bench/peers/peer-protocol.js';
import { readJournal } from '../../../bench/report/result-journal.js';
import { tinyVocabulary } from './tiny-vocabulary.js';

const fixture = fileURLToPath(new URL('./fixtures/behaviour-engine.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'formwork-journaled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schemas = ['s1', 's2', 's3'].map((id) => ({
  id,
  schema: '{}',
  instances: [{ tokens: [1], valid: true }],
  extra: { subset: id === 's3' ? 'B' : 'A' },
}));

const run = (resume: boolean, journalPath: string, retry?: PeerSchemaResult['status'][]) =>
  runJournaledPeer({
    bench: 'maskbench',
    engine: 'xgrammar',
    engineModule: fixture,
    vocabulary: tinyVocabulary,
    schemas,
    config: { dataset: 'fixture' },
    journalPath,
    resume,
    retry,
    command: 'test',
  });

describe('journaled peer run', () => {
  it('appends every result with its extra fields, and a resumed run computes only what is missing', async () => {
    const journalPath = join(dir, 'run.jsonl');
    const first = await run(false, journalPath);
    expect(first.computed).toBe(3);
    expect(first.records.map((record) => [record.id, record.subset, record.status])).toEqual([
      ['s1', 'A', 'ok'],
      ['s2', 'A', 'ok'],
      ['s3', 'B', 'ok'],
    ]);
    // Interrupt: keep the header and the first record, and half of the second line.
    const lines = readFileSync(journalPath, 'utf8').split('\n');
    writeFileSync(journalPath, `${lines[0]}\n${lines[1]}\n${lines[2].slice(0, 20)}`);
    const resumed = await run(true, journalPath);
    expect(resumed.computed).toBe(2);
    expect(resumed.records.map((record) => record.id)).toEqual(['s1', 's2', 's3']);
    expect(resumed.engineLabel).toBe('behaviour fixture');
    expect(readJournal(journalPath).records.map((record) => record.id)).toEqual(['s1', 's2', 's3']);
    // Everything done: nothing is recomputed and no worker is started.
    const again = await run(true, journalPath);
    expect(again.computed).toBe(0);
    expect(again.records).toHaveLength(3);
    expect(again.engineLabel).toBe('behaviour fixture');
    // Retrying a status recomputes those schemas; their new lines supersede the old ones.
    const retried = await run(true, journalPath, ['ok']);
    expect(retried.computed).toBe(3);
    expect(readFileSync(journalPath, 'utf8').trim().split('\n')).toHaveLength(1 + 3 + 3);
    expect(readJournal(journalPath).records.map((record) => record.id)).toEqual(['s1', 's2', 's3']);
  });
});
