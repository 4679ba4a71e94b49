import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { InputError } from '../../src/errors.js';
import type { MachineInfo } from './machine-info.js';

/**
 * A benchmark run as a JSONL file: a header line (what ran, with which options, on which machine), then
 * one line per finished item (schema, test group), appended and flushed as each one finishes. An
 * interrupted run (Ctrl-C, a killed machine, a crash) therefore loses at most the item in flight, and
 * `--resume` continues where it stopped. The report generator reads these files back
 * (bench/out/*.jsonl), so every plot can be redrawn without rerunning anything.
 */
export const JOURNAL_FORMAT = 'formwork-bench-journal/1';

export interface JournalHeader {
  format: typeof JOURNAL_FORMAT;
  /** Which benchmark: "maskbench", "jsts", ... */
  bench: string;
  /** Which engine produced the records: "formwork", "xgrammar", "transformers-so". */
  engine: string;
  /** Human-readable engine description with version and mode, as the report prints it. */
  engineLabel: string;
  /** Everything that changes the results (dataset, tokenizer, engine options): a resume must match it. */
  config: Record<string, unknown>;
  /** The command line that produced the file. */
  command: string;
  machine: MachineInfo;
  startedAt: string;
}

export interface JournalRecord {
  id: string;
}

export interface ResultJournal<R extends JournalRecord> {
  readonly path: string;
  readonly header: JournalHeader;
  /** Records already in the file when it was opened (a resumed run), by id. */
  readonly previous: ReadonlyMap<string, R>;
  append(record: R): void;
}

/** JSON with object keys sorted, so two equal configs compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/**
 * Reads a journal. A last line cut off mid-write (the run was killed) is ignored; `validBytes` is the
 * length of the intact part. A later line with the same id supersedes an earlier one (a schema retried
 * after a timeout), keeping the first one's position.
 */
export function readJournal<R extends JournalRecord>(path: string): { header: JournalHeader; records: R[]; validBytes: number } {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  let validBytes = 0;
  let header: JournalHeader | undefined;
  const records: R[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const complete = index < lines.length - 1; // the text after the last newline was never finished
    if (!complete) break;
    if (line.trim() === '') {
      validBytes += Buffer.byteLength(line) + 1;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (cause) {
      throw new InputError(`line ${index + 1} is not JSON (${(cause as Error).message})`, { where: path });
    }
    if (header === undefined) {
      const candidate = parsed as Partial<JournalHeader>;
      if (candidate.format !== JOURNAL_FORMAT) {
        throw new InputError(`the first line is not a ${JOURNAL_FORMAT} header`, { where: path });
      }
      header = candidate as JournalHeader;
    } else {
      records.push(parsed as R);
    }
    validBytes += Buffer.byteLength(line) + 1;
  }
  if (header === undefined) throw new InputError('the journal has no header line', { where: path });
  const latest = new Map<string, R>();
  for (const record of records) latest.set(record.id, record);
  return { header, records: [...latest.values()], validBytes };
}

/**
 * Opens a journal for writing. Without `resume`, an existing file is replaced. With `resume`, its
 * records are kept (and offered as `previous`) when its header has the same bench, engine and config;
 * a different config is an InputError, since mixing two configurations in one file would corrupt
 * every figure computed from it.
 */
export function openJournal<R extends JournalRecord>(
  path: string,
  header: JournalHeader,
  options: { resume: boolean },
): ResultJournal<R> {
  mkdirSync(dirname(path), { recursive: true });
  const previous = new Map<string, R>();
  let activeHeader = header;
  if (options.resume && existsSync(path)) {
    const existing = readJournal<R>(path);
    const same =
      existing.header.bench === header.bench &&
      existing.header.engine === header.engine &&
      canonicalJson(existing.header.config) === canonicalJson(header.config);
    if (!same) {
      throw new InputError(
        `cannot resume: the file was written by ${existing.header.engine} ${existing.header.bench} with config ` +
          `${canonicalJson(existing.header.config)}, this run is ${header.engine} ${header.bench} with ` +
          `${canonicalJson(header.config)}; drop --resume to start over`,
        { where: path },
      );
    }
    truncateSync(path, existing.validBytes);
    for (const record of existing.records) previous.set(record.id, record);
    activeHeader = existing.header;
  } else {
    writeFileSync(path, JSON.stringify(header) + '\n');
  }
  return {
    path,
    header: activeHeader,
    previous,
    append(record) {
      appendFileSync(path, JSON.stringify(record) + '\n');
    },
  };
}
