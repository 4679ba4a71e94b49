/**
 * MaskBench through one engine alone (`formwork bench maskbench --peer NAME` runs ours and a peer together):
 *
 *   npx tsx bench/peers/peer-maskbench.ts --peer xgrammar --limit 300 --json
 *
 * Reads ../shared/data/jsonschemabench/maskbench-dev, serializes every instance as Python's json.dumps
 * did, tokenizes it once here with the Llama-3 tokenizer, and forces it through the peer in a watched
 * worker process. Results go to a resumable journal (bench/out/<peer>-maskbench.jsonl, `--resume`);
 * the summary is printed (as JSON with --json) in the shape of formwork's own MaskBench output.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

import { InputError } from '../../src/errors.js';
import { roundSummary, summarizeSchemaResults, type MaskbenchSummary, type SchemaOutcome, schemaOutcome } from './maskbench-summary.js';
import { listMaskbenchFiles, readMaskbenchEntry, tokenizeMaskbenchEntry } from './maskbench-files.js';
import { runPeerBench, type PeerBenchOptions } from './journaled-peer-run.js';
import { parsePeerEngineName, type PeerSchemaResult } from './peer-protocol.js';
import { loadPeerTokenizer } from './peer-tokenizer.js';
import type { MachineInfo } from '../report/machine-info.js';

/** A journal record of a MaskBench run (ours or a peer's): the schema result plus its subset. */
export type MaskbenchRecord = PeerSchemaResult & { subset: string };

export interface PeerMaskbenchOptions extends PeerBenchOptions {
  /** MaskBench data directory. */
  dir: string;
  limit?: number;
  subset?: string;
  /** Explicit file names (e.g. the CI ratchet subset); `limit` and `subset` then do not apply. */
  files?: readonly string[];
}

export interface SubsetCounts {
  schemas: number;
  passing: number;
  invalidAccepted: number;
  validRejected: number;
  compileErrors: number;
}

export interface PeerMaskbenchReport {
  bench: 'maskbench';
  engine: string;
  engineLabel: string;
  engineOptions: Record<string, unknown>;
  dataset: string;
  tokenizer: string;
  command: string;
  machine: MachineInfo;
  journal: string;
  summary: MaskbenchSummary;
  subsets: Record<string, SubsetCounts>;
  restarts: number;
}

/** Per-subset outcome counts (for the coverage-per-subset chart and table). */
export function subsetCounts(records: readonly MaskbenchRecord[]): Record<string, SubsetCounts> {
  const subsets: Record<string, SubsetCounts> = {};
  const field: Partial<Record<SchemaOutcome, keyof SubsetCounts>> = {
    passing: 'passing',
    invalidAccepted: 'invalidAccepted',
    validRejected: 'validRejected',
    compileError: 'compileErrors',
  };
  for (const record of records) {
    const counts = (subsets[record.subset] ??= { schemas: 0, passing: 0, invalidAccepted: 0, validRejected: 0, compileErrors: 0 });
    counts.schemas++;
    const key = field[schemaOutcome(record)];
    if (key !== undefined) counts[key]++;
  }
  return Object.fromEntries(Object.entries(subsets).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export async function runPeerMaskbench(options: PeerMaskbenchOptions): Promise<PeerMaskbenchReport> {
  const dir = resolve(options.dir);
  const tokenizerDir = resolve(options.tokenizerDir);
  const names = options.files !== undefined ? [...options.files] : listMaskbenchFiles(dir, { limit: options.limit, subset: options.subset });
  if (names.length === 0) throw new InputError(`no MaskBench files selected${options.subset ? ` (subset ${options.subset})` : ''}`, { where: dir });
  const tokenizer = loadPeerTokenizer(tokenizerDir);
  const schemas = names.map((name) => {
    const entry = readMaskbenchEntry(dir, name);
    return { ...tokenizeMaskbenchEntry(entry, tokenizer.encode), extra: { subset: entry.subset } };
  });
  const run = await runPeerBench('maskbench', 'runPeerMaskbench', options, schemas, {
    dataset: dir,
    tokenizer: tokenizerDir,
    limit: options.limit ?? null,
    subset: options.subset ?? null,
    ...(options.files !== undefined ? { files: options.files.length } : {}),
  });
  return {
    bench: 'maskbench',
    engine: run.header.engine,
    engineLabel: run.engineLabel,
    engineOptions: run.engineInfo?.options ?? {},
    dataset: dir,
    tokenizer: tokenizerDir,
    command: run.header.command,
    machine: run.header.machine,
    journal: run.journalPath,
    summary: roundSummary(summarizeSchemaResults(run.records)),
    subsets: subsetCounts(run.records),
    restarts: run.restarts,
  };
}

/** Default data locations: ../shared/data next to the repository (FORMWORK_SHARED_DATA overrides). */
export function sharedDataPath(relative: string): string {
  return resolve(process.env.FORMWORK_SHARED_DATA ?? resolve('..', 'shared', 'data'), relative);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      peer: { type: 'string', default: 'xgrammar' },
      dir: { type: 'string', default: sharedDataPath('jsonschemabench/maskbench-dev') },
      tokenizer: { type: 'string', default: sharedDataPath('tokenizers/llama3') },
      limit: { type: 'string' },
      subset: { type: 'string' },
      timeout: { type: 'string', default: '60000' },
      strict: { type: 'boolean', default: false },
      'fixed-whitespace': { type: 'boolean', default: false },
      'max-whitespace': { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean', default: false },
      'retry-timeouts': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const peer = parsePeerEngineName(values.peer, ['formwork', 'xgrammar', 'transformers-so']);
  const report = await runPeerMaskbench({
    peer,
    dir: values.dir!,
    tokenizerDir: values.tokenizer!,
    limit: values.limit === undefined ? undefined : Number(values.limit),
    subset: values.subset,
    timeoutMs: Number(values.timeout),
    xgrammar: {
      strictMode: values.strict,
      anyWhitespace: !values['fixed-whitespace'],
      ...(values['max-whitespace'] === undefined ? {} : { maxWhitespaceCnt: Number(values['max-whitespace']) }),
    },
    journalPath: values.out,
    resume: values.resume,
    retry: values['retry-timeouts'] ? ['timeout'] : [],
    command: `npx tsx bench/peers/peer-maskbench.ts ${process.argv.slice(2).join(' ')}`.trim(),
  });
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const { summary } = report;
  console.log(`${report.engineLabel} on ${summary.schemas} MaskBench schemas (${report.dataset})`);
  console.log(
    `passing ${summary.passing}, invalidAccepted ${summary.invalidAccepted}, validRejected ${summary.validRejected}, ` +
      `compileErrors ${summary.compileErrors}, timeouts ${summary.timeouts}, crashes ${summary.crashes}`,
  );
  console.log(`compile ms ${JSON.stringify(summary.compileMs)}`);
  console.log(`mask us ${JSON.stringify(summary.maskUs)}`);
  console.log(`journal: ${report.journal}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
