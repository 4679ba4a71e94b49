import * as ort from 'onnxruntime-node';
import type { CacheEntry } from './onnx-session.js';

type CacheData = Float32Array | Uint16Array;

/**
 * Capacity grows in steps of this many positions. A slab is copied once per step of growth (amortised:
 * 1/32 of a whole-cache copy per token) and attention reads at most 31 masked positions per row.
 */
const GROWTH = 32;

/**
 * One mutable cache buffer per entry, [batch, heads, capacity, head_dim], for the 'appended' model
 * layout: the graph returns only the new tokens' keys and values and they are written here in place,
 * so a step never copies the cache (the 'present' layout's Concat rewrites batch x context each step).
 *
 * Rows are left-aligned: a row's tokens sit in positions 0..written-1 and attention_mask hides the rest
 * of the capacity. Several sequences may share a row (a fork is a pointer): each reads its own length,
 * a prefix of what the row holds. Only a sequence at the row's tip (length = written) may append in
 * place; another one is copied to another row first (copy on write; see KvSlabCache.passFor).
 */
export class KvSlab {
  refs = 0;
  readonly bytes: number;
  readonly data: readonly CacheData[];
  /** Tokens written into each row. */
  readonly written: Int32Array;
  /** Sequences pointing at each row (a row nobody points at may be overwritten). */
  readonly rowRefs: Int32Array;

  constructor(
    readonly entries: readonly CacheEntry[],
    readonly batch: number,
    readonly capacity: number,
  ) {
    this.written = new Int32Array(batch);
    this.rowRefs = new Int32Array(batch);
    this.data = entries.map((e) => {
      const size = batch * e.heads * capacity * e.headDim;
      // Zeroed memory: masked positions must hold finite values, since attention multiplies them by 0.
      return e.dtype === 'float16' ? new Uint16Array(size) : new Float32Array(size);
    });
    let bytes = 0;
    for (const d of this.data) bytes += d.byteLength;
    this.bytes = bytes;
  }

  /** The session inputs (the buffers themselves, no copy). */
  tensors(): ort.Tensor[] {
    return this.entries.map((e, k) => new ort.Tensor(e.dtype, this.data[k], [this.batch, e.heads, this.capacity, e.headDim]));
  }

  /**
   * Copies the first `length` positions of `fromRow` of `from` into `toRow` of this slab.
   * Per entry and head the positions are contiguous, so this is one copy per head.
   */
  copyRow(from: KvSlab, fromRow: number, toRow: number, length: number): void {
    for (let k = 0; k < this.entries.length; k++) {
      const { heads, headDim } = this.entries[k];
      const src = from.data[k];
      const dst = this.data[k];
      for (let h = 0; h < heads; h++) {
        const s = (fromRow * heads + h) * from.capacity * headDim;
        dst.set(src.subarray(s, s + length * headDim), (toRow * heads + h) * this.capacity * headDim);
      }
    }
    this.written[toRow] = length;
  }

  /**
   * Writes `count` new positions into each of `rows`, taken from `appended` ([batch, heads, count,
   * head_dim] per entry, the model's appended.* outputs), at positions starts[row]..starts[row]+count-1.
   */
  write(appended: readonly CacheData[], starts: ArrayLike<number>, count: number, rows: ArrayLike<number>): void {
    for (let k = 0; k < this.entries.length; k++) {
      const { heads, headDim } = this.entries[k];
      const src = appended[k];
      const dst = this.data[k];
      const span = count * headDim;
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        const start = starts[row];
        if (start + count > this.capacity) throw new RangeError(`row ${row} would hold ${start + count} positions; the slab has ${this.capacity}`);
        for (let h = 0; h < heads; h++) {
          const s = (row * heads + h) * span;
          dst.set(src.subarray(s, s + span), ((row * heads + h) * this.capacity + start) * headDim);
        }
        this.written[row] = start + count;
      }
    }
  }
}

/** The smallest capacity of the growth grid that holds `positions`. */
export function slabCapacity(positions: number): number {
  return Math.max(GROWTH, Math.ceil(positions / GROWTH) * GROWTH);
}

interface SlabRow {
  slab: KvSlab;
  row: number;
  length: number;
}

/**
 * What a step runs on: a slab with a row for each sequence of the step, and perhaps idle rows (rows of
 * sequences that are not in this step, or of nobody: computed and thrown away, never written). Row
 * order is the slab's, not the caller's: after SMC resampling most particles keep their rows and only
 * the copies of duplicated ancestors move (into rows nobody points at any more), so the caller's i-th
 * sequence runs in row rowOf[i].
 */
export interface SlabPass {
  readonly slab: KvSlab;
  /** The slab row of the caller's i-th sequence (distinct rows). */
  readonly rowOf: Int32Array;
  /** Tokens each slab row holds before this pass (where its new token goes), by row; 0 for idle rows. */
  readonly lengths: Int32Array;
  /** Rows copied to build the pass (0 when every sequence was at its own row's tip). */
  readonly copiedRows: number;
}

/** All sequences' cache rows for an 'appended' model, keyed by sequence id. */
export class KvSlabCache {
  private readonly rows = new Map<number, SlabRow>();
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

  /** Bytes held by live slabs (a slab shared by many sequences counts once). */
  get bytes(): number {
    return this.liveBytes;
  }

  /** A fresh slab (not yet holding any sequence) for a prefill of `tokens` tokens plus one step. */
  newSlab(batch: number, tokens: number): KvSlab {
    return new KvSlab(this.entries, batch, slabCapacity(tokens + 1));
  }

  /** Points `id` at `row` of `slab`, holding `length` tokens (replacing what it pointed at). */
  set(id: number, slab: KvSlab, row: number, length: number): void {
    const previous = this.rows.get(id);
    if (slab.refs++ === 0) this.liveBytes += slab.bytes;
    slab.rowRefs[row]++;
    this.rows.set(id, { slab, row, length });
    if (previous) this.unref(previous);
  }

  fork(from: number, to: number): void {
    const source = this.row(from);
    this.set(to, source.slab, source.row, source.length);
  }

  release(id: number): void {
    const row = this.rows.get(id);
    if (!row) return;
    this.rows.delete(id);
    this.unref(row);
  }

  clear(): void {
    for (const id of [...this.rows.keys()]) this.release(id);
  }

  /**
   * The slab a step appending one token to each of `ids` runs on. When the sequences all point into
   * one slab with room for one more position, and fill more than half of its rows, the step runs
   * there: each sequence at its row's tip keeps its row (one per row), the others are copied into rows
   * nobody points at (after resampling: the rows of dropped particles), and rows left over idle (after
   * particles finished: cheaper to compute and discard than to copy the others into a smaller slab).
   * Otherwise every sequence is copied into a new slab. Copies only touch rows nobody points at, so an
   * aborted step changes nothing any sequence reads; `commitStep` points the sequences at their rows
   * once the pass may take effect.
   */
  passFor(ids: ArrayLike<number>): SlabPass {
    const batch = ids.length;
    const rows = Array.from({ length: batch }, (_, i) => this.row(ids[i]));
    const slab = rows[0].slab;
    let longest = 0;
    for (const row of rows) longest = Math.max(longest, row.length);
    if (batch <= slab.batch && 2 * batch > slab.batch && longest < slab.capacity && rows.every((row) => row.slab === slab)) {
      const pass = this.inPlacePass(slab, rows);
      if (pass) return pass;
    }
    const fresh = new KvSlab(this.entries, batch, slabCapacity(longest + 1));
    const rowOf = new Int32Array(batch);
    const lengths = new Int32Array(batch);
    for (let i = 0; i < batch; i++) {
      fresh.copyRow(rows[i].slab, rows[i].row, i, rows[i].length);
      rowOf[i] = i;
      lengths[i] = rows[i].length;
    }
    return { slab: fresh, rowOf, lengths, copiedRows: batch };
  }

  /** The in-place plan of passFor, or undefined when too few rows are free for the sequences that move. */
  private inPlacePass(slab: KvSlab, rows: readonly SlabRow[]): SlabPass | undefined {
    const rowOf = new Int32Array(rows.length).fill(-1);
    const claimed = new Uint8Array(slab.batch);
    for (let i = 0; i < rows.length; i++) {
      const { row, length } = rows[i];
      if (!claimed[row] && slab.written[row] === length) {
        claimed[row] = 1;
        rowOf[i] = row;
      }
    }
    const free: number[] = [];
    for (let row = 0; row < slab.batch; row++) if (!claimed[row] && slab.rowRefs[row] === 0) free.push(row);
    let moving = 0;
    for (let i = 0; i < rows.length; i++) if (rowOf[i] < 0) moving++;
    if (moving > free.length) return undefined;
    for (let i = 0; i < rows.length; i++) {
      if (rowOf[i] >= 0) continue;
      const target = free.pop()!;
      slab.copyRow(slab, rows[i].row, target, rows[i].length);
      rowOf[i] = target;
    }
    const lengths = new Int32Array(slab.batch);
    for (let i = 0; i < rows.length; i++) lengths[rowOf[i]] = rows[i].length;
    return { slab, rowOf, lengths, copiedRows: moving };
  }

  /** Writes the step's new keys and values (by slab row) and points each of `ids` at its row. */
  commitStep(ids: ArrayLike<number>, pass: SlabPass, appended: readonly CacheData[]): void {
    pass.slab.write(appended, pass.lengths, 1, pass.rowOf);
    for (let i = 0; i < ids.length; i++) {
      const row = pass.rowOf[i];
      this.set(ids[i], pass.slab, row, pass.lengths[row] + 1);
    }
  }

  /**
   * attention_mask for a pass of `count` new tokens per row on `slab`: row i's first lengths[i]
   * positions, none of the rest of the capacity, then the new tokens.
   */
  static mask(slab: KvSlab, lengths: ArrayLike<number>, count: number): BigInt64Array {
    const total = slab.capacity + count;
    const mask = new BigInt64Array(slab.batch * total);
    for (let b = 0; b < slab.batch; b++) {
      mask.fill(1n, b * total, b * total + lengths[b]);
      mask.fill(1n, b * total + slab.capacity, (b + 1) * total);
    }
    return mask;
  }

  private row(id: number): SlabRow {
    const row = this.rows.get(id);
    if (!row) throw new RangeError(`sequence ${id} has no cache row (released, or never created)`);
    return row;
  }

  private unref(row: SlabRow): void {
    row.slab.rowRefs[row.row]--;
    if (--row.slab.refs > 0) return;
    this.liveBytes -= row.slab.bytes;
  }
}
