/**
 * First grammar compile in a fresh process: issue 2's "json.gbnf ready in <= 5 ms" for a process that
 * has not compiled a grammar yet (cold JIT, chevrotain's parser not yet built). Each run is a new Node
 * process (same loader flags as this one) that imports formwork first, then times ONE compileGrammar
 * call, by wall clock and by process CPU time (process.cpuUsage, user + system, which on Linux also
 * counts V8's helper threads). Module loading and tsx's transpiling happen before the clock starts.
 * Runs of the grammars are interleaved so machine load spreads evenly; the report gives min / median.
 *
 *   npx tsx bench/grammar-cold.ts --runs 8 [--grammar schemas/grammars/json.gbnf,schemas/grammars/json.lark] [--json]
 *
 * Default grammars: json.gbnf, json.lark, arithmetic.gbnf, c-like.lark. The 1-minute load average
 * before and after is printed, since this 2-core VM is shared.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { compileGrammar } from '../src/grammar/cfg/index.js';

const DEFAULT_GRAMMARS = [
  'schemas/grammars/json.gbnf',
  'schemas/grammars/json.lark',
  'schemas/grammars/arithmetic.gbnf',
  'schemas/grammars/c-like.lark',
];

interface ColdRun {
  grammar: string;
  wallMs: number;
  cpuMs: number;
  /** A second compile in the same process right after the first (warm parser, still cold JIT). */
  secondWallMs: number;
}

function compileOnce(path: string): ColdRun {
  const source = readFileSync(path, 'utf8');
  const syntax = path.endsWith('.lark') ? 'lark' : 'gbnf';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  compileGrammar(source, { syntax, sourceName: basename(path) });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const t1 = performance.now();
  compileGrammar(source, { syntax, sourceName: basename(path) });
  const secondWallMs = performance.now() - t1;
  return { grammar: path, wallMs: round(wallMs), cpuMs: round((cpu.user + cpu.system) / 1000), secondWallMs: round(secondWallMs) };
}

function summary(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[sorted.length >> 1], max: sorted[sorted.length - 1] };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function get(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

const argv = process.argv.slice(2);
if (argv.includes('--child')) {
  console.log(JSON.stringify(compileOnce(get(argv, 'grammar')!)));
} else {
  const grammars = get(argv, 'grammar')?.split(',') ?? DEFAULT_GRAMMARS;
  const runs = Number(get(argv, 'runs') ?? 6);
  const script = fileURLToPath(import.meta.url);
  const loadBefore = loadavg()[0];
  const results = new Map<string, ColdRun[]>(grammars.map((g) => [g, []]));
  for (let r = 0; r < runs; r++) {
    for (const grammar of grammars) {
      const out = execFileSync(process.execPath, [...process.execArgv, script, '--child', '--grammar', grammar], { encoding: 'utf8' });
      results.get(grammar)!.push(JSON.parse(out.trim().split('\n').pop()!) as ColdRun);
    }
  }
  const loadAfter = loadavg()[0];
  const report = grammars.map((grammar) => {
    const rs = results.get(grammar)!;
    return {
      grammar,
      runs: rs.length,
      wallMs: summary(rs.map((r) => r.wallMs)),
      cpuMs: summary(rs.map((r) => r.cpuMs)),
      secondWallMs: summary(rs.map((r) => r.secondWallMs)),
    };
  });
  if (argv.includes('--json')) {
    console.log(JSON.stringify({ node: process.version, loadBefore, loadAfter, report }, null, 2));
  } else {
    console.log(`first compileGrammar in a fresh process, ${runs} processes per grammar, node ${process.version}, load ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)}`);
    for (const g of report) {
      console.log(
        `${g.grammar}: wall min ${g.wallMs.min} / median ${g.wallMs.median} / max ${g.wallMs.max} ms; ` +
          `CPU min ${g.cpuMs.min} / median ${g.cpuMs.median} ms; second compile median ${g.secondWallMs.median} ms`,
      );
    }
  }
}
