import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxDecoder } from '../../../src/engine/decoder/onnx-decoder.js';
import { writeScriptedDecoder } from '../../fixtures/scripted-decoder.js';

const root = mkdtempSync(join(tmpdir(), 'formwork-provider-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('execution providers', () => {
  for (const provider of ['webgpu', 'cuda'] as const) {
    it(`"${provider}" runs there when available, else warns and runs on the CPU`, async () => {
      const model = await writeScriptedDecoder(join(root, provider));
      const warnings: string[] = [];
      const decoder = await OnnxDecoder.load(model.dir, { provider, onWarning: (w) => warnings.push(w) });
      try {
        if (decoder.provider === 'cpu') {
          expect(warnings).toHaveLength(1);
          expect(warnings[0]).toContain(`"${provider}" is unavailable`);
          expect(warnings[0]).toContain('CPU');
          expect(decoder.warnings).toEqual(warnings);
        } else {
          expect(decoder.provider).toBe(provider);
          expect(warnings).toEqual([]);
        }
        const { sequence, logProbs } = await decoder.prefill([1, 2, 3]);
        const expected = model.expectedLogits([1, 2, 3]);
        const shift = logProbs[0] - expected[0];
        for (let v = 0; v < 16; v++) expect(logProbs[v] - expected[v]).toBeCloseTo(shift, 3);
        await decoder.step([sequence], [4]);
      } finally {
        await decoder.dispose();
      }
    });
  }
});
