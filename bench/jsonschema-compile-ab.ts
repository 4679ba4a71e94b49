/**
 * Same-process A/B of the schema compiler (`compileJsonSchema`: meta-schema check, schema IR, goals;
 * not ajv's reference validator, which bench/jsonschema-reference-ab.ts compares): every MaskBench
 * schema is compiled by this tree and by another source tree alternately (which side goes first
 * alternates too), `--reps` times each, and the times compared.
 *
 *   git archive HEAD~1 src | tar -x -C tmp/base
 *   npx tsx bench/jsonschema-compile-ab.ts --base tmp/base [--limit 300] [--reps 3] [--dir DIR] [--json]
 *
 * A schema both trees refuse counts on both sides; one that only one side refuses is listed (the two
 * trees do not compile the same language then).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { listMaskbenchFiles, readMaskbenchEntry } from './peers/maskbench-files.js';
import { MASKBENCH_DEFAULTS } from './maskbench-automata.js';
import { roundDistribution, summarize } from './report/percentile.js';

type Compile = (schema: unknown) => unknown;

interface Side {
  readonly compile: Compile;
  readonly ms: number[];
}

async function loadCompiler(root: string): Promise<Compile> {
  const module = (await import(pathToFileURL(resolve(root, 'src/grammar/jsonschema/index.ts')).href)) as { compileJsonSchema: Compile };
  return module.compileJsonSchema;
}

/** Best of `reps` compiles (ms), and whether the schema compiled. */
function timeCompile(compile: Compile, schemaText: string, reps: number): { ms: number; ok: boolean } {
  let best = Infinity;
  let ok = true;
  for (let r = 0; r < reps; r++) {
    const schema: unknown = JSON.parse(schemaText);
    const t0 = performance.now();
    try {
      compile(schema);
    } catch {
      ok = false;
    }
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, ok };
}

function summary(ms: number[]): { totalMs: number; p50: number; p99: number; max: number } {
  const { p50, p99, max } = roundDistribution(summarize(ms), 2);
  return { totalMs: Math.round(ms.reduce((a, b) => a + b, 0) * 100) / 100, p50, p99, max };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      limit: { type: 'string' },
      reps: { type: 'string', default: '3' },
      dir: { type: 'string', default: MASKBENCH_DEFAULTS.dir },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.base === undefined) throw new Error('--base DIR (a source tree to compare with) is required');
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got ${values.reps}`);
  const sides: Side[] = [
    { compile: await loadCompiler(values.base), ms: [] },
    { compile: await loadCompiler('.'), ms: [] },
  ];
  const files = listMaskbenchFiles(values.dir, { limit: values.limit === undefined ? undefined : Number(values.limit) });
  const differing: string[] = [];
  files.forEach((file, i) => {
    const { schemaText } = readMaskbenchEntry(values.dir, file);
    const ok = [true, true];
    for (const s of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const t = timeCompile(sides[s].compile, schemaText, reps);
      sides[s].ms.push(t.ms);
      ok[s] = t.ok;
    }
    if (ok[0] !== ok[1]) differing.push(`${file}: base ${ok[0] ? 'compiles' : 'refuses'}, this tree ${ok[1] ? 'compiles' : 'refuses'}`);
  });
  const result = { files: files.length, reps, differing: differing.length, base: summary(sides[0].ms), this: summary(sides[1].ms) };
  if (values.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`${result.files} schemas, best of ${reps} compiles each; compiled by one side only: ${result.differing}`);
    for (const line of differing.slice(0, 20)) console.log(`  ${line}`);
    for (const side of ['base', 'this'] as const) {
      const r = result[side];
      console.log(`${side.padEnd(4)}  ${r.totalMs} ms in all, p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms`);
    }
  }
  if (differing.length > 0) process.exitCode = 1;
}

await main();
