/**
 * The cost of the generate() API layer: model loading, constraint compilation (cold and cached),
 * prompt encoding (chat template + tokenizer), and what generate() and streamGenerate() add on top
 * of runSampler for the same prompt, constraint and seed.
 *
 *   npx tsx bench/generate.ts [--json] [--runs N] [--model DIR] [--max-tokens N]
 *
 * Model: --model DIR, else the trained default model (models/default: ONNX Llama, 4.6 M parameters,
 * 4,096-token byte-level BPE, the default chat template). Schema: a closed two-property object
 * (name: string <= 20 characters, born: integer), compact JSON, greedy sampler (deterministic, so every variant
 * generates the same tokens), then AWRS. Times are medians over --runs runs (default 11, the variants
 * interleaved) after one warm-up run, wall clock, on whatever machine runs it (the load average is printed).
 */
import { cpus, loadavg } from 'node:os';
import { trainedModelDir } from '../src/engine/default-model.js';
import { executeGeneration, promptMessages } from '../src/engine/generate/generate.js';
import { Model } from '../src/engine/generate/model.js';
import { resolveConstraint, ConstraintCache } from '../src/engine/generate/constraint.js';
import { IncompleteOutputError, NoValidOutputError } from '../src/engine/generate/output-errors.js';
import { streamGenerate } from '../src/engine/generate/stream.js';
import { runSampler } from '../src/sampler/run-sampler.js';
import type { SamplerKind } from '../src/sampler/run-sampler.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(option('runs') ?? 11);
const maxTokens = Number(option('max-tokens') ?? 64);
const json = args.includes('--json');

const schema = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 20 }, born: { type: 'integer' } },
  required: ['name', 'born'],
  additionalProperties: false,
};
const prompt = 'Ada Lovelace was born in 1815.';
// Compact JSON: the same layout for every variant, and the fewest tokens.
const jsonLayout = { whitespace: 'compact' } as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed<T>(work: () => Promise<T> | T): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

/**
 * Tokens generated, whether the call returned or threw a generation error (a small model can run out of
 * tokens; the work done until then is what is timed, identically for every variant).
 */
async function tokensOf(call: Promise<{ tokens: readonly number[] }>): Promise<number> {
  try {
    return (await call).tokens.length;
  } catch (error) {
    if (error instanceof IncompleteOutputError || error instanceof NoValidOutputError) return error.tokens.length;
    throw error;
  }
}

async function main(): Promise<void> {
  const dir = option('model') ?? trainedModelDir;
  const [model, loadMs] = await timed(() => Model.load(dir));
  const report: Record<string, unknown> = {
    model: option('model') ?? 'default model (models/default)',
    maxTokens,
    runs,
    node: process.version,
    cpu: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
    loadAverage: Number(loadavg()[0].toFixed(2)),
    loadMs,
  };

  // Constraint compilation: a fresh cache each time (cold), then the model's own cache (hit).
  const cold: number[] = [];
  for (let i = 0; i < runs; i++) cold.push((await timed(() => resolveConstraint({ schema: { ...schema, title: `t${i}` }, json: jsonLayout }, model.vocabulary, new ConstraintCache())))[1]);
  resolveConstraint({ schema, json: jsonLayout }, model.vocabulary, model.constraints);
  const hit: number[] = [];
  for (let i = 0; i < runs; i++) hit.push((await timed(() => resolveConstraint({ schema, json: jsonLayout }, model.vocabulary, model.constraints)))[1]);
  const constraint = resolveConstraint({ schema, json: jsonLayout }, model.vocabulary, model.constraints);
  const encode: number[] = [];
  let promptIds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [encoded, ms] = await timed(() => model.encodePrompt(promptMessages({ schema, prompt }, constraint)));
    encode.push(ms);
    promptIds = encoded.ids;
  }
  report.compileColdMs = median(cold);
  report.compileCachedMs = median(hit);
  report.encodePromptMs = median(encode);
  report.promptTokens = promptIds.length;

  for (const sampler of ['greedy', 'awrs'] as SamplerKind[]) {
    const variants: Record<string, () => Promise<number>> = {
      runSampler: async () =>
        (await runSampler({ decoder: model.decoder, promptIds, constraint: constraint.automaton, sampler, maxTokens, seed: 1 })).tokens.length,
      generate: () => tokensOf(executeGeneration({ model, schema, json: jsonLayout, prompt, sampler, maxTokens, seed: 1 })),
      streamGenerate: () =>
        tokensOf(
          (async () => {
            const stream = streamGenerate({ model, schema, json: jsonLayout, prompt, sampler, maxTokens, seed: 1 });
            for await (const part of stream) void part;
            return stream.result;
          })(),
        ),
    };
    // Round-robin over the variants, so that the machine's load drifts over all of them alike.
    const times: Record<string, number[]> = {};
    const tokens: Record<string, number> = {};
    for (const [name, run] of Object.entries(variants)) {
      tokens[name] = await run(); // warm-up
      times[name] = [];
    }
    for (let i = 0; i < runs; i++) {
      for (const [name, run] of Object.entries(variants)) times[name].push((await timed(run))[1]);
    }
    const row: Record<string, unknown> = {};
    for (const name of Object.keys(variants)) {
      row[name] = { ms: median(times[name]), tokens: tokens[name], msPerToken: median(times[name]) / Math.max(1, tokens[name]) };
    }
    const base = (row.runSampler as { ms: number }).ms;
    row.generateOverheadMs = (row.generate as { ms: number }).ms - base;
    row.streamOverheadMs = (row.streamGenerate as { ms: number }).ms - base;
    report[sampler] = row;
  }
  await model.dispose();

  if (json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`model: ${report.model}; load ${loadMs.toFixed(0)} ms; load average ${report.loadAverage}`);
    console.log(`constraint compile: cold ${(report.compileColdMs as number).toFixed(2)} ms, cached ${(report.compileCachedMs as number).toFixed(3)} ms`);
    console.log(`prompt: ${report.promptTokens} tokens, encoded (chat template + tokenizer) in ${(report.encodePromptMs as number).toFixed(2)} ms`);
    for (const sampler of ['greedy', 'awrs']) {
      const row = report[sampler] as Record<string, { ms: number; tokens: number; msPerToken: number } | number>;
      for (const name of ['runSampler', 'generate', 'streamGenerate']) {
        const r = row[name] as { ms: number; tokens: number; msPerToken: number };
        console.log(`${sampler.padEnd(6)} ${name.padEnd(14)} ${r.ms.toFixed(1).padStart(8)} ms  ${r.tokens} tokens  ${r.msPerToken.toFixed(2)} ms/token`);
      }
      console.log(`${sampler.padEnd(6)} overhead: generate +${(row.generateOverheadMs as number).toFixed(2)} ms, stream +${(row.streamOverheadMs as number).toFixed(2)} ms`);
    }
  }
  console.log(`reproduce: npx tsx bench/generate.ts --runs ${runs} --max-tokens ${maxTokens}${option('model') ? ` --model ${option('model')}` : ''}`);
}

await main();
