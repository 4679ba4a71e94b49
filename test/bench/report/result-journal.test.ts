import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { InputError } from '../../../src/errors.js';
import { describeMachine } from '../../../bench/report/machine-info.js';
import { JOURNAL_FORMAT, openJournal, readJournal, type JournalHeader } from '../../../bench/report/result-journal.js';

interface Row {
  id: string;
  value: number;
}

const header = (config: Record<string, unknown>): JournalHeader => ({
  format: JOURNAL_FORMAT,
  bench: 'maskbench',
  engine: 'xgrammar',
  engineLabel: 'web-xgrammar test',
  config,
  command: 'npx tsx bench/peers/peer-maskbench.ts --limit 3',
  machine: describeMachine([]),
  startedAt: '2025-01-01T00:00:00.000Z',
});

describe('result journal', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'formwork-journal-'));
    path = join(dir, 'out', 'run.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a header and one line per record, readable back', () => {
    const journal = openJournal<Row>(path, header({ limit: 3 }), { resume: false });
    journal.append({ id: 'a', value: 1 });
    journal.append({ id: 'b', value: 2 });
    const read = readJournal<Row>(path);
    expect(read.header.engine).toBe('xgrammar');
    expect(read.records).toEqual([
      { id: 'a', value: 1 },
      { id: 'b', value: 2 },
    ]);
  });

  it('resumes: keeps earlier records, drops a line cut off mid-write, appends after them', () => {
    const first = openJournal<Row>(path, header({ limit: 3, nested: { a: 1, b: 2 } }), { resume: false });
    first.append({ id: 'a', value: 1 });
    appendFileSync(path, '{"id":"b","val'); // the run was killed while writing this line
    // Same config with keys in another order still matches.
    const resumed = openJournal<Row>(path, header({ nested: { b: 2, a: 1 }, limit: 3 }), { resume: true });
    expect([...resumed.previous.keys()]).toEqual(['a']);
    resumed.append({ id: 'b', value: 2 });
    expect(readJournal<Row>(path).records.map((row) => row.id)).toEqual(['a', 'b']);
    expect(readFileSync(path, 'utf8').endsWith('{"id":"b","value":2}\n')).toBe(true);
  });

  it('refuses to resume a run made with another configuration', () => {
    openJournal<Row>(path, header({ limit: 3 }), { resume: false }).append({ id: 'a', value: 1 });
    expect(() => openJournal<Row>(path, header({ limit: 300 }), { resume: true })).toThrow(InputError);
    expect(() => openJournal<Row>(path, header({ limit: 300 }), { resume: true })).toThrow(/cannot resume/);
  });

  it('starts over without --resume', () => {
    openJournal<Row>(path, header({ limit: 3 }), { resume: false }).append({ id: 'a', value: 1 });
    const fresh = openJournal<Row>(path, header({ limit: 3 }), { resume: false });
    expect(fresh.previous.size).toBe(0);
    expect(readJournal<Row>(path).records).toEqual([]);
  });

  it('rejects a file that is not a journal, naming it', () => {
    writeFileSync(path.replace('out/run.jsonl', 'bad.jsonl'), '{"hello": 1}\n');
    expect(() => readJournal(join(dir, 'bad.jsonl'))).toThrow(/bad\.jsonl: the first line is not a formwork-bench-journal\/1 header/);
  });
});
