import { describe, expect, it } from 'vitest';
import { ProtoMessage } from '../../../src/engine/onnx/protobuf-writer.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('ProtoMessage (protobuf wire format)', () => {
  it('encodes varints as the protobuf documentation does', () => {
    // The "150" example of the protobuf encoding guide: field 1, varint 150 -> 08 96 01.
    expect(hex(new ProtoMessage().varint(1, 150).toBytes())).toBe('089601');
    expect(hex(new ProtoMessage().varint(2, 0).toBytes())).toBe('1000');
    expect(hex(new ProtoMessage().varint(1, 2 ** 53 - 1).toBytes())).toBe('08ffffffffffffff0f');
    expect(hex(new ProtoMessage().varint(16, 1).toBytes())).toBe('800101');
  });

  it('encodes negative int64 values as 10-byte two\'s complement', () => {
    expect(hex(new ProtoMessage().varint(1, -1).toBytes())).toBe('08ffffffffffffffffff01');
    expect(hex(new ProtoMessage().varint(1, -2n).toBytes())).toBe('08feffffffffffffffff01');
  });

  it('encodes floats little-endian and strings as UTF-8 with a length', () => {
    expect(hex(new ProtoMessage().float(2, 1).toBytes())).toBe('150000803f');
    expect(hex(new ProtoMessage().string(2, 'testing').toBytes())).toBe('120774657374696e67');
    expect(hex(new ProtoMessage().string(1, 'é').toBytes())).toBe('0a02c3a9');
  });

  it('nests messages with their byte length and keeps large chunks by reference', () => {
    const inner = new ProtoMessage().varint(1, 150);
    expect(hex(new ProtoMessage().message(3, inner).toBytes())).toBe('1a03089601');
    const big = new Uint8Array(5000).fill(7);
    const outer = new ProtoMessage().string(1, 'w').bytes(2, big);
    const parts = outer.parts();
    expect(parts).toContain(big);
    expect(outer.byteLength).toBe(3 + 1 + 2 + 5000);
    const bytes = outer.toBytes();
    expect(hex(bytes.subarray(0, 6))).toBe('0a0177128827');
    expect(bytes.subarray(6).every((b) => b === 7)).toBe(true);
  });

  it('produces lazy chunks at write time and checks their promised length', () => {
    let produced = 0;
    const lazy = {
      byteLength: 4,
      bytes: () => {
        produced++;
        return new Uint8Array([1, 2, 3, 4]);
      },
    };
    const message = new ProtoMessage().bytes(9, lazy);
    expect(produced).toBe(0);
    expect(hex(message.toBytes())).toBe('4a0401020304');
    expect(produced).toBe(1);
    const liar = new ProtoMessage().bytes(9, { byteLength: 3, bytes: () => new Uint8Array(2) });
    expect(() => liar.toBytes()).toThrow(/promised 3 bytes but produced 2/);
  });
});
