/**
 * Decoder throughput: tokens per second for batches of 1, 4 and 16 particles that share a prompt
 * (prefill once, fork, one session.run per step), the time a step spends outside session.run, and the
 * KV-cache memory per particle.
 *
 *   npx tsx bench/decoder.ts            # table
 *   npx tsx bench/decoder.ts --json     # JSON
 *   options: --steps N (default 64), --threads N (onnxruntime intra-op threads; default: onnxruntime's),
 *            --provider cpu|webgpu|cuda (prints the provider that ran and any fallback warning),
 *            --models stories,random20m, --in-thread (no worker thread),
 *            --cache-outputs appended|present (the converted graph's cache layout; default appended,
 *            the in-place cache; present = the Hugging Face layout, whose Concat rewrites the cache)
 *
 * Models: ../shared/data/models/stories260K converted with convertCheckpoint (fp32), and a random
 * ~20M-parameter Llama (hidden 512, 6 layers, 8 heads / 4 KV heads, FFN 1376, vocab 8192, tied)
 * written and converted at run time into bench/out/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { convertCheckpoint } from '../src/engine/convert/convert-checkpoint.js';
import type { CacheOutputs } from '../src/engine/convert/llama-graph.js';
import type { SequenceHandle } from '../src/engine/decoder/decoder.js';
import { OnnxDecoder } from '../src/engine/decoder/onnx-decoder.js';
import type { ExecutionProvider } from '../src/engine/decoder/onnx-session.js';
import { writeTinyLlama } from '../test/fixtures/llama-checkpoint.js';
import { seededRandom } from '../test/fixtures/scripted-decoder.js';
import { sharedData } from '../test/support/shared-data.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const steps = Number(option('steps') ?? 64);
const threads = option('threads') ? Number(option('threads')) : undefined;
const provider = (option('provider') ?? 'cpu') as ExecutionProvider;
const worker = !flag('in-thread');
const models = (option('models') ?? 'stories,random20m').split(',');
const cacheOutputs = (option('cache-outputs') ?? 'appended') as CacheOutputs;
if (cacheOutputs !== 'appended' && cacheOutputs !== 'present') throw new Error(`--cache-outputs must be appended or present, got ${cacheOutputs}`);
const out = join(import.meta.dirname, 'out', 'decoder', cacheOutputs);

interface Row {
  model: string;
  parameters: number;
  batch: number;
  mode: 'lockstep' | 'resample every 4 steps';
  /** From the median step time (the machine may be shared: medians resist other processes). */
  tokensPerSecond: number;
  /** From the total time of all measured steps. */
  tokensPerSecondMean: number;
  medianStepMs: number;
  medianRunMs: number;
  /** Engine work outside session.run, per step (median): regrouping rows + building inputs. */
  medianPrepareMs: number;
  /** The same, mean over all steps (resampling regroups rows on one step in four). */
  meanPrepareMs: number;
  /** Cache rows copied per step (mean): 0 while the batch keeps its rows in order. */
  meanCopiedRows: number;
  /** logits -> Float64 log-probabilities (temperature, EOS merge, log-softmax), per step (median). */
  medianLogProbsMs: number;
  /** Thread messaging and promise plumbing, per step (median of step - engine time). */
  medianMessagingMs: number;
  /** Median over steps of (step - run) / step. */
  outsideRunPercent: number;
  cacheBytesPerParticle: number;
  cacheBytesPerToken: number;
  sequenceLength: number;
}

async function prepare(name: string): Promise<{ dir: string; parameters: number } | undefined> {
  mkdirSync(out, { recursive: true });
  if (name === 'stories') {
    const source = sharedData('models/stories260K');
    if (!existsSync(source)) {
      console.error(`[skip] ${source} is absent`);
      return undefined;
    }
    const result = await convertCheckpoint(source, join(out, 'stories260K'), { cacheOutputs });
    return { dir: join(out, 'stories260K'), parameters: result.parameters };
  }
  const source = join(out, '..', 'random20m-src');
  if (!existsSync(join(source, 'model.safetensors'))) {
    writeTinyLlama(source, { hiddenSize: 512, layers: 6, heads: 8, kvHeads: 4, intermediateSize: 1376, vocabSize: 8192, tied: true, maxPositions: 2048, seed: 20 });
  }
  const result = await convertCheckpoint(source, join(out, 'random20m'), { cacheOutputs });
  return { dir: join(out, 'random20m'), parameters: result.parameters };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function measure(decoder: OnnxDecoder, model: string, parameters: number, batch: number, resample: boolean): Promise<Row> {
  const random = seededRandom(batch * 7 + (resample ? 1 : 0));
  const prompt = [1, ...Array.from({ length: 15 }, () => 3 + Math.floor(random() * 200))];
  const { sequence } = await decoder.prefill(prompt);
  let particles: SequenceHandle[] = [sequence, ...Array.from({ length: batch - 1 }, () => decoder.fork(sequence))];
  const tokens = () => particles.map(() => 3 + Math.floor(random() * 200));
  for (let i = 0; i < 4; i++) await decoder.step(particles, tokens()); // warm-up
  const copiedBefore = decoder.stats.copiedRows;
  const samples = { step: [] as number[], run: [] as number[], prepare: [] as number[], logProbs: [] as number[], messaging: [] as number[], outside: [] as number[] };
  const started = performance.now();
  for (let i = 0; i < steps; i++) {
    const before = { ...decoder.stats };
    const t0 = performance.now();
    if (resample && i % 4 === 3) {
      // Multinomial ancestors, as SMC resampling produces: fork the chosen rows, release the rest.
      const next = particles.map(() => decoder.fork(particles[Math.floor(random() * particles.length)]));
      particles.forEach((p) => decoder.release(p));
      particles = next;
    }
    await decoder.step(particles, tokens());
    const stepMs = performance.now() - t0;
    const s = decoder.stats;
    const run = s.runMs - before.runMs;
    samples.step.push(stepMs);
    samples.run.push(run);
    samples.prepare.push(s.prepareMs - before.prepareMs);
    samples.logProbs.push(s.logProbsMs - before.logProbsMs);
    samples.messaging.push(stepMs - (s.engineMs - before.engineMs));
    samples.outside.push((stepMs - run) / stepMs);
  }
  const wallMs = performance.now() - started;
  const cacheBytesPerToken = decoder.info.cacheBytesPerToken;
  const copiedRowsPerStep = (decoder.stats.copiedRows - copiedBefore) / steps;
  const sequenceLength = particles[0].length;
  particles.forEach((p) => decoder.release(p));
  return {
    model,
    parameters,
    batch,
    mode: resample ? 'resample every 4 steps' : 'lockstep',
    tokensPerSecond: batch / (median(samples.step) / 1000),
    tokensPerSecondMean: (batch * steps) / (wallMs / 1000),
    medianStepMs: median(samples.step),
    medianRunMs: median(samples.run),
    medianPrepareMs: median(samples.prepare),
    meanPrepareMs: samples.prepare.reduce((a, b) => a + b, 0) / steps,
    meanCopiedRows: copiedRowsPerStep,
    medianLogProbsMs: median(samples.logProbs),
    medianMessagingMs: median(samples.messaging),
    outsideRunPercent: 100 * median(samples.outside),
    cacheBytesPerParticle: cacheBytesPerToken * sequenceLength,
    cacheBytesPerToken,
    sequenceLength,
  };
}

const loadAverage = loadavg().map((x) => Number(x.toFixed(2)));
const rows: Row[] = [];
// What actually ran: an unavailable provider falls back to the CPU with a warning.
const providersRun = new Set<string>();
const warnings: string[] = [];
for (const name of models) {
  const prepared = await prepare(name);
  if (!prepared) continue;
  const decoder = await OnnxDecoder.load(prepared.dir, { threads, provider, worker, onWarning: (w) => warnings.push(w) });
  providersRun.add(decoder.provider + (decoder.info.avoidEmptyInputs ? ' (empty cache inputs fed as one hidden position)' : ''));
  try {
    for (const batch of [1, 4, 16]) rows.push(await measure(decoder, name === 'stories' ? 'stories260K' : 'random-20M', prepared.parameters, batch, false));
    rows.push(await measure(decoder, name === 'stories' ? 'stories260K' : 'random-20M', prepared.parameters, 16, true));
  } finally {
    await decoder.dispose();
  }
}

const environment = {
  command: `npx tsx bench/decoder.ts ${args.join(' ')}`.trim(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  threads: threads ?? 'onnxruntime default',
  provider,
  providerRun: [...providersRun].join(', ') || 'none (no model ran)',
  warnings,
  worker,
  cacheOutputs,
  steps,
  loadAverageAtStart: loadAverage,
  loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(2))),
};
if (flag('json')) {
  console.log(JSON.stringify({ environment, rows }, null, 2));
} else {
  console.log(`decoder benchmark: ${environment.command}`);
  console.log(`node ${environment.node}, ${environment.cores} x ${environment.cpu}, provider ${provider} (ran: ${environment.providerRun}), threads ${environment.threads}, ${worker ? 'worker thread' : 'in-thread'}, ${cacheOutputs} cache outputs, ${steps} steps`);
  console.log(`load average (1/5/15 min) at start ${environment.loadAverageAtStart.join(' ')}, at end ${environment.loadAverageAtEnd.join(' ')}`);
  console.log('model        params batch mode                    tok/s (mean)   step ms  run ms  prepare ms (mean)  copied rows  logprobs ms  messaging ms  outside %  KV/particle (length)');
  for (const r of rows) {
    console.log(
      [
        r.model.padEnd(12),
        `${(r.parameters / 1e6).toFixed(2)}M`.padStart(6),
        String(r.batch).padStart(5),
        r.mode.padEnd(23),
        `${r.tokensPerSecond.toFixed(0)} (${r.tokensPerSecondMean.toFixed(0)})`.padStart(13),
        r.medianStepMs.toFixed(3).padStart(9),
        r.medianRunMs.toFixed(3).padStart(7),
        `${r.medianPrepareMs.toFixed(3)} (${r.meanPrepareMs.toFixed(3)})`.padStart(18),
        r.meanCopiedRows.toFixed(1).padStart(12),
        r.medianLogProbsMs.toFixed(3).padStart(12),
        r.medianMessagingMs.toFixed(3).padStart(13),
        r.outsideRunPercent.toFixed(1).padStart(10),
        `${(r.cacheBytesPerParticle / 1024).toFixed(1)} KiB (${r.sequenceLength})`.padStart(21),
      ].join(' '),
    );
  }
  console.log('Medians over steps; tok/s = batch / median step time (mean over all steps in parentheses).');
  console.log(`provider asked: ${provider}; ran: ${environment.providerRun}`);
  for (const warning of warnings) console.log(`warning: ${warning}`);
}
