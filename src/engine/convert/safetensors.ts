import { closeSync, existsSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ModelLoadError } from '../../errors.js';
import { bfloat16ToFloat32, float16ToFloat32 } from '../onnx/float16.js';

/**
 * Reads Hugging Face safetensors checkpoints (one `model.safetensors` or a sharded
 * `model.safetensors.index.json`) tensor by tensor: only the header is parsed up front, and each
 * tensor is read from its file on demand, so converting a model holds one tensor at a time.
 *
 * Format: 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
 * then the data; offsets are relative to the end of the header.
 */

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Readonly<Record<string, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly file: string;
  /** Absolute byte offsets in `file`. */
  readonly begin: number;
  readonly end: number;
}

export class SafetensorsCheckpoint {
  private constructor(
    /** The file that named the tensors (model.safetensors or the index). */
    readonly path: string,
    private readonly tensors: ReadonlyMap<string, TensorInfo>,
  ) {}

  /** Opens `dir/model.safetensors.index.json` (sharded) or `dir/model.safetensors`. */
  static openDirectory(dir: string): SafetensorsCheckpoint {
    const index = join(dir, 'model.safetensors.index.json');
    if (existsSync(index)) return SafetensorsCheckpoint.openIndex(index);
    const single = join(dir, 'model.safetensors');
    if (existsSync(single)) return SafetensorsCheckpoint.openFile(single);
    throw new ModelLoadError('no model.safetensors or model.safetensors.index.json (only safetensors checkpoints can be converted)', {
      path: dir,
    });
  }

  static openFile(path: string): SafetensorsCheckpoint {
    const tensors = new Map<string, TensorInfo>();
    for (const info of readHeader(path)) tensors.set(info.name, info);
    return new SafetensorsCheckpoint(path, tensors);
  }

  static openIndex(indexPath: string): SafetensorsCheckpoint {
    let weightMap: Record<string, string>;
    try {
      weightMap = JSON.parse(readFileSync(indexPath, 'utf8')).weight_map;
    } catch (cause) {
      throw new ModelLoadError('is not a valid safetensors index (JSON with "weight_map")', { path: indexPath, cause });
    }
    if (!weightMap || typeof weightMap !== 'object') throw new ModelLoadError('has no "weight_map"', { path: indexPath });
    const tensors = new Map<string, TensorInfo>();
    const shards = new Set(Object.values(weightMap));
    for (const shard of shards) {
      const shardPath = join(dirname(indexPath), shard);
      if (!existsSync(shardPath)) throw new ModelLoadError(`shard named in ${indexPath} is missing`, { path: shardPath });
      for (const info of readHeader(shardPath)) {
        if (weightMap[info.name] === shard) tensors.set(info.name, info);
      }
    }
    for (const [name, shard] of Object.entries(weightMap)) {
      if (!tensors.has(name)) throw new ModelLoadError(`tensor "${name}" is listed in the index but not in the shard`, { path: join(dirname(indexPath), shard) });
    }
    return new SafetensorsCheckpoint(indexPath, tensors);
  }

  get names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new ModelLoadError(`checkpoint has no tensor "${name}"`, { path: this.path });
    return info;
  }

  /** The tensor converted to float32 (from F32, F16, BF16 or F64). */
  readFloat32(name: string): Float32Array {
    const info = this.info(name);
    const bytes = readRange(info.file, info.begin, info.end);
    const count = info.shape.reduce((n, d) => n * d, 1);
    switch (info.dtype) {
      case 'F32':
        return new Float32Array(bytes.buffer, bytes.byteOffset, count);
      case 'F16':
        return float16ToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, count));
      case 'BF16':
        return bfloat16ToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, count));
      case 'F64':
        return Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, count));
      default:
        throw new ModelLoadError(`tensor "${name}" has dtype ${info.dtype}; only floating-point weights can be converted`, { path: info.file });
    }
  }
}

function readHeader(path: string): TensorInfo[] {
  const fd = openSync(path, 'r');
  try {
    const prefix = Buffer.alloc(8);
    if (readSync(fd, prefix, 0, 8, 0) !== 8) throw new ModelLoadError('is too short to be a safetensors file', { path });
    const headerLength = Number(prefix.readBigUInt64LE(0));
    if (headerLength > 100_000_000) throw new ModelLoadError(`claims a ${headerLength}-byte header: not a safetensors file`, { path });
    const headerBytes = Buffer.alloc(headerLength);
    if (readSync(fd, headerBytes, 0, headerLength, 8) !== headerLength) throw new ModelLoadError('header is truncated', { path });
    let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    try {
      header = JSON.parse(headerBytes.toString('utf8'));
    } catch (cause) {
      throw new ModelLoadError('header is not valid JSON: not a safetensors file', { path, cause });
    }
    const base = 8 + headerLength;
    const infos: TensorInfo[] = [];
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const width = DTYPE_BYTES[entry.dtype];
      if (width === undefined) throw new ModelLoadError(`tensor "${name}" has unknown dtype ${entry.dtype}`, { path });
      const [begin, end] = entry.data_offsets;
      const count = entry.shape.reduce((n, d) => n * d, 1);
      if (end - begin !== count * width) {
        throw new ModelLoadError(`tensor "${name}" spans ${end - begin} bytes but ${entry.dtype}[${entry.shape.join(', ')}] needs ${count * width}`, { path });
      }
      infos.push({ name, dtype: entry.dtype as SafetensorsDtype, shape: entry.shape, file: path, begin: base + begin, end: base + end });
    }
    return infos;
  } finally {
    closeSync(fd);
  }
}

/** Reads [begin, end) of a file into a fresh, 8-byte aligned buffer (typed-array views need alignment). */
function readRange(path: string, begin: number, end: number): Uint8Array {
  const bytes = new Uint8Array(new ArrayBuffer(end - begin));
  const fd = openSync(path, 'r');
  try {
    let read = 0;
    while (read < bytes.byteLength) {
      const n = readSync(fd, bytes, read, bytes.byteLength - read, begin + read);
      if (n === 0) throw new ModelLoadError(`is truncated: expected bytes up to offset ${end}`, { path });
      read += n;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

export interface SafetensorsEntry {
  readonly dtype: 'F32' | 'F16' | 'BF16';
  readonly shape: readonly number[];
  /** Raw little-endian data (Float32Array for F32, Uint16Array bits for F16/BF16). */
  readonly data: Float32Array | Uint16Array;
}

/** Writes a safetensors file (test fixtures and tools; tensors in the given order, 8-byte aligned). */
export function writeSafetensors(path: string, tensors: ReadonlyMap<string, SafetensorsEntry>, metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, entry] of tensors) {
    header[name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + entry.data.byteLength] };
    offset += entry.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad the header with spaces so the data starts 8-byte aligned (the format allows trailing spaces).
  const headerBytes = Buffer.concat([json, Buffer.from(' '.repeat((8 - (json.byteLength % 8)) % 8))]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, prefix);
    writeSync(fd, headerBytes);
    for (const entry of tensors.values()) writeSync(fd, new Uint8Array(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength));
  } finally {
    closeSync(fd);
  }
}
