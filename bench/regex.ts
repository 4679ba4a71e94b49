/**
 * Regex engine (src/grammar/regex): compile time on real-world patterns, step throughput against
 * JavaScript's RegExp, and the cost of a token-mask-style walk over the Llama-3 vocabulary.
 *
 *   npx tsx bench/regex.ts            # table
 *   npx tsx bench/regex.ts --json     # JSON
 *
 * - compile: every distinct `pattern` / `patternProperties` key of ../shared/data/jsonschemabench/
 *   maskbench-dev (838), parse + compile in 'search' semantics (the DFA itself is built lazily, so
 *   this is the time before the first byte), best of 7 runs per pattern, p50 / p99 / max in
 *   microseconds. Without the shared data, a built-in list of typical patterns.
 * - step: ns per byte to match 1 MB of text, cold (the lazy DFA is being built) and warm (every
 *   transition memoised), next to RegExp.prototype.test on the same text.
 * - mask walk: a flat trie of the 128,000 Llama-3 tokens walked depth-first with a cursor (push/pop,
 *   a rejected byte prunes its subtree), the way a token automaton computes a mask without caching:
 *   milliseconds per walk from a few states, cold (DFA built during the walk) and warm.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { compileRegex, type RegexMachine } from '../src/grammar/regex/index.js';
import { sharedData } from '../test/support/shared-data.js';

const json = process.argv.includes('--json');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// ---------------------------------------------------------------------------------------------- compile

function maskbenchPatterns(): string[] {
  const dir = sharedData('jsonschemabench/maskbench-dev');
  if (!existsSync(dir)) {
    return ['^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$', '^\\d{4}-\\d{2}-\\d{2}$', '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$', '^\\p{L}+$', '^.{1,255}$'];
  }
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'pattern' && typeof x === 'string') out.add(x);
        if (k === 'patternProperties' && x !== null && typeof x === 'object') Object.keys(x).forEach((p) => out.add(p));
        visit(x);
      }
    }
  };
  for (const f of readdirSync(dir)) visit((JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as { schema: unknown }).schema);
  return [...out];
}

function benchCompile(): Record<string, number> {
  const patterns = maskbenchPatterns();
  const flagsOf = (p: string): string => {
    try {
      new RegExp(p, 'u');
      return 'u';
    } catch {
      return '';
    }
  };
  // Warm-up: JIT, Unicode property tables, case folding table.
  for (const p of patterns) {
    try {
      compileRegex(p, { flags: flagsOf(p), semantics: 'search' });
    } catch {
      // counted below
    }
  }
  const times: number[] = [];
  let unsupported = 0;
  for (const p of patterns) {
    const flags = flagsOf(p);
    // The minimum of several runs: the shared CI machine's load and GC pauses only ever add time.
    let best = Infinity;
    try {
      for (let k = 0; k < 7; k++) {
        const t0 = performance.now();
        compileRegex(p, { flags, semantics: 'search' });
        best = Math.min(best, performance.now() - t0);
      }
    } catch {
      unsupported++;
      continue;
    }
    times.push(best * 1000);
  }
  times.sort((a, b) => a - b);
  return {
    patterns: patterns.length,
    compiled: times.length,
    unsupported,
    p50Us: percentile(times, 0.5),
    p99Us: percentile(times, 0.99),
    maxUs: times[times.length - 1],
    meanUs: times.reduce((a, b) => a + b, 0) / times.length,
  };
}

// ---------------------------------------------------------------------------------------------- step

function run(m: RegexMachine, bytes: Uint8Array): boolean {
  let s: number | undefined = m.initial;
  for (let i = 0; i < bytes.length; i++) {
    s = m.step(s, bytes[i]);
    if (s === undefined) return false;
  }
  return m.accepts(s);
}

function benchStep(): Record<string, number | string>[] {
  const word = 'lorem ipsum dolor sit amet, consectetur adipiscing elit; héllo wörld 😀 ';
  const text = word.repeat(Math.ceil(1_000_000 / word.length)).slice(0, 1_000_000);
  const bytes = new TextEncoder().encode(text);
  const cases: [string, string][] = [
    ['[^]*', 'u'],
    ['[\\p{L}\\p{N}\\s\\p{P}\\p{So}]*', 'u'],
    ['(?:[a-zé-ü ]+[,;]?)+.*', 'u'],
    ['.*?zz|.*', 'su'],
  ];
  const rows: Record<string, number | string>[] = [];
  for (const [pattern, flags] of cases) {
    const m = compileRegex(pattern, { flags });
    const t0 = performance.now();
    const ok = run(m, bytes);
    const cold = performance.now() - t0;
    const t1 = performance.now();
    for (let k = 0; k < 5; k++) run(m, bytes);
    const warm = (performance.now() - t1) / 5;
    const js = new RegExp(`^(?:${pattern})$`, flags);
    const t2 = performance.now();
    for (let k = 0; k < 5; k++) js.test(text);
    const jsMs = (performance.now() - t2) / 5;
    rows.push({
      pattern,
      matched: String(ok),
      coldNsPerByte: (cold * 1e6) / bytes.length,
      warmNsPerByte: (warm * 1e6) / bytes.length,
      regexpNsPerByte: (jsMs * 1e6) / bytes.length,
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------- mask walk

/** GPT-2 byte-level alphabet: vocabulary characters back to bytes. */
function byteDecoder(): Map<string, number> {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [String.fromCodePoint(cs[i]), b]));
}

function llama3Tokens(): Uint8Array[] | undefined {
  const file = sharedData('tokenizers/llama3/tokenizer.json');
  if (!existsSync(file)) return undefined;
  const vocab = (JSON.parse(readFileSync(file, 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab;
  const dec = byteDecoder();
  const tokens = Object.keys(vocab).map((t) => Uint8Array.from([...t].map((c) => dec.get(c)!)));
  tokens.sort((a, b) => {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  });
  return tokens;
}

/** A flat token trie in DFS order: byte, subtree size (nodes) and token count ending at each node. */
interface FlatTrie {
  byte: Uint8Array;
  size: Int32Array;
  tokens: Int32Array;
  nodes: number;
}

function buildTrie(sorted: readonly Uint8Array[]): FlatTrie {
  // Sorted input: a node's subtree is contiguous, so DFS order is insertion order of new nodes.
  const byte: number[] = [0];
  const tokens: number[] = [0];
  const parentOf: number[] = [-1];
  const path: number[] = [0]; // node ids along the previous token
  let prev: Uint8Array = new Uint8Array(0);
  for (const t of sorted) {
    let lcp = 0;
    while (lcp < prev.length && lcp < t.length && prev[lcp] === t[lcp]) lcp++;
    path.length = lcp + 1;
    for (let d = lcp; d < t.length; d++) {
      byte.push(t[d]);
      tokens.push(0);
      parentOf.push(path[d]);
      path.push(byte.length - 1);
    }
    tokens[path[t.length]]++;
    prev = t;
  }
  const n = byte.length;
  const size = new Int32Array(n).fill(1);
  for (let i = n - 1; i > 0; i--) size[parentOf[i]] += size[i];
  return { byte: Uint8Array.from(byte), size, tokens: Int32Array.from(tokens), nodes: n };
}

/** The mask walk: visit children, prune a rejected byte's whole subtree; the number of allowed tokens. */
function walk(m: RegexMachine, state: number, trie: FlatTrie): number {
  const c = m.cursor(state);
  const { byte, size, tokens } = trie;
  const visit = (lo: number, hi: number): number => {
    let allowed = 0;
    for (let n = lo; n < hi; n += size[n]) {
      if (!c.push(byte[n])) continue;
      allowed += tokens[n] + visit(n + 1, n + size[n]);
      c.pop();
    }
    return allowed;
  };
  return visit(1, trie.nodes);
}

function benchWalk(): Record<string, number | string>[] {
  const tokens = llama3Tokens();
  if (tokens === undefined) return [];
  const trie = buildTrie(tokens);
  const cases: [string, string, 'search' | 'full', string][] = [
    ['^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$', 'u', 'search', 'ab'],
    ['^\\d{4}-\\d{2}-\\d{2}$', 'u', 'search', '20'],
    ['[^"\\\\\\x00-\\x1f]*', 'u', 'full', ''],
    ['\\p{L}[\\p{L}\\p{N}_]*', 'u', 'full', 'x'],
  ];
  const rows: Record<string, number | string>[] = [];
  for (const [pattern, flags, semantics, prefix] of cases) {
    const m = compileRegex(pattern, { flags, semantics });
    let s = m.initial;
    for (const b of new TextEncoder().encode(prefix)) s = m.step(s, b)!;
    const t0 = performance.now();
    const allowed = walk(m, s, trie);
    const cold = performance.now() - t0;
    const t1 = performance.now();
    for (let k = 0; k < 5; k++) walk(m, s, trie);
    const warm = (performance.now() - t1) / 5;
    rows.push({ pattern, after: prefix, allowed, trieNodes: trie.nodes, coldMs: cold, warmMs: warm });
  }
  return rows;
}

const result = {
  machine: `${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, load ${loadavg()[0].toFixed(1)}`,
  node: process.version,
  compile: benchCompile(),
  step: benchStep(),
  maskWalk: benchWalk(),
};
if (json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const f = (x: number | string) => (typeof x === 'number' ? x.toFixed(x < 10 ? 2 : 1) : x);
  console.log(`regex bench on ${result.machine}, node ${result.node}`);
  console.log('compile (parse + compile, search):', Object.entries(result.compile).map(([k, v]) => `${k}=${f(v)}`).join(' '));
  console.log('step (1 MB):');
  for (const r of result.step) console.log('  ', Object.entries(r).map(([k, v]) => `${k}=${f(v)}`).join(' '));
  console.log('mask walk (128k Llama-3 tokens):');
  for (const r of result.maskWalk) console.log('  ', Object.entries(r).map(([k, v]) => `${k}=${f(v)}`).join(' '));
}
