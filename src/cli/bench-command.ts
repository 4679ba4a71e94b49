import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../errors.js';
import { packageRoot } from '../engine/default-model.js';
import type { CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';

/**
 * `formwork bench NAME [args...]` runs a benchmark script of bench/ in a child process (its own heap,
 * `--expose-gc` for memory figures, its exit status passed through). From TypeScript sources (a
 * development checkout) the script runs through tsx; from an installed package, its compiled copy in
 * dist/bench.
 */
export interface BenchScript {
  readonly name: string;
  readonly path: string;
  /** The first sentence of the script's doc comment. */
  readonly summary: string;
}

/** Where scripts are looked for, relative to bench/ (or dist/bench/): NAME, peers/NAME, report/NAME. */
const FOLDERS = ['', 'peers', 'report'];
const ALIASES: Readonly<Record<string, string>> = { report: 'build-report' };

export function benchRoot(fromSources: boolean): { dir: string; extension: '.ts' | '.js' } {
  // Tests point this at a folder of their own scripts.
  const override = process.env.FORMWORK_BENCH_DIR;
  if (override) return { dir: override, extension: fromSources ? '.ts' : '.js' };
  return fromSources ? { dir: join(packageRoot, 'bench'), extension: '.ts' } : { dir: join(packageRoot, 'dist', 'bench'), extension: '.js' };
}

/** Every runnable benchmark (a script that reads its command line), by name. */
export function listBenchScripts(fromSources: boolean): BenchScript[] {
  const { dir, extension } = benchRoot(fromSources);
  const scripts: BenchScript[] = [];
  for (const folder of FOLDERS) {
    const at = join(dir, folder);
    if (!existsSync(at)) continue;
    for (const file of readdirSync(at).sort()) {
      if (!file.endsWith(extension) || file.endsWith('.d.ts')) continue;
      const path = join(at, file);
      const source = readFileSync(path, 'utf8');
      if (!source.includes('process.argv')) continue;
      const base = file.slice(0, -extension.length);
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

export function benchHelp(fromSources: boolean): string {
  const scripts = listBenchScripts(fromSources);
  const width = Math.max(8, ...scripts.map((s) => s.name.length));
  const lines = scripts.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`);
  return `Usage: formwork bench NAME [args...]

Runs a benchmark of bench/ (arguments after NAME go to it; \`formwork bench NAME --help\` where the
script has one). Results and how to reproduce them: bench/RESULTS.md.

Benchmarks:
${lines.length > 0 ? lines.join('\n') : '  (none found)'}
`;
}

/** `formwork bench NAME ...`: returns the script's exit status. */
export async function benchCommand(argv: readonly string[], io: CliIo, fromSources: boolean): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(benchHelp(fromSources));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const script = listBenchScripts(fromSources).find((s) => s.name === name);
  if (script === undefined) {
    const known = listBenchScripts(fromSources).map((s) => s.name);
    throw new InputError(`unknown benchmark ${JSON.stringify(name)} (known: ${known.join(', ') || 'none'})`, { where: 'formwork bench' });
  }
  const nodeArgs = ['--expose-gc'];
  if (fromSources) nodeArgs.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href);
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
