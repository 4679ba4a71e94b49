/**
 * The default model's decoding speed on the CPU: tokens per second at batch 1 and 8 (a JSON prompt
 * prefilled once, forked, then one batched forward per step), through formwork's runtime
 * (OnnxDecoder: onnxruntime-node in a worker thread, KV cache, Float64 log-softmax).
 *
 *   npx tsx bench/default-model.ts [--model models/default] [--steps 64] [--threads 1] [--runs 3] [--prompt-tokens N] [--json]
 *
 * Tokens per second = generated tokens (batch x steps) / wall time of the steps (prefill excluded,
 * reported separately). Each step feeds the argmax token of every row, as greedy decoding does.
 * The median of --runs runs is reported, with the machine's load average (the development VM's two
 * cores are shared, so wall times move with the load).
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { argmax } from '../src/engine/decoder/greedy-decode.js';
import { OnnxDecoder } from '../src/engine/decoder/onnx-decoder.js';
import { renderChat } from '../src/engine/prompts/chat-format.js';
import { jsonSchemaPrompt } from '../src/engine/prompts/json-schema-prompt.js';
import { Tokenizer } from '@huggingface/tokenizers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SequenceHandle } from '../src/engine/decoder/decoder.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    steps: { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    // A prompt of exactly N tokens (ids cycled over the vocabulary) instead of the JSON prompt: the
    // batched step's cost grows with batch x context (each step's Concat copies the whole KV cache), so
    // the batch-8 / batch-1 ratio depends on how long the prompt is.
    'prompt-tokens': { type: 'string' },
  },
});
const steps = Number(args.steps);
const runs = Number(args.runs);
const dir = args.model!;

const tokenizer = new Tokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')));
const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' }, email: { type: 'string', format: 'email' } }, required: ['name', 'age'] };
const prompt = renderChat(jsonSchemaPrompt(schema, 'Generate a person.'));
const promptIds = args['prompt-tokens']
  ? Array.from({ length: Number(args['prompt-tokens']) }, (_, i) => 10 + ((i * 37) % 4000))
  : tokenizer.encode(prompt, { add_special_tokens: false }).ids;

const decoder = await OnnxDecoder.load(dir, { threads: Number(args.threads) });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rows: { batch: number; prefillMs: number; stepMs: number; tokensPerSecond: number }[] = [];
try {
  for (const batch of [1, 8]) {
    const prefills: number[] = [];
    const rates: number[] = [];
    const stepTimes: number[] = [];
    for (let run = 0; run < runs; run++) {
      let t0 = performance.now();
      const { sequence, logProbs } = await decoder.prefill(promptIds);
      prefills.push(performance.now() - t0);
      const sequences: SequenceHandle[] = [sequence];
      while (sequences.length < batch) sequences.push(decoder.fork(sequence));
      let tokens = sequences.map(() => argmax(logProbs));
      t0 = performance.now();
      for (let s = 0; s < steps; s++) {
        const next = await decoder.step(sequences, tokens);
        tokens = next.map((row) => argmax(row));
      }
      const ms = performance.now() - t0;
      stepTimes.push(ms / steps);
      rates.push((batch * steps * 1000) / ms);
      for (const seq of sequences) decoder.release(seq);
    }
    rows.push({ batch, prefillMs: median(prefills), stepMs: median(stepTimes), tokensPerSecond: median(rates) });
  }
} finally {
  await decoder.dispose();
}

const context = { model: dir, promptTokens: promptIds.length, steps, threads: Number(args.threads), runs, cpus: cpus().length, loadavg1: loadavg()[0], node: process.version };
if (args.json) console.log(JSON.stringify({ context, rows }));
else {
  console.log(`default model decoding, ${JSON.stringify(context)}`);
  console.log('| batch | prefill (ms) | step (ms) | tokens/s |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.batch} | ${r.prefillMs.toFixed(1)} | ${r.stepMs.toFixed(2)} | ${r.tokensPerSecond.toFixed(0)} |`);
}
