import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../errors.js';
import { packageRoot } from '../engine/default-model.js';
import type { CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';
import { v8PoolSizeArgs } from './v8-pool-size.js';

/**
 * `formwork bench NAME [args...]` runs a benchmark script of bench/ in a child process (its own heap,
 * `--expose-gc` for memory figures, its exit status passed through), from its TypeScript source
 * through tsx. The grammar mask bench also gets V8's background threads sized to the machine (see
 * SIZED_V8_POOL).
 *
 * The benchmarks belong to the repository, not to the published package: nearly all of them read
 * ../shared/data (tokenizers, MaskBench, the JSON Schema Test Suite) or drive peers that are
 * devDependencies (XGrammar, transformers.js), so an installed package holds none and says where
 * they are. Scripts run from source whether the CLI itself runs from src/ or dist/: there is one
 * copy of each benchmark, never a stale compiled one.
 */
export interface BenchScript {
  readonly name: string;
  readonly path: string;
  /** The first sentence of the script's doc comment. */
  readonly summary: string;
}

/** Where scripts are looked for, relative to bench/: NAME, peers/NAME, report/NAME. */
const FOLDERS = ['', 'peers', 'report'];
const ALIASES: Readonly<Record<string, string>> = { report: 'build-report' };

const NOT_HERE =
  'the benchmarks are part of the formwork repository (bench/), not of the installed package: run `npx formwork bench` in a clone of it';

/** The benchmark folder: $FORMWORK_BENCH_DIR (tests point it at scripts of their own), else bench/ of a checkout; undefined in an installed package. */
export function benchRoot(): string | undefined {
  const override = process.env.FORMWORK_BENCH_DIR;
  if (override) return override;
  const dir = join(packageRoot, 'bench');
  return existsSync(dir) ? dir : undefined;
}

/** Every runnable benchmark (a script that reads its command line), by name. */
export function listBenchScripts(): BenchScript[] {
  const dir = benchRoot();
  if (dir === undefined) return [];
  const scripts: BenchScript[] = [];
  for (const folder of FOLDERS) {
    const at = join(dir, folder);
    if (!existsSync(at)) continue;
    for (const file of readdirSync(at).sort()) {
      if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
      const path = join(at, file);
      const source = readFileSync(path, 'utf8');
      if (!source.includes('process.argv')) continue;
      const base = file.slice(0, -'.ts'.length);
      const alias = Object.entries(ALIASES).find(([, target]) => target === base)?.[0];
      scripts.push({ name: alias ?? base, path, summary: summaryOf(source) });
    }
  }
  return scripts;
}

function summaryOf(source: string): string {
  const comment = /\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? '';
  const text = comment.replace(/^\s*\* ?/gm, '').replace(/\s+/g, ' ').trim();
  // The first sentence: up to a period that ends one ("et al." and "e.g." do not), colon dropped.
  const sentence = (/^(.*?\.)\s+[A-Z(]/.exec(text)?.[1] ?? text).replace(/[:.]$/, '');
  return sentence.length > 88 ? `${sentence.slice(0, 85)}...` : sentence;
}

export function benchHelp(): string {
  const scripts = listBenchScripts();
  const width = Math.max(8, ...scripts.map((s) => s.name.length));
  const lines = scripts.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`);
  const listing = benchRoot() === undefined ? `  (none: ${NOT_HERE})` : lines.length > 0 ? lines.join('\n') : '  (none found)';
  return `Usage: formwork bench NAME [args...]

Runs a benchmark of bench/ (arguments after NAME go to it; \`formwork bench NAME --help\` where the
script has one). Results and how to reproduce them: bench/RESULTS.md.

Benchmarks:
${listing}
`;
}

/**
 * Benchmarks started with V8's background threads sized to the machine (v8-pool-size.ts): the one that
 * times the masks of one compiled grammar, whose slowest masks on 2 cores were V8's threads taking the
 * main thread's core. The others keep Node's default. MaskBench compiles a schema per file, and with
 * one background thread on 2 cores its compile p99 was 43.2-46.3 ms against 33.7-44.9 ms (3 and 4
 * runs; bench/RESULTS.md, "Grammars", session 16).
 */
const SIZED_V8_POOL: ReadonlySet<string> = new Set(['grammar']);

/** `formwork bench NAME ...`: returns the script's exit status. */
export async function benchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(benchHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (benchRoot() === undefined) throw new InputError(NOT_HERE, { where: 'formwork bench' });
  const scripts = listBenchScripts();
  const script = scripts.find((s) => s.name === name);
  if (script === undefined) {
    throw new InputError(`unknown benchmark ${JSON.stringify(name)} (known: ${scripts.map((s) => s.name).join(', ') || 'none'})`, { where: 'formwork bench' });
  }
  const nodeArgs = ['--expose-gc', ...(SIZED_V8_POOL.has(script.name) ? v8PoolSizeArgs() : []), '--import', tsxLoader()];
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script.path, ...rest], { cwd: io.cwd, stdio: 'inherit' });
    const onAbort = () => child.kill('SIGINT');
    io.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      io.signal.removeEventListener('abort', onAbort);
      resolve(code ?? (signal === 'SIGINT' ? EXIT.interrupted : EXIT.internal));
    });
  });
}

/** tsx's loader, which runs the TypeScript scripts (a devDependency: present in a checkout after npm install). */
function tsxLoader(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    throw new InputError('running a benchmark needs tsx, a devDependency of formwork: run `npm install` in the repository', { where: 'formwork bench' });
  }
}
