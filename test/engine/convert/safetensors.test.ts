import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../../src/errors.js';
import { SafetensorsCheckpoint, writeSafetensors } from '../../../src/engine/convert/safetensors.js';
import type { SafetensorsEntry } from '../../../src/engine/convert/safetensors.js';
import { float32ToFloat16 } from '../../../src/engine/onnx/float16.js';

const root = mkdtempSync(join(tmpdir(), 'formwork-safetensors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('safetensors', () => {
  const values = Float32Array.of(1, -2, 0.5, 3.25, -0.125, 100);
  const tensors = new Map<string, SafetensorsEntry>([
    ['a.f32', { dtype: 'F32', shape: [2, 3], data: values }],
    ['b.f16', { dtype: 'F16', shape: [6], data: float32ToFloat16(values) }],
    // bfloat16 bits: the top halves of the float32 values (exact for these).
    ['c.bf16', { dtype: 'BF16', shape: [3, 2], data: Uint16Array.from(new Uint32Array(values.buffer), (b) => b >>> 16) }],
  ]);

  it('writes and reads F32, F16 and BF16 tensors as float32, with shapes', () => {
    const path = join(root, 'model.safetensors');
    writeSafetensors(path, tensors, { format: 'pt' });
    const checkpoint = SafetensorsCheckpoint.openDirectory(root);
    expect(checkpoint.names.sort()).toEqual(['a.f32', 'b.f16', 'c.bf16']);
    expect(checkpoint.info('c.bf16').shape).toEqual([3, 2]);
    for (const name of checkpoint.names) expect(Array.from(checkpoint.readFloat32(name))).toEqual(Array.from(values));
  });

  it('reads sharded checkpoints through the index', () => {
    const dir = join(root, 'sharded');
    mkdirSync(dir, { recursive: true });
    writeSafetensors(join(dir, 's1.safetensors'), new Map([['a.f32', tensors.get('a.f32')!]]));
    writeSafetensors(join(dir, 's2.safetensors'), new Map([['b.f16', tensors.get('b.f16')!]]));
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'a.f32': 's1.safetensors', 'b.f16': 's2.safetensors' } }));
    const checkpoint = SafetensorsCheckpoint.openDirectory(dir);
    expect(checkpoint.path).toBe(join(dir, 'model.safetensors.index.json'));
    expect(Array.from(checkpoint.readFloat32('b.f16'))).toEqual(Array.from(values));
    expect(checkpoint.info('a.f32').file).toBe(join(dir, 's1.safetensors'));
  });

  it('names the file and the problem for broken checkpoints', () => {
    const truncated = join(root, 'truncated.safetensors');
    writeFileSync(truncated, Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    expect(() => SafetensorsCheckpoint.openFile(truncated)).toThrow(ModelLoadError);
    const wrongSize = join(root, 'wrong.safetensors');
    const header = Buffer.from(JSON.stringify({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }));
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(header.byteLength));
    writeFileSync(wrongSize, Buffer.concat([prefix, header, Buffer.alloc(8)]));
    expect(() => SafetensorsCheckpoint.openFile(wrongSize)).toThrow(/tensor "t" spans 8 bytes but F32\[4\] needs 16/);
    const checkpoint = SafetensorsCheckpoint.openFile(join(root, 'model.safetensors'));
    expect(() => checkpoint.readFloat32('nope')).toThrow(/no tensor "nope"/);
  });
});
