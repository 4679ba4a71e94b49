import * as ort from 'onnxruntime-node';
import type { CacheEntry } from './onnx-session.js';

type CacheData = Float32Array | Uint16Array;

/**
 * The present.* outputs of one forward pass (or the past of a prefill): one tensor per cache entry, all
 * [batch, heads, sequence, head_dim]. Blocks are immutable; sequences point at a row of a block and a
 * block lives while any sequence points into it. Forking a sequence is a new pointer, not a copy.
 *
 * Rows are right-aligned: a row of length L holds its tokens in the last L positions of the sequence
 * axis, after (sequence - L) padding positions that attention_mask hides. Appending a token (Concat on
 * the sequence axis) keeps that alignment, so a batch whose rows are unchanged feeds its present
 * tensors back as the next past without touching them.
 */
export class KvBlock {
  refs = 0;
  readonly bytes: number;

  constructor(
    readonly tensors: readonly ort.Tensor[],
    readonly batch: number,
    readonly sequence: number,
  ) {
    let bytes = 0;
    for (const tensor of tensors) bytes += tensor.size * (tensor.type === 'float16' ? 2 : 4);
    this.bytes = bytes;
  }
}

interface CacheRow {
  block: KvBlock;
  index: number;
  length: number;
}

export interface Past {
  readonly tensors: readonly ort.Tensor[];
  /** Length of the sequence axis of `tensors` (the longest row). */
  readonly sequence: number;
  /** Rows copied to build it (0 when a block was reused as is). */
  readonly copiedRows: number;
}

/**
 * The past of a first forward pass, of either cache layout: [batch, heads, positions, head_dim] of
 * zeros, where `positions` is 0 (an empty past) or 1 (a position that attention_mask hides, for
 * sessions that must not see zero-length inputs; see DecoderEngine).
 */
export function blankPast(entries: readonly CacheEntry[], batch: number, positions: number): Past {
  const tensors = entries.map((e) => {
    const size = batch * e.heads * positions * e.headDim;
    return new ort.Tensor(e.dtype, e.dtype === 'float16' ? new Uint16Array(size) : new Float32Array(size), [batch, e.heads, positions, e.headDim]);
  });
  return { tensors, sequence: positions, copiedRows: 0 };
}

/** All sequences' cache rows, keyed by sequence id. */
export class KvCache {
  private readonly rows = new Map<number, CacheRow>();
  private liveBytes = 0;

  constructor(private readonly entries: readonly CacheEntry[]) {}

  has(id: number): boolean {
    return this.rows.has(id);
  }

  length(id: number): number {
    return this.row(id).length;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Points `id` at row `index` of `block` (replacing what it pointed at). */
  set(id: number, block: KvBlock, index: number, length: number): void {
    const previous = this.rows.get(id);
    if (block.refs++ === 0) this.liveBytes += block.bytes;
    this.rows.set(id, { block, index, length });
    if (previous) this.unref(previous.block);
  }

  fork(from: number, to: number): void {
    const source = this.row(from);
    this.set(to, source.block, source.index, source.length);
  }

  release(id: number): void {
    const row = this.rows.get(id);
    if (!row) return;
    this.rows.delete(id);
    this.unref(row.block);
  }

  clear(): void {
    for (const id of [...this.rows.keys()]) this.release(id);
  }

  /** Bytes held by live blocks (a block shared by many sequences counts once). */
  get bytes(): number {
    return this.liveBytes;
  }

  /**
   * The past for a batch of sequences in this order: the block itself when the sequences are exactly
   * its rows in order (the common SMC step), otherwise a copy that gathers each row, right-aligned to
   * the longest one.
   */
  pastFor(ids: ArrayLike<number>): Past {
    const batch = ids.length;
    const first = this.row(ids[0]);
    let reusable = first.block.batch === batch;
    for (let i = 0; reusable && i < batch; i++) {
      const row = this.row(ids[i]);
      reusable = row.block === first.block && row.index === i;
    }
    if (reusable) return { tensors: first.block.tensors, sequence: first.block.sequence, copiedRows: 0 };

    let sequence = 0;
    for (let i = 0; i < batch; i++) sequence = Math.max(sequence, this.row(ids[i]).length);
    const tensors: ort.Tensor[] = [];
    for (let k = 0; k < this.entries.length; k++) {
      const { dtype, heads, headDim } = this.entries[k];
      // Fresh (zeroed) memory: padding must be finite, since masked scores still multiply it by 0.
      const out = dtype === 'float16' ? new Uint16Array(batch * heads * sequence * headDim) : new Float32Array(batch * heads * sequence * headDim);
      for (let i = 0; i < batch; i++) {
        const row = this.row(ids[i]);
        const from = row.block.tensors[k].data as CacheData;
        const span = row.length * headDim;
        for (let h = 0; h < heads; h++) {
          const srcStart = ((row.index * heads + h) * row.block.sequence + row.block.sequence - row.length) * headDim;
          const dstStart = ((i * heads + h) * sequence + sequence - row.length) * headDim;
          out.set(from.subarray(srcStart, srcStart + span), dstStart);
        }
      }
      tensors.push(new ort.Tensor(dtype, out, [batch, heads, sequence, headDim]));
    }
    return { tensors, sequence, copiedRows: batch };
  }

  private row(id: number): CacheRow {
    const row = this.rows.get(id);
    if (!row) throw new RangeError(`sequence ${id} has no cache row (released, or never created)`);
    return row;
  }

  private unref(block: KvBlock): void {
    if (--block.refs === 0) this.liveBytes -= block.bytes;
  }
}
