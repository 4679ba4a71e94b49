import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPSET, GraphBuilder, attr } from '../../../src/engine/onnx/graph-builder.js';
import { encodeModel, writeModel } from '../../../src/engine/onnx/onnx-model.js';
import type { ModelDef } from '../../../src/engine/onnx/onnx-model.js';

const root = mkdtempSync(join(tmpdir(), 'formwork-onnx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** y = softmax((x @ W + b) * sigmoid(x @ W + b)) over the last axis, and a symbolic-shape echo. */
function buildModel(): ModelDef {
  const g = new GraphBuilder('test');
  const x = g.input('x', 'float32', ['batch', 3]);
  const w = g.initializer('w', 'float32', [3, 2], new Uint8Array(Float32Array.of(1, 2, 3, 4, 5, 6).buffer));
  const h = g.add(g.matMul(x, w), g.float32s([0.5, -0.5]));
  const y = g.softmax(g.mul(h, g.sigmoid(h)), -1);
  g.output(y, 'y', 'float32', ['batch', 2]);
  const [first, rest] = g.split(x, [1, 2], 1);
  g.output(g.concat([rest, first], 1), 'rotated', 'float32', ['batch', 3]);
  g.output(g.shape(x, 1, 2), 'width', 'int64', [1]);
  return { graph: g.build(), opsets: [{ domain: '', version: DEFAULT_OPSET }], producerName: 'formwork-test', metadata: { purpose: 'test' } };
}

function expectedY(row: number[]): number[] {
  const h = [0, 1].map((j) => row[0] * [1, 2][j] + row[1] * [3, 4][j] + row[2] * [5, 6][j] + [0.5, -0.5][j]);
  const a = h.map((v) => v / (1 + Math.exp(-v)));
  const m = Math.max(...a);
  const e = a.map((v) => Math.exp(v - m));
  return e.map((v) => v / (e[0] + e[1]));
}

async function run(source: string | Uint8Array) {
  const session = await ort.InferenceSession.create(source as string);
  const x = [0.1, -0.2, 0.3, 1, 0, -1];
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), [2, 3]) });
  await session.release();
  return { x, out };
}

describe('ONNX writer and graph builder', () => {
  it('writes a model onnxruntime loads and computes correctly', async () => {
    const { x, out } = await run(encodeModel(buildModel()).toBytes());
    const y = out.y.data as Float32Array;
    for (let b = 0; b < 2; b++) {
      const expected = expectedY(x.slice(b * 3, b * 3 + 3));
      expect(y[b * 2]).toBeCloseTo(expected[0], 6);
      expect(y[b * 2 + 1]).toBeCloseTo(expected[1], 6);
    }
    expect(Array.from(out.rotated.data as Float32Array)).toEqual(Array.from(Float32Array.of(-0.2, 0.3, 0.1, 0, -1, 1)));
    expect(Array.from(out.width.data as BigInt64Array)).toEqual([3n]);
  });

  it('declares inputs and outputs with symbolic and fixed dimensions', async () => {
    const session = await ort.InferenceSession.create(encodeModel(buildModel()).toBytes());
    expect(session.inputMetadata).toEqual([{ name: 'x', isTensor: true, type: 'float32', shape: ['batch', 3] }]);
    expect(session.outputNames).toEqual(['y', 'rotated', 'width']);
    await session.release();
  });

  it('writes large initializers as external data that onnxruntime resolves next to the model', async () => {
    const path = join(root, 'external.onnx');
    // Threshold 16 bytes: w (24 bytes) goes out; the split sizes (2 x int64) stay for shape inference.
    const files = await writeModel(path, buildModel(), { forceExternalData: true, externalThreshold: 16 });
    expect(files).toEqual([path, `${path}_data`]);
    expect(statSync(`${path}_data`).size).toBe(24);
    const { out } = await run(path);
    expect((out.y.data as Float32Array)[0]).toBeCloseTo(expectedY([0.1, -0.2, 0.3])[0], 6);
    expect(readdirSync(root).sort()).toEqual(['external.onnx', 'external.onnx_data']);
  });

  it('encodes graph-valued attributes (If with two branches)', async () => {
    const branch = (name: string, value: number) => {
      const b = new GraphBuilder(name);
      b.output(b.float32s([value], [1]), 'out', 'float32', [1]);
      return b.build();
    };
    const g = new GraphBuilder('if');
    const flag = g.input('flag', 'bool', [1]);
    const [result] = g.node('If', [g.squeeze(flag, [0])], { attributes: { then_branch: attr.graph(branch('then', 1)), else_branch: attr.graph(branch('else', 2)) } });
    g.output(result, 'result', 'float32', [1]);
    const session = await ort.InferenceSession.create(encodeModel({ graph: g.build(), opsets: [{ domain: '', version: DEFAULT_OPSET }] }).toBytes());
    for (const [value, expected] of [
      [1, 1],
      [0, 2],
    ]) {
      const out = await session.run({ flag: new ort.Tensor('bool', Uint8Array.of(value), [1]) });
      expect((out.result.data as Float32Array)[0]).toBe(expected);
    }
    await session.release();
  });

  it('refuses a value name used twice and a tensor whose bytes do not fit its shape', () => {
    const g = new GraphBuilder();
    g.input('x', 'float32', [1]);
    expect(() => g.input('x', 'float32', [1])).toThrow(/used twice/);
    g.initializer('bad', 'float32', [2, 2], new Uint8Array(12));
    expect(() => encodeModel({ graph: g.build(), opsets: [] })).toThrow(/"bad" has 12 bytes, but float32\[2, 2\] needs 16/);
  });

  it('deduplicates constants', () => {
    const g = new GraphBuilder();
    expect(g.int64s([0, 0, -1])).toBe(g.int64s([0, 0, -1]));
    expect(g.int64s([1])).not.toBe(g.int64s([1], []));
    expect(g.float32s([1])).not.toBe(g.int64s([1]));
  });
});
