/**
 * Vocabulary + token trie build time and memory, and token-mask time for a few machine shapes.
 *
 *   npx tsx bench/vocab.ts                                  # gpt2, llama2, llama3 from ../shared/data/tokenizers
 *   npx tsx bench/vocab.ts --tokenizer ../shared/data/tokenizers/llama3 [--tokenizer DIR ...] [--repeat 7]
 *
 * Prints one JSON object per tokenizer. Times are wall-clock medians over --repeat runs in this process
 * (single thread); `vocabCpuMs` is the process CPU time of the same median run; `vocabFirst*` is the
 * first (cold: code not yet optimized) load of the process. `loadAverage` is the 1-minute load of the
 * machine, for judging wall times taken on a shared machine. Memory is the growth of
 * V8 heap + array buffers after a full GC while the vocabulary is alive (the trie and the three slices
 * included; the HF tokenizer, built lazily on first encode, is not).
 * Mask times: median microseconds after >= 300 ms of warm-up masks, no cache (every mask is a fresh trie walk),
 * except `cacheHitUs`; `visits` = trie nodes stepped, `allowed` = set bits. Machines (test fixtures):
 * a JSON string DFA (body state with and without the json-string-body slice, and through `step` only),
 * digits+whitespace with and without slices, three literal keys, a random dense DFA over all bytes.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ByteMachine } from '../src/grammar/automaton/byte-machine.js';
import { DfaByteMachine } from '../src/grammar/automaton/dfa-byte-machine.js';
import { MaskCache } from '../src/grammar/automaton/mask-cache.js';
import { maskWords } from '../src/grammar/automaton/token-automaton.js';
import { createTokenAutomaton } from '../src/grammar/automaton/trie-token-automaton.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import type { TokenVocabulary } from '../src/grammar/vocab/token-vocabulary.js';
import { digitsDfa, JSON_STRING_BODY_STATE, jsonStringDfa, plainMachine, randomDfa, rng } from '../test/grammar/automaton/fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function args(): { tokenizers: string[]; repeat: number } {
  const argv = process.argv.slice(2);
  const tokenizers: string[] = [];
  let repeat = 7;
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--tokenizer') tokenizers.push(resolve(argv[++k]));
    else if (argv[k] === '--repeat') repeat = Number(argv[++k]);
    else throw new Error(`unknown argument ${argv[k]} (use --tokenizer DIR, --repeat N)`);
  }
  if (tokenizers.length === 0) {
    for (const name of ['gpt2', 'llama2', 'llama3']) {
      const dir = resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'tokenizers', name);
      if (existsSync(dir)) tokenizers.push(dir);
    }
  }
  return { tokenizers, repeat };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Full GCs with pauses between them: array buffer backing stores are released asynchronously. */
async function settle(): Promise<void> {
  for (let k = 0; k < 3; k++) {
    gc();
    await new Promise((resolveTimer) => setTimeout(resolveTimer, 20));
  }
}

async function measureLoad(dir: string, repeat: number) {
  const runs: { ms: number; cpuMs: number }[] = [];
  for (let r = 0; r < repeat; r++) {
    gc();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const v = loadVocabulary(dir);
    v.trie.slice('json-string-body');
    const ms = performance.now() - t0;
    const c = process.cpuUsage(cpu);
    runs.push({ ms, cpuMs: (c.user + c.system) / 1000 });
  }
  const mid = runs.map((r) => r.ms).sort((a, b) => a - b)[runs.length >> 1];
  const run = runs.find((r) => r.ms === mid)!;
  await settle();
  const before = heapBytes();
  const vocabulary = loadVocabulary(dir);
  for (const c of ['json-string-body', 'json-whitespace', 'digits'] as const) vocabulary.trie.slice(c);
  await settle();
  const after = heapBytes();
  return {
    vocabulary,
    vocabMs: round(run.ms, 1),
    cpuMs: round(run.cpuMs, 1),
    vocabMB: round((after - before) / 1e6),
    first: round(runs[0].ms, 1),
    firstCpu: round(runs[0].cpuMs, 1),
  };
}

/** Runs `f` for at least 300 ms and 100 calls, so that V8 has optimized the walk before timing. */
function warmUp(f: () => void): void {
  const t0 = performance.now();
  for (let r = 0; r < 100 || performance.now() - t0 < 300; r++) f();
}

function timeMask<S>(vocabulary: TokenVocabulary, machine: ByteMachine<S>, state: S, repeat: number) {
  const automaton = createTokenAutomaton(machine, vocabulary, { cache: false });
  const out = new Uint32Array(maskWords(vocabulary.size));
  const times: number[] = [];
  warmUp(() => automaton.mask(state, out));
  for (let r = 0; r < Math.max(repeat, 5) * 5; r++) {
    const t0 = performance.now();
    automaton.mask(state, out);
    times.push((performance.now() - t0) * 1000);
  }
  let allowed = 0;
  for (const w of out) {
    let v = w;
    while (v !== 0) {
      v &= v - 1;
      allowed++;
    }
  }
  return { us: round(median(times), 1), visits: automaton.lastVisits, allowed };
}

function maskBench(vocabulary: TokenVocabulary, repeat: number) {
  const json = jsonStringDfa();
  const all = Array.from({ length: 256 }, (_, b) => b);
  const random = randomDfa(rng(7), 8, all, 0.9);
  const literal = DfaByteMachine.fromStrings(['{"name": ', '{"age": ', '{"tags": [']);
  const stepOnly: ByteMachine<number> = { ...plainMachine(json), loopClasses: (s) => json.loopClasses(s) };
  const cache = new MaskCache();
  const cached = createTokenAutomaton(json, vocabulary, { cache });
  const out = new Uint32Array(maskWords(vocabulary.size));
  warmUp(() => cached.mask(JSON_STRING_BODY_STATE, out));
  const hits: number[] = [];
  for (let r = 0; r < 200; r++) {
    const t0 = performance.now();
    cached.mask(JSON_STRING_BODY_STATE, out);
    hits.push((performance.now() - t0) * 1000);
  }
  return {
    stringBodySliced: timeMask(vocabulary, json, JSON_STRING_BODY_STATE, repeat),
    stringBodyWalked: timeMask(vocabulary, jsonStringDfa({ loops: false }), JSON_STRING_BODY_STATE, repeat),
    stringBodyNoCursor: timeMask(vocabulary, stepOnly, JSON_STRING_BODY_STATE, repeat),
    stringStart: timeMask(vocabulary, json, 0, repeat),
    digitsSliced: timeMask(vocabulary, digitsDfa(), 0, repeat),
    digitsWalked: timeMask(vocabulary, digitsDfa({ loops: false }), 0, repeat),
    literalKeys: timeMask(vocabulary, literal, literal.initial, repeat),
    randomDense: timeMask(vocabulary, random, 0, repeat),
    cacheHitUs: round(median(hits), 2),
  };
}

const { tokenizers, repeat } = args();
if (tokenizers.length === 0) {
  console.error('no tokenizers: pass --tokenizer DIR (a folder with tokenizer.json)');
  process.exit(1);
}
for (const dir of tokenizers) {
  const load = await measureLoad(dir, repeat);
  const { vocabulary } = load;
  const result = {
    tokenizer: dir,
    node: process.version,
    tokens: vocabulary.tokenCount,
    trieTokens: vocabulary.trie.tokenCount,
    trieNodes: vocabulary.trie.nodeCount,
    vocabMs: load.vocabMs,
    vocabCpuMs: load.cpuMs,
    vocabFirstMs: load.first,
    vocabFirstCpuMs: load.firstCpu,
    loadAverage: round(loadavg()[0], 1),
    vocabMB: load.vocabMB,
    arraysMB: round(vocabulary.byteLength / 1e6),
    maskUs: maskBench(vocabulary, repeat),
  };
  console.log(JSON.stringify(result));
}
