/**
 * Same-process A/B of the reference validator (src/grammar/jsonschema/reference-validator.ts, the ajv
 * final check): for every MaskBench schema, this tree's validator and another source tree's are built
 * alternately (which side goes first alternates too) and timed on
 *   - compile: `available()`, which generates and compiles ajv's code;
 *   - first validation: the first instance's verdict, which is what the first end-of-document mask of
 *     an automaton pays on top of its walk (lazily compiled code, first-run regular expressions);
 * and every instance's verdict is compared between the two sides: they must agree everywhere.
 *
 *   git archive HEAD~1 src | tar -x -C tmp/base
 *   npx tsx bench/jsonschema-reference-ab.ts --base tmp/base [--limit 300] [--dir DIR] [--json]
 *
 * Both trees run on this checkout's node_modules (the same ajv).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { listMaskbenchFiles, readMaskbenchEntry } from './peers/maskbench-files.js';
import { MASKBENCH_DEFAULTS } from './maskbench-automata.js';
import { roundDistribution, summarize } from './report/percentile.js';

interface Validator {
  available(): boolean;
  validate(value: unknown): boolean;
}

type BuildValidator = (schema: unknown, draft: '2020-12' | '7', remotes: undefined) => Validator;

interface Side {
  readonly label: string;
  readonly build: BuildValidator;
  readonly compileMs: number[];
  readonly firstMs: number[];
}

interface SideReport {
  compileMsTotal: number;
  compileMs: { p50: number; p99: number; max: number };
  firstValidationMsTotal: number;
  firstValidationMs: { p99: number; max: number };
  firstValidationsOver2ms: number;
  firstValidationsOver5ms: number;
}

/** The dialect the schema compiler would pick from `$schema` (draft-04 to draft-07 read as draft-07). */
function draftOf(schema: unknown): '2020-12' | '7' {
  const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  return typeof declared === 'string' && /draft-0[4-7]/.test(declared) ? '7' : '2020-12';
}

async function loadBuilder(root: string): Promise<BuildValidator> {
  const module = (await import(pathToFileURL(resolve(root, 'src/grammar/jsonschema/reference-validator.ts')).href)) as { referenceValidator: BuildValidator };
  return module.referenceValidator;
}

const round = (v: number) => Math.round(v * 100) / 100;

function report(side: Side): SideReport {
  const compile = roundDistribution(summarize(side.compileMs), 2);
  const first = roundDistribution(summarize(side.firstMs), 2);
  const total = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0));
  return {
    compileMsTotal: total(side.compileMs),
    compileMs: { p50: compile.p50, p99: compile.p99, max: compile.max },
    firstValidationMsTotal: total(side.firstMs),
    firstValidationMs: { p99: first.p99, max: first.max },
    firstValidationsOver2ms: side.firstMs.filter((ms) => ms > 2).length,
    firstValidationsOver5ms: side.firstMs.filter((ms) => ms > 5).length,
  };
}

/** The verdicts of every instance, one character each ('1', '0', or 'x' when ajv threw). */
function timeSide(side: Side, schemaText: string, instances: { text: string }[]): string {
  const schema: unknown = JSON.parse(schemaText);
  const validator = side.build(schema, draftOf(schema), undefined);
  const t0 = performance.now();
  const available = validator.available();
  const t1 = performance.now();
  let verdicts = '';
  let firstMs = 0;
  if (available) {
    for (const instance of instances) {
      const value: unknown = JSON.parse(instance.text);
      const start = performance.now();
      try {
        verdicts += validator.validate(value) ? '1' : '0';
      } catch {
        verdicts += 'x';
      }
      if (verdicts.length === 1) firstMs = performance.now() - start;
    }
  }
  side.compileMs.push(t1 - t0);
  side.firstMs.push(firstMs);
  return available ? verdicts : 'unavailable';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      limit: { type: 'string' },
      dir: { type: 'string', default: MASKBENCH_DEFAULTS.dir },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.base === undefined) throw new Error('--base DIR (a source tree to compare with) is required');
  const sides: Side[] = [
    { label: 'base', build: await loadBuilder(values.base), compileMs: [], firstMs: [] },
    { label: 'this', build: await loadBuilder('.'), compileMs: [], firstMs: [] },
  ];
  const files = listMaskbenchFiles(values.dir, { limit: values.limit === undefined ? undefined : Number(values.limit) });
  const disagreements: string[] = [];
  files.forEach((file, i) => {
    const entry = readMaskbenchEntry(values.dir, file);
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    const verdicts = ['', ''];
    for (const s of order) verdicts[s] = timeSide(sides[s], entry.schemaText, entry.instances);
    if (verdicts[0] !== verdicts[1]) disagreements.push(`${file}: base ${verdicts[0]}, this ${verdicts[1]}`);
  });
  const result = { files: files.length, disagreements: disagreements.length, base: report(sides[0]), this: report(sides[1]) };
  if (values.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`${result.files} schemas, verdicts that differ: ${result.disagreements}`);
    for (const line of disagreements.slice(0, 20)) console.log(`  ${line}`);
    for (const side of ['base', 'this'] as const) {
      const r = result[side];
      console.log(
        `${side.padEnd(4)}  compile ${r.compileMsTotal} ms in all (p50 ${r.compileMs.p50}, p99 ${r.compileMs.p99}, max ${r.compileMs.max}); ` +
          `first validation ${r.firstValidationMsTotal} ms in all (p99 ${r.firstValidationMs.p99}, max ${r.firstValidationMs.max}; over 2 ms ${r.firstValidationsOver2ms}, over 5 ms ${r.firstValidationsOver5ms})`,
      );
    }
  }
  if (disagreements.length > 0) process.exitCode = 1;
}

await main();
