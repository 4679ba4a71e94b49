/**
 * The JSON Schema Test Suite through a peer engine (the paper's per-keyword compliance figure):
 *
 *   npx tsx bench/peers/peer-jsts.ts --peer xgrammar --json
 *
 * Forces every test instance (compact JSON, Llama-3 tokens) through the peer in a watched worker;
 * results go to a resumable journal (bench/out/<peer>-jsts.jsonl).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

import { InputError } from '../../src/errors.js';
import type { MachineInfo } from '../report/machine-info.js';
import { runPeerBench, type PeerBenchOptions } from './journaled-peer-run.js';
import { readTestSuite, summarizeJsts, tokenizeJstsGroup, type JstsSummary } from './jsts-suite.js';
import { sharedDataPath } from './peer-maskbench.js';
import { parsePeerEngineName, type PeerSchemaResult } from './peer-protocol.js';
import { loadPeerTokenizer } from './peer-tokenizer.js';

/** A journal record of a test-suite run: the group result plus its keyword category. */
export type JstsRecord = PeerSchemaResult & { category: string; expected: boolean[] };

export interface PeerJstsOptions extends PeerBenchOptions {
  suiteDir: string;
  draft?: '2020-12' | '7';
  /** Include optional/ and optional/format/ (default true). */
  optional?: boolean;
}

export interface PeerJstsReport {
  bench: 'jsts';
  engine: string;
  engineLabel: string;
  engineOptions: Record<string, unknown>;
  suite: string;
  draft: string;
  command: string;
  machine: MachineInfo;
  journal: string;
  summary: JstsSummary;
}

export async function runPeerJsts(options: PeerJstsOptions): Promise<PeerJstsReport> {
  const suiteDir = resolve(options.suiteDir);
  const tokenizerDir = resolve(options.tokenizerDir);
  const draft = options.draft ?? '2020-12';
  const groups = readTestSuite(suiteDir, { draft, optional: options.optional ?? true });
  const tokenizer = loadPeerTokenizer(tokenizerDir);
  const schemas = groups.map((group) => ({
    ...tokenizeJstsGroup(group, tokenizer.encode),
    extra: { category: group.category, expected: group.tests.map((test) => test.valid) },
  }));
  const run = await runPeerBench('jsts', 'runPeerJsts', options, schemas, { suite: suiteDir, draft, optional: options.optional ?? true, tokenizer: tokenizerDir });
  return {
    bench: 'jsts',
    engine: run.header.engine,
    engineLabel: run.engineLabel,
    engineOptions: run.engineInfo?.options ?? {},
    suite: suiteDir,
    draft,
    command: run.header.command,
    machine: run.header.machine,
    journal: run.journalPath,
    summary: summarizeJsts(groups, run.records),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      peer: { type: 'string', default: 'xgrammar' },
      suite: { type: 'string', default: sharedDataPath('json-schema-test-suite') },
      tokenizer: { type: 'string', default: sharedDataPath('tokenizers/llama3') },
      draft: { type: 'string', default: '2020-12' },
      'no-optional': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '60000' },
      strict: { type: 'boolean', default: false },
      out: { type: 'string' },
      resume: { type: 'boolean', default: false },
      'retry-timeouts': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const peer = parsePeerEngineName(values.peer, ['formwork', 'xgrammar', 'transformers-so']);
  if (values.draft !== '2020-12' && values.draft !== '7') throw new InputError(`--draft must be 2020-12 or 7, not ${values.draft}`);
  const report = await runPeerJsts({
    peer,
    suiteDir: values.suite!,
    tokenizerDir: values.tokenizer!,
    draft: values.draft,
    optional: !values['no-optional'],
    timeoutMs: Number(values.timeout),
    xgrammar: { strictMode: values.strict },
    journalPath: values.out,
    resume: values.resume,
    retry: values['retry-timeouts'] ? ['timeout'] : [],
    command: `npx tsx bench/peers/peer-jsts.ts ${process.argv.slice(2).join(' ')}`.trim(),
  });
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const { summary } = report;
  console.log(`${report.engineLabel} on the JSON Schema Test Suite (draft ${report.draft})`);
  console.log(
    `tests ${summary.tests}: pass ${summary.pass}, falsePositive ${summary.falsePositive}, falseNegative ${summary.falseNegative}, ` +
      `compileError ${summary.compileError}; compliant groups ${summary.compliantGroups}/${summary.groups}`,
  );
  console.log(`journal: ${report.journal}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
