/**
 * The JSON Schema Test Suite forced through the token automaton.
 *
 * For every test of the suite (draft2020-12 including optional/ and optional/format/, or draft7): the
 * instance is serialized compactly (JSON.stringify, so `1.0` in the suite file becomes `1`: the suite's
 * own JSON was already parsed by JavaScript), tokenized with the model tokenizer, and every token must
 * be in the token mask of the state before it (and the mask must agree with `advance`); then "EOS is
 * allowed" is compared with the test's expected validity.
 *
 *   pass            the automaton decided as the suite expects
 *   falsePositive   an invalid instance was accepted (the one outcome that must never happen)
 *   falseNegative   a valid instance was rejected
 *   compileError    the schema was refused (e.g. idn-hostname, unsupported in strict mode)
 *
 * Remote references (refRemote.json) are served from the suite's remotes/ folder through the
 * `remotes` option, as http://localhost:1234/... The per-test outcomes are the ratchet
 * (test/grammar/jsonschema/json-schema-test-suite.<draft>.json).
 *
 * Run: npx formwork bench jsts [--draft 2020-12|7] [--suite DIR] [--tokenizer DIR] [--peer xgrammar]
 *      [--out FILE] [--peer-out FILE] [--resume] [--json]
 *   runs ours through the peers' worker harness (bench/peers/formwork-engine.ts, full masks before every
 *   token) into a run journal (bench/out/formwork-jsts[-draft7].jsonl) that bench/report/build-report.ts
 *   puts beside the peers' (compliance per keyword category); with --peer the peer runs next on the
 *   same groups, its figures printed under "peer".
 *      npx tsx bench/jsts.ts --ratchet [--draft 7] [--mask all|allows] [--write-ratchet] [--filter TEXT] [--verbose]
 *   the in-process run behind the checked-in ratchet (per-test outcomes).
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/errors.js';
import { maskHas, maskWords } from '../src/grammar/automaton/token-automaton.js';
import { compileJsonSchema, jsonSchemaAutomaton, type CompiledJsonSchema } from '../src/grammar/jsonschema/index.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import type { Vocabulary } from '../src/grammar/vocab/vocabulary.js';
import { runPeerJsts, type PeerJstsReport } from './peers/peer-jsts.js';
import { parsePeerEngineName } from './peers/peer-protocol.js';

export type Outcome = 'pass' | 'falsePositive' | 'falseNegative' | 'compileError';

export interface JstsOptions {
  readonly suite?: string;
  readonly tokenizer?: string;
  /** A loaded vocabulary (overrides `tokenizer`). */
  readonly vocabulary?: Vocabulary;
  readonly draft?: '2020-12' | '7';
  /** 'all': full mask before every token (and agreement with advance); 'allows': single-token checks. */
  readonly mask?: 'all' | 'allows';
  /** With mask 'allows': still use full masks for every Nth test (a sample of the mask checks). */
  readonly maskEvery?: number;
  /** Only files whose relative path contains this text. */
  readonly filter?: string;
}

export interface JstsSummary {
  tests: number;
  pass: number;
  falsePositive: number;
  falseNegative: number;
  compileError: number;
  /** Tokens where mask() and advance() disagreed (must be 0). */
  maskMismatch: number;
  passRate: number;
  ms: number;
}

/** outcomes[file][group][test] */
export type JstsResults = Record<string, Record<string, Record<string, Outcome>>>;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDataDir = process.env.FORMWORK_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');

export function ratchetPath(draft: '2020-12' | '7'): string {
  return join(repoRoot, 'test', 'grammar', 'jsonschema', `json-schema-test-suite.${draft}.json`);
}

/** The suite's remotes/ folder as a `remotes` map (URI -> schema). */
export function suiteRemotes(suite: string): Record<string, unknown> {
  const remotes: Record<string, unknown> = {};
  const base = join(suite, 'remotes');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) remotes[`http://localhost:1234/${relative(base, path).split('\\').join('/')}`] = JSON.parse(readFileSync(path, 'utf8'));
    }
  };
  if (existsSync(base)) walk(base);
  return remotes;
}

function suiteFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) out.push(path);
    }
  };
  walk(dir);
  return out;
}

interface SuiteGroup {
  description: string;
  schema: unknown;
  tests: { description: string; data: unknown; valid: boolean }[];
}

/** Runs the suite; returns the summary and every test's outcome. */
export function runJsts(options: JstsOptions = {}): { summary: JstsSummary; results: JstsResults } {
  const start = performance.now();
  const draft = options.draft ?? '2020-12';
  const suite = options.suite ?? join(sharedDataDir, 'json-schema-test-suite');
  const vocabulary = options.vocabulary ?? loadVocabulary(options.tokenizer ?? join(sharedDataDir, 'tokenizers', 'llama3'));
  const maskMode = options.mask ?? 'all';
  const remotes = suiteRemotes(suite);
  const dir = join(suite, 'tests', draft === '7' ? 'draft7' : 'draft2020-12');
  const summary: JstsSummary = { tests: 0, pass: 0, falsePositive: 0, falseNegative: 0, compileError: 0, maskMismatch: 0, passRate: 0, ms: 0 };
  const results: JstsResults = {};
  const mask = new Uint32Array(maskWords(vocabulary.size));
  const eos = vocabulary.eosIds[0];
  for (const file of suiteFiles(dir)) {
    const name = relative(dir, file).split('\\').join('/');
    if (options.filter !== undefined && !name.includes(options.filter)) continue;
    const groups = JSON.parse(readFileSync(file, 'utf8')) as SuiteGroup[];
    const fileResults: Record<string, Record<string, Outcome>> = (results[name] = {});
    for (const group of groups) {
      const groupResults: Record<string, Outcome> = (fileResults[uniqueKey(fileResults, group.description)] = {});
      let compiled: CompiledJsonSchema | undefined;
      try {
        compiled = compileJsonSchema(group.schema, { draft, remotes, allowEmpty: true });
      } catch {
        compiled = undefined;
      }
      for (const test of group.tests) {
        summary.tests++;
        let outcome: Outcome;
        if (compiled === undefined) outcome = 'compileError';
        else {
          const mode = maskMode === 'allows' && options.maskEvery !== undefined && summary.tests % options.maskEvery === 0 ? 'all' : maskMode;
          const accepted = forceInstance(compiled, vocabulary, JSON.stringify(test.data), mode, mask, eos, summary);
          outcome = accepted === test.valid ? 'pass' : accepted ? 'falsePositive' : 'falseNegative';
        }
        summary[outcome]++;
        groupResults[uniqueKey(groupResults, test.description)] = outcome;
      }
    }
  }
  summary.passRate = summary.tests === 0 ? 0 : Math.round((summary.pass / summary.tests) * 10000) / 100;
  summary.ms = Math.round(performance.now() - start);
  return { summary, results };
}

function uniqueKey(record: Record<string, unknown>, key: string): string {
  if (!(key in record)) return key;
  for (let i = 2; ; i++) if (!(`${key} #${i}` in record)) return `${key} #${i}`;
}

/** Forces one serialized instance through the automaton; true when EOS is allowed at the end. */
function forceInstance(
  compiled: CompiledJsonSchema,
  vocabulary: Vocabulary,
  text: string,
  maskMode: 'all' | 'allows',
  mask: Uint32Array,
  eos: number,
  summary: JstsSummary,
): boolean {
  const automaton = jsonSchemaAutomaton(compiled, vocabulary);
  let state: Parameters<typeof automaton.advance>[0] = automaton.initial;
  for (const token of vocabulary.encode(text)) {
    if (maskMode === 'all') {
      automaton.mask(state, mask);
      const next = automaton.advance(state, token);
      if (maskHas(mask, token) !== (next !== undefined)) summary.maskMismatch++;
      if (next === undefined) return false;
      state = next;
    } else {
      const next = automaton.advance(state, token);
      if (next === undefined) return false;
      state = next;
    }
  }
  if (maskMode === 'all' && eos !== undefined) {
    automaton.mask(state, mask);
    if (maskHas(mask, eos) !== automaton.accepts(state)) summary.maskMismatch++;
  }
  return automaton.accepts(state);
}

/** Differences between a run and the checked-in ratchet. */
export function compareWithRatchet(results: JstsResults, expected: JstsResults): { regressions: string[]; improvements: string[]; missing: string[] } {
  const regressions: string[] = [];
  const improvements: string[] = [];
  const missing: string[] = [];
  for (const [file, groups] of Object.entries(expected)) {
    for (const [group, tests] of Object.entries(groups)) {
      for (const [test, before] of Object.entries(tests)) {
        const now = results[file]?.[group]?.[test];
        const where = `${file} | ${group} | ${test}`;
        if (now === undefined) missing.push(where);
        else if (now !== before) (now === 'pass' || (before === 'falsePositive' && now !== 'falsePositive') ? improvements : regressions).push(`${where}: ${before} -> ${now}`);
      }
    }
  }
  for (const [file, groups] of Object.entries(results)) {
    for (const [group, tests] of Object.entries(groups)) {
      for (const [test, now] of Object.entries(tests)) {
        if (expected[file]?.[group]?.[test] === undefined && now !== 'pass') regressions.push(`${file} | ${group} | ${test}: (new) -> ${now}`);
      }
    }
  }
  return { regressions, improvements, missing };
}

const JSTS_USAGE = `Usage: formwork bench jsts [--draft 2020-12|7] [--peer xgrammar|transformers-so] [--out FILE]
         [--peer-out FILE] [--resume] [--timeout MS] [--suite DIR] [--tokenizer DIR] [--json]
       formwork bench jsts --ratchet [--draft 7] [--mask all|allows] [--write-ratchet] [--filter TEXT] [--verbose]
Forces every test of the JSON Schema Test Suite through formwork (then the peer) and prints ours with
the peer's under "peer"; --ratchet runs the in-process harness behind the checked-in ratchet.`;

async function journaledMain(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      draft: { type: 'string', default: '2020-12' },
      suite: { type: 'string', default: join(sharedDataDir, 'json-schema-test-suite') },
      tokenizer: { type: 'string', default: join(sharedDataDir, 'tokenizers', 'llama3') },
      peer: { type: 'string' },
      timeout: { type: 'string', default: '60000' },
      out: { type: 'string' },
      'peer-out': { type: 'string' },
      resume: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(JSTS_USAGE);
    return;
  }
  if (values.draft !== '2020-12' && values.draft !== '7') throw new InputError(`--draft must be 2020-12 or 7, not ${values.draft}`, { where: 'bench jsts' });
  const peer = values.peer === undefined ? undefined : parsePeerEngineName(values.peer, ['xgrammar', 'transformers-so'], 'bench jsts');
  const draft = values.draft;
  const suffix = draft === '7' ? '-draft7' : '';
  const common = {
    suiteDir: resolve(values.suite!),
    tokenizerDir: resolve(values.tokenizer!),
    draft,
    timeoutMs: Number(values.timeout),
    resume: values.resume,
    command: `npx formwork bench jsts ${argv.join(' ')}`.trim(),
  } as const;
  const ours = await runPeerJsts({
    ...common,
    peer: 'formwork',
    engineOptions: { draft, remotesDir: common.suiteDir, allowEmpty: true },
    journalPath: values.out ?? `bench/out/formwork-jsts${suffix}.jsonl`,
  });
  const theirs =
    peer === undefined ? undefined : await runPeerJsts({ ...common, peer, journalPath: values['peer-out'] ?? `bench/out/${peer}-jsts${suffix}.jsonl` });
  const printed = (report: PeerJstsReport) => {
    const { categories: _categories, ...summary } = report.summary;
    return {
      engine: report.engineLabel,
      draft: report.draft,
      ...summary,
      passRate: summary.tests === 0 ? 0 : Math.round((summary.pass / summary.tests) * 10000) / 100,
      journal: report.journal,
      command: report.command,
    };
  };
  const out = { ...printed(ours), ...(theirs !== undefined ? { peer: printed(theirs) } : {}) };
  console.log(values.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
}

function main(argv: string[]): void {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const draft = (arg('--draft') ?? '2020-12') === '7' ? '7' : '2020-12';
  const { summary, results } = runJsts({
    draft,
    suite: arg('--suite'),
    tokenizer: arg('--tokenizer'),
    mask: arg('--mask') === 'allows' ? 'allows' : 'all',
    filter: arg('--filter'),
  });
  if (argv.includes('--write-ratchet')) writeFileSync(ratchetPath(draft), JSON.stringify(results, null, 1) + '\n');
  if (argv.includes('--verbose')) {
    for (const [file, groups] of Object.entries(results)) {
      for (const [group, tests] of Object.entries(groups)) {
        for (const [test, outcome] of Object.entries(tests)) if (outcome !== 'pass') console.log(`${outcome}\t${file} | ${group} | ${test}`);
      }
    }
  }
  const out = { draft, ...summary, command: `npx tsx bench/jsts.ts ${argv.join(' ')}`.trim() };
  console.log(argv.includes('--json') ? JSON.stringify(out) : JSON.stringify(out, null, 2));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const ratchetRun = ['--ratchet', '--write-ratchet', '--filter', '--mask', '--verbose'].some((flag) => argv.includes(flag));
  if (ratchetRun) main(argv.filter((flag) => flag !== '--ratchet'));
  else {
    journaledMain(argv).catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
  }
}
