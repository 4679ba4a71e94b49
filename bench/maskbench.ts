/**
 * MaskBench (JSONSchemaBench, Geng et al. 2025) forced through formwork's JSON Schema token automaton,
 * optionally with a peer engine on the same files in the same run.
 *
 *   npx formwork bench maskbench [--limit N] [--subset NAME|ci] [--peer xgrammar|transformers-so]
 *       [--clock wall|cpu] [--out FILE] [--peer-out FILE] [--resume] [--json] [--write-ratchet]
 *
 * For every schema file ({description, meta, schema, tests: [{description, valid, data}]}): compile the
 * schema, then force every instance token by token, exactly as the benchmark serialized it (Python
 * json.dumps: bench/peers/python-json.ts, the one serializer ours and the peers' share). A schema
 * passes when every valid instance is accepted and every invalid one rejected.
 *
 * The CLI runs ours through the same worker harness as the peers (bench/peers/formwork-engine.ts):
 * same token ids, same timing points, results appended per schema to a resumable run journal
 * (bench/out/formwork-maskbench[-N].jsonl) that bench/report/build-report.ts reads. With --peer the
 * peer runs next on the same files (its journal: bench/out/<peer>-maskbench[-N].jsonl); the printed JSON
 * holds our figures at the top level and the peer's under "peer". `--limit N` takes N files spread
 * evenly over the sorted directory (as the peers' runs do), so every subset keeps its share.
 *
 * `runMaskBench` below is the in-process variant the CI ratchet test uses (single-token checks, full
 * masks on a sample).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/errors.js';
import { maskHas, maskWords } from '../src/grammar/automaton/token-automaton.js';
import { compileJsonSchema, jsonSchemaAutomaton } from '../src/grammar/jsonschema/index.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import type { Vocabulary } from '../src/grammar/vocab/vocabulary.js';
import { readMaskbenchEntry } from './peers/maskbench-files.js';
import { schemaOutcome } from './peers/maskbench-summary.js';
import { runPeerMaskbench, type PeerMaskbenchReport } from './peers/peer-maskbench.js';
import { parsePeerEngineName } from './peers/peer-protocol.js';

export type SchemaOutcome = 'pass' | 'valid-rejected' | 'invalid-accepted' | 'both' | 'compile-error';

export interface MaskBenchOptions {
  readonly dir?: string;
  readonly tokenizer?: string;
  readonly vocabulary?: Vocabulary;
  /** Only the first N files (sorted by name) after `files` filtering. */
  readonly limit?: number;
  /** Explicit file names (relative to dir). */
  readonly files?: readonly string[];
  /** Work limit per mask in trie nodes (the automaton's fuel); default unlimited. */
  readonly fuel?: number;
  readonly onProgress?: (done: number, total: number, file: string) => void;
  /**
   * 'wall' (default): performance.now(). 'cpu': the process's CPU time (process.cpuUsage, µs
   * resolution, ~1.4 µs per reading), which stays meaningful on a machine shared with other jobs.
   */
  readonly clock?: 'wall' | 'cpu';
  /**
   * 'all' (default): the full mask before every token (timed, and checked against advance). 'allows':
   * only advance (no timing), for fast conformance checks; `maskEvery` then still masks every Nth schema.
   */
  readonly mask?: 'all' | 'allows';
  readonly maskEvery?: number;
  /** Called when a mask disagrees with advance (a bug): the file, the text so far and the token. */
  readonly onMismatch?: (file: string, prefix: string, token: number) => void;
}

export interface SchemaResult {
  readonly file: string;
  readonly outcome: SchemaOutcome;
  readonly compileMs: number;
  readonly tests: number;
  readonly validRejected: number;
  readonly invalidAccepted: number;
  readonly tokens: number;
  readonly error?: string;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface MaskBenchSummary {
  schemas: number;
  passing: number;
  passRate: number;
  invalidAccepted: number;
  validRejected: number;
  compileErrors: number;
  /** Masks where mask() and advance() disagreed (must be 0). */
  maskMismatch: number;
  tests: number;
  tokens: number;
  compileMs: { p50: number; p99: number; max: number; mean: number };
  maskUs: Percentiles;
  ms: number;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedDataDir = process.env.FORMWORK_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');
export const defaultMaskBenchDir = join(sharedDataDir, 'jsonschemabench', 'maskbench-dev');
export const ratchetFile = join(repoRoot, 'test', 'grammar', 'jsonschema', 'maskbench-dev.json');

/** The fixed CI subset: every 21st file of the sorted list (149 of 3,125), spread over all sources. */
export function ciSubset(all: readonly string[]): string[] {
  return [...all].sort().filter((_, i) => i % 21 === 0);
}

export function maskBenchFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function runMaskBench(options: MaskBenchOptions = {}): { summary: MaskBenchSummary; results: SchemaResult[] } {
  const start = performance.now();
  const dir = options.dir ?? defaultMaskBenchDir;
  const vocabulary = options.vocabulary ?? loadVocabulary(options.tokenizer ?? join(sharedDataDir, 'tokenizers', 'llama3'));
  let files = options.files !== undefined ? [...options.files] : maskBenchFiles(dir);
  if (options.limit !== undefined) files = files.slice(0, options.limit);
  const mask = new Uint32Array(maskWords(vocabulary.size));
  const eos = vocabulary.eosIds[0];
  const cpu = options.clock === 'cpu';
  /** Microseconds since an arbitrary origin, on the chosen clock. */
  const now = cpu
    ? () => {
        const u = process.cpuUsage();
        return u.user + u.system;
      }
    : () => performance.now() * 1000;
  const maskTimes: number[] = [];
  const compileTimes: number[] = [];
  const results: SchemaResult[] = [];
  let maskMismatch = 0;
  files.forEach((file, index) => {
    options.onProgress?.(index, files.length, file);
    const entry = readMaskbenchEntry(dir, file);
    const tests = entry.instances;
    const t0 = now();
    let automaton: ReturnType<typeof jsonSchemaAutomaton>;
    try {
      automaton = jsonSchemaAutomaton(compileJsonSchema(JSON.parse(entry.schemaText)), vocabulary, options.fuel !== undefined ? { fuel: options.fuel } : {});
    } catch (error) {
      compileTimes.push((now() - t0) / 1000);
      results.push({ file, outcome: 'compile-error', compileMs: 0, tests: tests.length, validRejected: 0, invalidAccepted: 0, tokens: 0, error: (error as Error).message.slice(0, 300) });
      return;
    }
    const compileMs = (now() - t0) / 1000;
    compileTimes.push(compileMs);
    let validRejected = 0;
    let invalidAccepted = 0;
    let tokens = 0;
    const masking = options.mask !== 'allows' || (options.maskEvery !== undefined && index % options.maskEvery === 0);
    for (const test of tests) {
      let state: Parameters<typeof automaton.advance>[0] = automaton.initial;
      let alive = true;
      const ids = vocabulary.encode(test.text);
      for (let p = 0; p < ids.length; p++) {
        const token = ids[p];
        tokens++;
        const next = automaton.advance(state, token);
        if (masking) {
          const t = now();
          automaton.mask(state, mask);
          maskTimes.push(now() - t);
          if (maskHas(mask, token) !== (next !== undefined)) {
            maskMismatch++;
            options.onMismatch?.(file, vocabulary.decode(ids.slice(0, p)), token);
          }
        }
        if (next === undefined) {
          alive = false;
          break;
        }
        state = next;
      }
      let accepted = false;
      if (alive) {
        accepted = automaton.accepts(state);
        if (masking) {
          const t = now();
          automaton.mask(state, mask);
          maskTimes.push(now() - t);
          if (eos !== undefined && maskHas(mask, eos) !== accepted) maskMismatch++;
        }
      }
      if (test.valid && !accepted) validRejected++;
      if (!test.valid && accepted) invalidAccepted++;
    }
    const outcome: SchemaOutcome =
      validRejected > 0 && invalidAccepted > 0 ? 'both' : validRejected > 0 ? 'valid-rejected' : invalidAccepted > 0 ? 'invalid-accepted' : 'pass';
    results.push({ file, outcome, compileMs, tests: tests.length, validRejected, invalidAccepted, tokens });
  });
  const masks = Float64Array.from(maskTimes).sort();
  const compiles = Float64Array.from(compileTimes).sort();
  const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
  const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
  const summary: MaskBenchSummary = {
    schemas: results.length,
    passing: results.filter((r) => r.outcome === 'pass').length,
    passRate: 0,
    invalidAccepted: results.reduce((n, r) => n + r.invalidAccepted, 0),
    validRejected: results.reduce((n, r) => n + r.validRejected, 0),
    compileErrors: results.filter((r) => r.outcome === 'compile-error').length,
    maskMismatch,
    tests: results.reduce((n, r) => n + r.tests, 0),
    tokens: maskTimes.length,
    compileMs: {
      p50: round(percentile(compiles, 0.5)),
      p99: round(percentile(compiles, 0.99)),
      max: round(compiles.length ? compiles[compiles.length - 1] : 0),
      mean: round(compiles.length ? sum(compiles) / compiles.length : 0),
    },
    maskUs: {
      p50: round(percentile(masks, 0.5), 1),
      p90: round(percentile(masks, 0.9), 1),
      p99: round(percentile(masks, 0.99), 1),
      p999: round(percentile(masks, 0.999), 1),
      max: round(masks.length ? masks[masks.length - 1] : 0, 1),
      mean: round(masks.length ? sum(masks) / masks.length : 0, 1),
    },
    ms: Math.round(performance.now() - start),
  };
  summary.passRate = summary.schemas === 0 ? 0 : round((summary.passing / summary.schemas) * 100);
  return { summary, results };
}

/** Our outcome names in the ratchet file (test/grammar/jsonschema/maskbench-dev.json). */
function ratchetOutcome(record: Parameters<typeof schemaOutcome>[0]): SchemaOutcome {
  if (record.status !== 'ok') return 'compile-error';
  const invalidAccepted = record.instances.some((instance) => !instance.valid && instance.accepted);
  const validRejected = record.instances.some((instance) => instance.valid && !instance.accepted);
  return invalidAccepted && validRejected ? 'both' : invalidAccepted ? 'invalid-accepted' : validRejected ? 'valid-rejected' : 'pass';
}

/** The figures printed for one engine (MaskBench's fields, plus where they came from). */
function printed(report: PeerMaskbenchReport): Record<string, unknown> {
  const { summary } = report;
  return {
    engine: report.engineLabel,
    ...summary,
    passRate: summary.schemas === 0 ? 0 : Math.round((summary.passing / summary.schemas) * 10000) / 100,
    journal: report.journal,
    command: report.command,
  };
}

const USAGE = `Usage: formwork bench maskbench [--limit N] [--subset NAME|ci] [--peer xgrammar|transformers-so]
         [--clock wall|cpu] [--timeout MS] [--out FILE] [--peer-out FILE] [--resume] [--json]
         [--dir DIR] [--tokenizer DIR] [--write-ratchet] [--verbose]
Forces every MaskBench instance through formwork (then the peer, on the same files) and prints our
figures with the peer's under "peer". Journals: bench/out/*.jsonl (npx formwork bench report).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: defaultMaskBenchDir },
      tokenizer: { type: 'string', default: join(sharedDataDir, 'tokenizers', 'llama3') },
      limit: { type: 'string' },
      subset: { type: 'string' },
      peer: { type: 'string' },
      clock: { type: 'string', default: 'wall' },
      timeout: { type: 'string', default: '60000' },
      out: { type: 'string' },
      'peer-out': { type: 'string' },
      resume: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      'write-ratchet': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const peer = values.peer === undefined ? undefined : parsePeerEngineName(values.peer, ['xgrammar', 'transformers-so'], 'bench maskbench');
  if (values.clock !== 'wall' && values.clock !== 'cpu') throw new InputError(`--clock must be wall or cpu, not ${values.clock}`, { where: 'bench maskbench' });
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  const dir = resolve(values.dir!);
  // `--subset ci`: the fixed CI ratchet subset, as explicit files.
  const ci = values.subset === 'ci';
  const subset = ci ? undefined : values.subset;
  const suffix = `${subset !== undefined ? `-${subset}` : ci ? '-ci' : ''}${limit !== undefined ? `-${limit}` : ''}`;
  const command = `npx formwork bench maskbench ${process.argv.slice(2).join(' ')}`.trim();
  const common = {
    dir,
    tokenizerDir: values.tokenizer!,
    limit,
    subset,
    ...(ci ? { files: ciSubset(maskBenchFiles(dir)) } : {}),
    timeoutMs: Number(values.timeout),
    resume: values.resume,
    command,
  };
  const ours = await runPeerMaskbench({
    ...common,
    peer: 'formwork',
    engineOptions: { clock: values.clock },
    journalPath: values.out ?? `bench/out/formwork-maskbench${suffix}.jsonl`,
  });
  const theirs =
    peer === undefined
      ? undefined
      : await runPeerMaskbench({ ...common, peer, journalPath: values['peer-out'] ?? `bench/out/${peer}-maskbench${suffix}.jsonl` });
  if (values['write-ratchet']) {
    const { readJournal } = await import('./report/result-journal.js');
    const ratchet: Record<string, SchemaOutcome> = {};
    for (const record of readJournal<Parameters<typeof schemaOutcome>[0]>(ours.journal).records) ratchet[record.id] = ratchetOutcome(record);
    writeFileSync(ratchetFile, JSON.stringify(Object.fromEntries(Object.entries(ratchet).sort(([a], [b]) => (a < b ? -1 : 1))), null, 1) + '\n');
  }
  if (values.verbose) {
    const { readJournal } = await import('./report/result-journal.js');
    for (const record of readJournal<Parameters<typeof schemaOutcome>[0]>(ours.journal).records) {
      if (schemaOutcome(record) !== 'passing') console.error(`${schemaOutcome(record)}\t${record.id}\t${record.error?.split('\n')[0] ?? ''}`);
    }
  }
  const out = { ...printed(ours), ...(theirs !== undefined ? { peer: printed(theirs) } : {}) };
  console.log(values.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
