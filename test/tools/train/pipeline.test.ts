import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertCheckpoint } from '../../../src/engine/convert/convert-checkpoint.js';
import { SafetensorsCheckpoint } from '../../../src/engine/convert/safetensors.js';
import { OnnxDecoder } from '../../../src/engine/decoder/onnx-decoder.js';
import { repoRoot, sharedData, skipUnlessSharedData } from '../../support/shared-data.js';

/**
 * The training side of the default model, checked from TypeScript: tools/train/llama.py must compute
 * Hugging Face Llama's forward pass, and what train.py writes (safetensors_io, config.json) must go
 * through formwork's converter into an ONNX model with the same logits. Needs Debian's PyTorch
 * (/usr/bin/python3 with torch), which the training tools use; skipped, with a notice, without it.
 */
const python = '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) console.warn(`[skip] ${python} with torch is absent: the training-pipeline tests are skipped`);

function run(script: string, args: string[]): string {
  const result = spawnSync(python, [join(repoRoot, 'tools', 'train', script), ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe.skipIf(!hasTorch || skipUnlessSharedData('models/stories260K'))('llama.py against a real Hugging Face checkpoint', () => {
  it('reproduces stories260K reference logits (<= 1e-4) and its greedy text', () => {
    const out = run('check_reference.py', ['--model', sharedData('models/stories260K')]);
    const report = JSON.parse(out.trim().split('\n').at(-1)!) as { max_abs_logit_diff: number; greedy_match: boolean };
    expect(report.max_abs_logit_diff).toBeLessThanOrEqual(1e-4);
    expect(report.greedy_match).toBe(true);
  });
});

describe.skipIf(!hasTorch)('train.py checkpoint -> convertCheckpoint -> ONNX', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'formwork-tiny-'));
    run('tiny_fixture.py', [root]);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const variant of ['tied', 'untied']) {
    it(`keeps PyTorch's logits (${variant} embeddings)`, async () => {
      const src = join(root, variant);
      const out = join(root, `${variant}-onnx`);
      copyFileSync(join(repoRoot, 'models', 'default', 'tokenizer.json'), join(src, 'tokenizer.json'));
      copyFileSync(join(repoRoot, 'models', 'default', 'tokenizer_config.json'), join(src, 'tokenizer_config.json'));
      const expected = JSON.parse(readFileSync(join(src, 'expected.json'), 'utf8')) as {
        prompt_ids: number[];
        logits: number[][];
        tensors: Record<string, number[]>;
      };

      // safetensors_io.py's file, read by the converter's reader: same names, same values.
      const checkpoint = SafetensorsCheckpoint.openDirectory(src);
      expect(checkpoint.names.sort()).toEqual(Object.keys(expected.tensors).sort());
      for (const [name, head] of Object.entries(expected.tensors)) {
        expect(Array.from(checkpoint.readFloat32(name).subarray(0, 4))).toEqual(head.map((v) => Math.fround(v)));
      }

      await convertCheckpoint(src, out);
      const decoder = await OnnxDecoder.load(out, { worker: false, threads: 1 });
      try {
        const logits = await decoder.logits(expected.prompt_ids);
        let maxDiff = 0;
        expected.logits.forEach((row, pos) => row.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - logits[pos * row.length + i]!)))));
        expect(maxDiff).toBeLessThanOrEqual(1e-4);
      } finally {
        await decoder.dispose();
      }
    });
  }
});
