import { describe, expect, it } from 'vitest';
import { FormworkError } from '../../../src/errors.js';
import { logSoftmaxInPlace, logitsToLogProbs, mergeEos } from '../../../src/engine/decoder/log-softmax.js';
import { float32ToFloat16 } from '../../../src/engine/onnx/float16.js';

describe('logitsToLogProbs', () => {
  const logits = Float32Array.of(1, 3, -2, 0.5, 2.5, 3, -40, 7);

  it('equals temperature, mergeEos and logSoftmaxInPlace applied in turn', () => {
    for (const temperature of [1, 0.7, 2]) {
      for (const eos of [[2], [5, 1], [7, 1, 3]]) {
        const expected = Float64Array.from(logits, (x) => x / temperature);
        mergeEos(expected, eos);
        logSoftmaxInPlace(expected);
        const out = new Float64Array(8);
        logitsToLogProbs(logits, 0, out, temperature, eos);
        for (let i = 0; i < 8; i++) {
          if (expected[i] === -Infinity) expect(out[i]).toBe(-Infinity);
          else expect(out[i]).toBeCloseTo(expected[i], 13);
        }
        const total = out.reduce((s, x) => s + Math.exp(x), 0);
        expect(total).toBeCloseTo(1, 14);
      }
    }
  });

  it('reads a row at an offset, and float16 bits', () => {
    const two = new Float32Array(16);
    two.set(logits, 8);
    const a = new Float64Array(8);
    const b = new Float64Array(8);
    logitsToLogProbs(two, 8, a, 1, [2]);
    logitsToLogProbs(float32ToFloat16(two), 8, b, 1, [2]);
    for (let i = 0; i < 8; i++) expect(b[i]).toBeCloseTo(a[i], 2);
  });

  it('refuses non-finite logits instead of returning NaN probabilities', () => {
    const out = new Float64Array(3);
    expect(() => logitsToLogProbs(Float32Array.of(1, NaN, 2), 0, out, 1, [0])).toThrow(FormworkError);
    expect(() => logitsToLogProbs(Float32Array.of(-Infinity, -Infinity, -Infinity), 0, out, 1, [0])).toThrow(/-Infinity/);
  });
});
