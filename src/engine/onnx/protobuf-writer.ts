import { closeSync, openSync, writeSync } from 'node:fs';
import { throwIfAborted } from '../../errors.js';

/**
 * Bytes that are produced only when they are written: a weight tensor is read from its checkpoint,
 * converted and written one at a time, so converting a model never holds all its weights in memory.
 * `byteLength` must be known up front because protobuf prefixes every message with its length.
 */
export interface LazyBytes {
  readonly byteLength: number;
  bytes(): Uint8Array;
}

export type Chunk = Uint8Array | LazyBytes;

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/**
 * An encoded protobuf message as a list of byte chunks. Embedding a message or a large byte field
 * appends references to its chunks instead of copying them, so the encoded size of a model is the only
 * thing computed twice (once here, once by the file writer).
 */
export class ProtoMessage {
  private readonly chunks: Chunk[] = [];
  private scratch = new Uint8Array(256);
  private used = 0;
  private flushedLength = 0;

  get byteLength(): number {
    return this.flushedLength + this.used;
  }

  /** A varint field (uint32/int32/int64/enum/bool); negative values take the 10-byte two's complement. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.scratch.buffer).setFloat32(this.used, value, true);
    this.used += 4;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A bytes field; chunks of 1 KiB or more are kept by reference, not copied. */
  bytes(field: number, value: Chunk): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.rawVarint(value.byteLength);
    this.append(value);
    return this;
  }

  message(field: number, value: ProtoMessage): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.rawVarint(value.byteLength);
    value.flush();
    for (const chunk of value.chunks) this.append(chunk);
    return this;
  }

  /** The chunks of the finished message, in order. */
  parts(): readonly Chunk[] {
    this.flush();
    return this.chunks;
  }

  /**
   * Writes the message to `path`, yielding to the event loop after each lazy chunk (one weight tensor)
   * so progress can be drawn and `signal` can stop a long conversion.
   */
  async writeFile(path: string, signal?: AbortSignal): Promise<void> {
    const fd = openSync(path, 'w');
    try {
      for (const chunk of this.parts()) {
        writeChunk(fd, chunk);
        if (!(chunk instanceof Uint8Array)) await yieldTurn(signal);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The whole message in one buffer (tests, small models). */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    let offset = 0;
    for (const chunk of this.parts()) {
      const bytes = materialise(chunk);
      out.set(bytes, offset);
      offset += bytes.byteLength;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number | bigint): void {
    this.reserve(10);
    if (typeof value === 'number' && value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      if (!Number.isInteger(value)) throw new RangeError(`varint must be an integer, got ${value}`);
      let v = value;
      while (v >= 0x80) {
        this.scratch[this.used++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.scratch[this.used++] = v;
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.scratch[this.used++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.scratch[this.used++] = Number(v);
  }

  private append(chunk: Chunk): void {
    if (chunk instanceof Uint8Array && chunk.byteLength < 1024) {
      this.reserve(chunk.byteLength);
      this.scratch.set(chunk, this.used);
      this.used += chunk.byteLength;
      return;
    }
    this.flush();
    this.chunks.push(chunk);
    this.flushedLength += chunk.byteLength;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.scratch.byteLength) return;
    const grown = new Uint8Array(Math.max(this.scratch.byteLength * 2, this.used + n));
    grown.set(this.scratch.subarray(0, this.used));
    this.scratch = grown;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.chunks.push(this.scratch.slice(0, this.used));
    this.flushedLength += this.used;
    this.used = 0;
  }
}

/** Lets timers and abort events run; throws AbortError once `signal` has fired. */
export async function yieldTurn(signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfAborted(signal);
}

/** The bytes of a chunk, checking that a lazy chunk produced the length it promised. */
function materialise(chunk: Chunk): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  const bytes = chunk.bytes();
  if (bytes.byteLength !== chunk.byteLength) {
    throw new RangeError(`lazy chunk promised ${chunk.byteLength} bytes but produced ${bytes.byteLength}`);
  }
  return bytes;
}

export function writeChunk(fd: number, chunk: Chunk): void {
  const bytes = materialise(chunk);
  let written = 0;
  while (written < bytes.byteLength) {
    written += writeSync(fd, bytes, written, bytes.byteLength - written);
  }
}
