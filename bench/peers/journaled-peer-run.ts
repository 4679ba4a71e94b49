import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { describeMachine } from '../report/machine-info.js';
import { createProgressBar } from '../report/progress-bar.js';
import { JOURNAL_FORMAT, openJournal, readJournal, type JournalHeader, type ResultJournal } from '../report/result-journal.js';
import type { PeerEngineInfo, PeerEngineName, PeerSchema, PeerSchemaResult } from './peer-protocol.js';
import { runPeer, type RunPeerOptions } from './run-peer.js';
import type { XGrammarPeerOptions } from './xgrammar-engine.js';

/**
 * A peer run that survives interruption: each schema's result is appended to a JSONL journal as soon
 * as it exists (with `extra` fields such as the MaskBench subset), and with `resume` the schemas already
 * in the journal are skipped. A progress bar runs on stderr when it is a TTY.
 */
export interface JournaledPeerRunOptions<Extra extends object> extends Omit<RunPeerOptions, 'schemas' | 'onStart' | 'onProgress'> {
  bench: string;
  schemas: readonly (PeerSchema & { extra: Extra })[];
  /** Everything that changes results besides the engine options (dataset, tokenizer, selection). */
  config: Record<string, unknown>;
  journalPath: string;
  resume: boolean;
  /**
   * With `resume`: results of these statuses are computed again (e.g. timeouts, with a longer
   * `timeoutMs`); the new line supersedes the old one in the journal.
   */
  retry?: readonly PeerSchemaResult['status'][];
  command: string;
  /** Progress bar label; none when undefined. */
  progressLabel?: string;
}

export interface JournaledPeerRun<Extra extends object> {
  /** The engine as it reported itself (from the journal header when every schema was already done). */
  engineLabel: string;
  engineInfo: PeerEngineInfo | undefined;
  header: JournalHeader;
  /** One record per requested schema, in request order (resumed ones included). */
  records: (PeerSchemaResult & Extra)[];
  /** Schemas computed by this call (not taken from the journal). */
  computed: number;
  restarts: number;
}

export async function runJournaledPeer<Extra extends object>(options: JournaledPeerRunOptions<Extra>): Promise<JournaledPeerRun<Extra>> {
  // The timeout is not part of the identity of a run: retrying timeouts with a longer limit continues
  // the same run (each timeout record states the limit it hit).
  const config = { ...options.config, engineOptions: options.options ?? {} };
  const retry = new Set(options.retry ?? []);
  const previous = new Map<string, PeerSchemaResult & Extra>();
  if (options.resume && existsSync(options.journalPath)) {
    // Only to know what is left; openJournal below re-reads the file and checks the config matches.
    for (const record of readJournal<PeerSchemaResult & Extra>(options.journalPath).records) {
      if (!retry.has(record.status)) previous.set(record.id, record);
    }
  }
  const pending = options.schemas.filter((schema) => !previous.has(schema.id));
  const extras = new Map(options.schemas.map((schema) => [schema.id, schema.extra]));
  const baseHeader = (engine: string, engineLabel: string): JournalHeader => ({
    format: JOURNAL_FORMAT,
    bench: options.bench,
    engine,
    engineLabel,
    config,
    command: options.command,
    machine: describeMachine(),
    startedAt: new Date().toISOString(),
  });
  const computedRecords = new Map<string, PeerSchemaResult & Extra>();
  let journal: ResultJournal<PeerSchemaResult & Extra> | undefined;
  let engineInfo: PeerEngineInfo | undefined;
  let restarts = 0;
  if (pending.length > 0 || !existsSync(options.journalPath)) {
    const bar =
      options.progressLabel === undefined
        ? undefined
        : createProgressBar({ total: options.schemas.length, label: options.progressLabel, initial: previous.size });
    try {
      const run = await runPeer({
        ...options,
        schemas: pending.map(({ extra: _extra, ...schema }) => schema),
        onStart(engine) {
          engineInfo = engine;
          journal = openJournal(options.journalPath, baseHeader(engine.name, engine.label), { resume: options.resume });
        },
        onProgress({ done, result }) {
          const record = { ...result, ...extras.get(result.id)! };
          journal!.append(record);
          computedRecords.set(record.id, record);
          bar?.update(previous.size + done, result.id);
        },
      });
      restarts = run.restarts;
    } finally {
      bar?.finish();
    }
  }
  const header = journal?.header ?? readJournal(options.journalPath).header;
  const records = options.schemas.map((schema) => computedRecords.get(schema.id) ?? previous.get(schema.id)!);
  return {
    engineLabel: engineInfo?.label ?? header.engineLabel,
    engineInfo,
    header,
    records,
    computed: computedRecords.size,
    restarts,
  };
}

/** The options every peer benchmark takes (peer-jsts.ts, peer-maskbench.ts) besides its data set. */
export interface PeerBenchOptions {
  peer: PeerEngineName;
  tokenizerDir: string;
  timeoutMs?: number;
  xgrammar?: Partial<XGrammarPeerOptions>;
  /** Options of any engine (formwork: FormworkPeerOptions); overrides `xgrammar` when given. */
  engineOptions?: Record<string, unknown>;
  /** The JSONL journal (default bench/out/<peer>-<bench>.jsonl). */
  journalPath?: string;
  resume?: boolean;
  /** With resume: statuses to compute again (e.g. ['timeout'] with a longer timeoutMs). */
  retry?: PeerSchemaResult['status'][];
  /** The command line recorded with the results (default: the API call, named `caller`). */
  command?: string;
  progress?: boolean;
}

/**
 * A peer benchmark's journaled run with the shared defaults: journal bench/out/<peer>-<bench>.jsonl,
 * no resume, the API call as the recorded command, a progress bar labelled "<peer> <bench>".
 */
export async function runPeerBench<Extra extends object>(
  bench: string,
  caller: string,
  options: PeerBenchOptions,
  schemas: readonly (PeerSchema & { extra: Extra })[],
  config: Record<string, unknown>,
): Promise<JournaledPeerRun<Extra> & { journalPath: string }> {
  const journalPath = resolve(options.journalPath ?? `bench/out/${options.peer}-${bench}.jsonl`);
  const run = await runJournaledPeer({
    bench,
    engine: options.peer,
    tokenizerDir: resolve(options.tokenizerDir),
    schemas,
    options: options.engineOptions ?? options.xgrammar,
    timeoutMs: options.timeoutMs,
    config,
    journalPath,
    resume: options.resume ?? false,
    retry: options.retry,
    command: options.command ?? `${caller}(${JSON.stringify({ ...options, command: undefined })})`,
    progressLabel: options.progress === false ? undefined : `${options.peer} ${bench}`,
  });
  return { ...run, journalPath };
}
