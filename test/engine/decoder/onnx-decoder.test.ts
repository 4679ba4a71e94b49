import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, LimitError } from '../../../src/errors.js';
import { OnnxDecoder } from '../../../src/engine/decoder/onnx-decoder.js';
import { logSoftmaxInPlace, mergeEos } from '../../../src/engine/decoder/log-softmax.js';
import { writeScriptedDecoder } from '../../fixtures/scripted-decoder.js';
import type { ScriptedDecoder, ScriptedDecoderOptions } from '../../fixtures/scripted-decoder.js';

const root = mkdtempSync(join(tmpdir(), 'formwork-decoder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The Decoder contract's log-probabilities for the scripted model's exact logits. */
function expectedLogProbs(model: ScriptedDecoder, tokens: readonly number[], temperature = 1): Float64Array {
  const out = model.expectedLogits(tokens).map((x) => x / temperature);
  mergeEos(out, model.eosIds);
  logSoftmaxInPlace(out);
  return out;
}

function expectClose(actual: Float64Array, expected: Float64Array, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    if (expected[i] === -Infinity) {
      expect(actual[i]).toBe(-Infinity);
      continue;
    }
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
}

async function open(name: string, fixture: ScriptedDecoderOptions, worker = true) {
  const model = await writeScriptedDecoder(join(root, name), fixture);
  const decoder = await OnnxDecoder.load(model.dir, { worker, threads: 1 });
  return { model, decoder };
}

// Both cache layouts: 'present' (KvCache, the Hugging Face export) and 'appended' (KvSlabCache, in place).
describe.each(['present', 'appended'] as const)('OnnxDecoder on a scripted model (worker thread), %s cache outputs', (cacheOutputs) => {
  let model: ScriptedDecoder;
  let decoder: OnnxDecoder;
  beforeAll(async () => {
    ({ model, decoder } = await open(`scripted-${cacheOutputs}`, { eosIds: [2, 5], cacheOutputs }));
  });
  afterAll(() => decoder.dispose());

  it('reads vocabulary size, EOS ids and maximum length from the model directory', () => {
    expect(decoder.vocabSize).toBe(16);
    expect(decoder.eosId).toBe(2);
    expect(decoder.eosIds).toEqual([2, 5]);
    expect(decoder.maxLength).toBe(64);
    expect(decoder.provider).toBe('cpu');
  });

  it('prefill then steps give the exact next-token distribution, EOS ids merged', async () => {
    const prompt = [1, 7, 3];
    const { sequence, logProbs } = await decoder.prefill(prompt);
    expect(sequence.length).toBe(3);
    expectClose(logProbs, expectedLogProbs(model, prompt), 1e-5);
    expect(logProbs[5]).toBe(-Infinity);
    const tokens = [...prompt];
    for (const next of [4, 9, 15, 0]) {
      const [row] = await decoder.step([sequence], [next]);
      tokens.push(next);
      expectClose(row, expectedLogProbs(model, tokens), 1e-5);
    }
    expect(sequence.length).toBe(7);
    decoder.release(sequence);
  });

  it('applies the temperature before the softmax', async () => {
    const { sequence, logProbs } = await decoder.prefill([1, 2, 3], { temperature: 0.5 });
    expectClose(logProbs, expectedLogProbs(model, [1, 2, 3], 0.5), 1e-5);
    const [row] = await decoder.step([sequence], [8], { temperature: 3 });
    expectClose(row, expectedLogProbs(model, [1, 2, 3, 8], 3), 1e-5);
    decoder.release(sequence);
  });

  it('a batched step equals each sequence stepped alone, for ragged lengths', async () => {
    const prompts = [[1], [1, 4, 4, 6, 7, 8, 9], [1, 12, 13]];
    const prefilled = await Promise.all(prompts.map((p) => decoder.prefill(p)));
    const sequences = prefilled.map((p) => p.sequence);
    const histories = prompts.map((p) => [...p]);
    const schedule = [
      [3, 5, 7],
      [0, 15, 11],
      [6, 6, 6],
    ];
    for (const tokens of schedule) {
      const rows = await decoder.step(sequences, tokens);
      rows.forEach((row, i) => {
        histories[i].push(tokens[i]);
        expectClose(row, expectedLogProbs(model, histories[i]), 1e-5);
      });
    }
    expect(sequences.map((s) => s.length)).toEqual(histories.map((h) => h.length));
    sequences.forEach((s) => decoder.release(s));
  });

  it('fork shares the prompt; forks, gathers and releases keep rows independent', async () => {
    const prompt = [1, 10, 11, 12];
    const { sequence: root } = await decoder.prefill(prompt);
    const particles = [root, decoder.fork(root), decoder.fork(root), decoder.fork(root)];
    const histories = particles.map(() => [...prompt]);
    const stepAll = async (tokens: number[]) => {
      const rows = await decoder.step(particles, tokens);
      rows.forEach((row, i) => {
        histories[i].push(tokens[i]);
        expectClose(row, expectedLogProbs(model, histories[i]), 1e-5);
      });
    };
    await stepAll([3, 4, 5, 6]);
    await stepAll([7, 7, 8, 8]);
    // Resample with ancestors [2, 2, 0, 3]: fork the survivors, release the rest.
    const ancestors = [2, 2, 0, 3];
    const next = ancestors.map((a) => decoder.fork(particles[a]));
    const nextHistories = ancestors.map((a) => [...histories[a]]);
    particles.forEach((p) => decoder.release(p));
    particles.splice(0, 4, ...next);
    histories.splice(0, 4, ...nextHistories);
    await stepAll([9, 10, 11, 12]);
    // Shrink the batch and reorder it.
    decoder.release(particles[1]);
    particles.splice(1, 1);
    histories.splice(1, 1);
    particles.reverse();
    histories.reverse();
    await stepAll([13, 14, 15]);
    await stepAll([1, 2, 3]);
    particles.forEach((p) => decoder.release(p));
    expect(decoder.liveSequences).toBe(0);
  });

  it('a forked sequence stepped alone does not disturb its parent', async () => {
    const { sequence: parent } = await decoder.prefill([1, 3, 5]);
    const child = decoder.fork(parent);
    await decoder.step([child], [9]);
    await decoder.step([child], [10]);
    const [row] = await decoder.step([parent], [4]);
    expectClose(row, expectedLogProbs(model, [1, 3, 5, 4]), 1e-5);
    expect(child.length).toBe(5);
    expect(parent.length).toBe(4);
    decoder.release(parent);
    decoder.release(child);
  });

  it('a sequence behind its shared row\'s tip appends without overwriting the sequence at the tip', async () => {
    const { sequence: a } = await decoder.prefill([1, 2, 3]);
    const b = decoder.fork(a);
    await decoder.step([a], [4]);
    const [rowB] = await decoder.step([b], [5]);
    expectClose(rowB, expectedLogProbs(model, [1, 2, 3, 5]), 1e-5);
    const [rowA, rowB2] = await decoder.step([a, b], [6, 7]);
    expectClose(rowA, expectedLogProbs(model, [1, 2, 3, 4, 6]), 1e-5);
    expectClose(rowB2, expectedLogProbs(model, [1, 2, 3, 5, 7]), 1e-5);
    decoder.release(a);
    decoder.release(b);
  });

  it('steps over part of a batch leave the other sequences intact; the batch grows back with forks', async () => {
    const prompt = [1, 9, 8];
    const { sequence: first } = await decoder.prefill(prompt);
    const particles = [first, decoder.fork(first), decoder.fork(first), decoder.fork(first)];
    const histories = particles.map(() => [...prompt]);
    const stepSome = async (which: number[], tokens: number[]) => {
      const rows = await decoder.step(
        which.map((i) => particles[i]),
        tokens,
      );
      rows.forEach((row, k) => {
        histories[which[k]].push(tokens[k]);
        expectClose(row, expectedLogProbs(model, histories[which[k]]), 1e-5);
      });
    };
    await stepSome([0, 1, 2, 3], [3, 4, 5, 6]);
    // Particle 2 finishes (stays alive, parked); the other three go on in its slab.
    await stepSome([3, 0, 1], [7, 8, 9]);
    await stepSome([0, 1, 3], [10, 11, 12]);
    // Particle 1 is dropped and particle 0 duplicated: the batch is back to four.
    decoder.release(particles[1]);
    particles[1] = decoder.fork(particles[0]);
    histories[1] = [...histories[0]];
    await stepSome([0, 1, 2, 3], [13, 14, 15, 1]);
    particles.forEach((p) => decoder.release(p));
    expect(decoder.liveSequences).toBe(0);
  });

  it('calls fired without awaiting run in call order, forks and releases included', async () => {
    const { sequence } = await decoder.prefill([1, 2]);
    const first = decoder.step([sequence], [3]);
    const child = decoder.fork(sequence); // forks the sequence as the step leaves it
    const second = decoder.step([child], [4]);
    decoder.release(sequence);
    await first;
    const [row] = await second;
    expect(child.length).toBe(4);
    expectClose(row, expectedLogProbs(model, [1, 2, 3, 4]), 1e-5);
    decoder.release(child);
    expect(decoder.liveSequences).toBe(0);
  });

  it('rows are views of one buffer, one row per sequence', async () => {
    const a = await decoder.prefill([1, 2]);
    const b = decoder.fork(a.sequence);
    const rows = await decoder.step([a.sequence, b], [3, 4]);
    expect(rows).toHaveLength(2);
    expect(rows[0].buffer).toBe(rows[1].buffer);
    expect(rows[0].length).toBe(16);
    decoder.release(a.sequence);
    decoder.release(b);
  });

  it('raw logits at every position match the closed form', async () => {
    const tokens = [1, 6, 2, 9, 9];
    const logits = await decoder.logits(tokens);
    expect(logits).toHaveLength(tokens.length * 16);
    for (let t = 0; t < tokens.length; t++) {
      const expected = model.expectedLogits(tokens.slice(0, t + 1));
      for (let v = 0; v < 16; v++) expect(logits[t * 16 + v]).toBeCloseTo(expected[v], 4);
    }
  });

  it('rejects bad input with typed errors, without disturbing the cache', async () => {
    const { sequence } = await decoder.prefill([1, 2]);
    await expect(decoder.step([sequence], [16])).rejects.toBeInstanceOf(InputError);
    await expect(decoder.step([sequence], [1.5])).rejects.toBeInstanceOf(InputError);
    await expect(decoder.prefill([1, NaN])).rejects.toBeInstanceOf(InputError);
    await expect(decoder.step([sequence], [1, 2])).rejects.toBeInstanceOf(InputError);
    await expect(decoder.step([sequence, sequence], [1, 2])).rejects.toBeInstanceOf(InputError);
    await expect(decoder.prefill([])).rejects.toBeInstanceOf(InputError);
    await expect(decoder.prefill([1], { temperature: 0 })).rejects.toBeInstanceOf(InputError);
    const [row] = await decoder.step([sequence], [3]);
    expectClose(row, expectedLogProbs(model, [1, 2, 3]), 1e-5);
    decoder.release(sequence);
    expect(() => decoder.release(sequence)).toThrow(InputError);
    await expect(decoder.step([sequence], [1])).rejects.toBeInstanceOf(InputError);
  });

  it('steps across cache growth (32 positions) with forks that share rows and diverge', async () => {
    const prompt = Array.from({ length: 28 }, (_, i) => (i % 14) + 1);
    const { sequence: root } = await decoder.prefill(prompt);
    const particles = [root, decoder.fork(root), decoder.fork(root)];
    const histories = particles.map(() => [...prompt]);
    for (let t = 0; t < 8; t++) {
      // The root's first fork also steps alone every other token, so rows fall behind their tips.
      if (t % 2 === 1) {
        const lone = decoder.fork(particles[1]);
        const [row] = await decoder.step([lone], [15 - t]);
        expectClose(row, expectedLogProbs(model, [...histories[1], 15 - t]), 1e-5);
        decoder.release(lone);
      }
      const tokens = [t + 1, t + 3, 14 - t];
      const rows = await decoder.step(particles, tokens);
      rows.forEach((row, i) => {
        histories[i].push(tokens[i]);
        expectClose(row, expectedLogProbs(model, histories[i]), 1e-5);
      });
    }
    expect(particles.map((p) => p.length)).toEqual([36, 36, 36]);
    particles.forEach((p) => decoder.release(p));
    expect(decoder.liveSequences).toBe(0);
  });

  it('refuses to grow a sequence past maxLength', async () => {
    const long = Array.from({ length: 64 }, (_, i) => (i % 15) + 1);
    const { sequence } = await decoder.prefill(long);
    await expect(decoder.step([sequence], [3])).rejects.toBeInstanceOf(LimitError);
    await expect(decoder.prefill([...long, 1])).rejects.toBeInstanceOf(LimitError);
    decoder.release(sequence);
  });
});

describe('OnnxDecoder export variants', () => {
  const variants: [string, ScriptedDecoderOptions, number, boolean][] = [
    ['fp16 (Uint16Array cache and logits), worker thread', { dtype: 'fp16', seed: 3 }, 0.05, true],
    ['merged decoder (use_cache_branch)', { mergedDecoder: true, seed: 4 }, 1e-5, false],
    ['no logits-to-keep input (logits for every position)', { logitsToKeep: 'none', seed: 5 }, 1e-5, false],
    ['logits_to_keep input name', { logitsToKeep: 'logits_to_keep', seed: 6 }, 1e-5, false],
    ['one KV head, wide keys', { kvHeads: 1, keyDim: 5, layers: 1, seed: 8 }, 1e-5, false],
  ];
  for (const [name, fixture, tolerance, worker] of variants) {
    it(name, async () => {
      const { model, decoder } = await open(name.replace(/\W+/g, '-'), fixture, worker);
      try {
        const a = await decoder.prefill([1, 4, 8, 3, 2, 9]);
        expectClose(a.logProbs, expectedLogProbs(model, [1, 4, 8, 3, 2, 9]), tolerance);
        const b = await decoder.prefill([1, 7]);
        const c = decoder.fork(b.sequence);
        const histories = [
          [1, 4, 8, 3, 2, 9],
          [1, 7],
          [1, 7],
        ];
        for (const tokens of [
          [5, 6, 7],
          [11, 12, 13],
        ]) {
          const rows = await decoder.step([a.sequence, b.sequence, c], tokens);
          rows.forEach((row, i) => {
            histories[i].push(tokens[i]);
            expectClose(row, expectedLogProbs(model, histories[i]), tolerance);
          });
        }
        // Raw logits of the whole history from one uncached pass agree with the closed form too.
        const logits = await decoder.logits(histories[0]);
        const last = model.expectedLogits(histories[0]);
        for (let v = 0; v < 16; v++) expect(Math.abs(logits[(histories[0].length - 1) * 16 + v] - last[v])).toBeLessThanOrEqual(tolerance * 20);
      } finally {
        await decoder.dispose();
      }
    });
  }

  it.each(['present', 'appended'] as const)('prefills long prompts in chunks with the same result (%s cache outputs)', async (cacheOutputs) => {
    const model = await writeScriptedDecoder(join(root, `chunked-${cacheOutputs}`), { seed: 9, cacheOutputs });
    const decoder = await OnnxDecoder.load(model.dir, { worker: false, prefillChunk: 3 });
    try {
      const prompt = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
      const { sequence, logProbs } = await decoder.prefill(prompt);
      expectClose(logProbs, expectedLogProbs(model, prompt), 1e-5);
      const [row] = await decoder.step([sequence], [11]);
      expectClose(row, expectedLogProbs(model, [...prompt, 11]), 1e-5);
    } finally {
      await decoder.dispose();
    }
  });

  it('accepts logits wider than the tokenizer (padding)', async () => {
    const model = await writeScriptedDecoder(join(root, 'padded'), { tokenizerSize: 12, seed: 10 });
    const decoder = await OnnxDecoder.load(model.dir, { worker: false });
    try {
      expect(decoder.vocabSize).toBe(16);
      const { logProbs } = await decoder.prefill([1, 2]);
      expectClose(logProbs, expectedLogProbs(model, [1, 2]), 1e-5);
    } finally {
      await decoder.dispose();
    }
  });

  it('the in-thread engine gives the same rows as the worker', async () => {
    const model = await writeScriptedDecoder(join(root, 'same'), { seed: 11 });
    const results: Float64Array[][] = [];
    for (const worker of [true, false]) {
      const decoder = await OnnxDecoder.load(model.dir, { worker });
      const { sequence } = await decoder.prefill([1, 5, 6]);
      const other = decoder.fork(sequence);
      const rows = await decoder.step([sequence, other], [7, 8]);
      results.push(rows.map((r) => Float64Array.from(r)));
      await decoder.dispose();
    }
    expect(results[0]).toEqual(results[1]);
  });
});
