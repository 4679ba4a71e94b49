import * as ort from 'onnxruntime-node';
import type { CacheEntry } from './onnx-session.js';

type CacheData = Float32Array | Uint16Array;

/**
 * Capacity grows in steps of this many positions. A slab is copied once per step of growth (amortised:
 * 1/32 of a whole-cache copy per token) and attention reads at most 31 masked positions per row.
 */
const GROWTH = 32;

/**
 * Keys and values shared by every row of a step: a prompt, prefilled once and forked into particles.
 * One immutable [1, heads, length, head_dim] tensor per entry that the graph reads once per step for
 * all rows (prefix_key_values.*), where rows holding copies of it would be read once per row.
 */
export class KvPrefix {
  /** Sequences pointing at this prefix. */
  refs = 0;
  readonly bytes: number;

  private constructor(
    readonly entries: readonly CacheEntry[],
    readonly data: readonly CacheData[],
    readonly length: number,
  ) {
    let bytes = 0;
    for (const d of data) bytes += d.byteLength;
    this.bytes = bytes;
  }

  static empty(entries: readonly CacheEntry[]): KvPrefix {
    return new KvPrefix(
      entries,
      entries.map((e) => (e.dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0))),
      0,
    );
  }

  /** This prefix followed by `count` positions of `appended` (a batch-1 pass's appended.* outputs). */
  extended(appended: readonly CacheData[], count: number): KvPrefix {
    if (this.length === 0) return new KvPrefix(this.entries, appended, count);
    const length = this.length + count;
    const data = this.entries.map((e, k) => {
      const out = e.dtype === 'float16' ? new Uint16Array(e.heads * length * e.headDim) : new Float32Array(e.heads * length * e.headDim);
      for (let h = 0; h < e.heads; h++) {
        out.set(this.data[k].subarray(h * this.length * e.headDim, (h + 1) * this.length * e.headDim), h * length * e.headDim);
        out.set(appended[k].subarray(h * count * e.headDim, (h + 1) * count * e.headDim), (h * length + this.length) * e.headDim);
      }
      return out;
    });
    return new KvPrefix(this.entries, data, length);
  }

  tensors(): ort.Tensor[] {
    return this.entries.map((e, k) => new ort.Tensor(e.dtype, this.data[k], [1, e.heads, this.length, e.headDim]));
  }
}

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
   * Copies the first `length` positions of `fromRow` of `from` into `toRow` of this slab, starting at
   * position `at` (after a prefix copied there). Per entry and head the positions are contiguous, so
   * this is one copy per head.
   */
  copyRow(from: KvSlab, fromRow: number, toRow: number, length: number, at = 0): void {
    for (let k = 0; k < this.entries.length; k++) {
      const { heads, headDim } = this.entries[k];
      const src = from.data[k];
      const dst = this.data[k];
      for (let h = 0; h < heads; h++) {
        const s = (fromRow * heads + h) * from.capacity * headDim;
        dst.set(src.subarray(s, s + length * headDim), ((toRow * heads + h) * this.capacity + at) * headDim);
      }
    }
    this.written[toRow] = at + length;
  }

  /** Copies all of `prefix` into the first positions of `toRow` (a row of a slab with no prefix). */
  copyPrefix(prefix: KvPrefix, toRow: number): void {
    for (let k = 0; k < this.entries.length; k++) {
      const { heads, headDim } = this.entries[k];
      const span = prefix.length * headDim;
      for (let h = 0; h < heads; h++) this.data[k].set(prefix.data[k].subarray(h * span, (h + 1) * span), (toRow * heads + h) * this.capacity * headDim);
    }
    this.written[toRow] = prefix.length;
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
function slabCapacity(positions: number): number {
  return Math.max(GROWTH, Math.ceil(positions / GROWTH) * GROWTH);
}

/**
 * Where a sequence's cache is: all of `prefix`, then `length` positions of `row` of `slab` (no slab
 * yet right after a prefill: the whole prompt is the prefix).
 */
interface SlabRow {
  prefix: KvPrefix;
  slab: KvSlab | undefined;
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
  /** Shared by every row (empty when the step's sequences came from different prompts). */
  readonly prefix: KvPrefix;
  readonly slab: KvSlab;
  /** The slab row of the caller's i-th sequence (distinct rows). */
  readonly rowOf: Int32Array;
  /** Positions each slab row holds before this pass, after the prefix (where its new token goes), by row; 0 for idle rows. */
  readonly lengths: Int32Array;
  /** Rows copied to build the pass (0 when every sequence was at its own row's tip). */
  readonly copiedRows: number;
}

/** All sequences' cache rows for an 'appended' model, keyed by sequence id. */
export class KvSlabCache {
  private readonly rows = new Map<number, SlabRow>();
  private liveBytes = 0;
  /** The prefix of sequences from different prompts stepped together (their rows hold everything). */
  private readonly noPrefix: KvPrefix;

  constructor(private readonly entries: readonly CacheEntry[]) {
    this.noPrefix = KvPrefix.empty(entries);
  }

  has(id: number): boolean {
    return this.rows.has(id);
  }

  /** Tokens of sequence `id`: its prefix and its row. */
  length(id: number): number {
    const row = this.row(id);
    return row.prefix.length + row.length;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Bytes held by live slabs and prefixes (one shared by many sequences counts once). */
  get bytes(): number {
    return this.liveBytes;
  }

  /** An empty prefix, for the first chunk of a prefill. */
  emptyPrefix(): KvPrefix {
    return this.noPrefix;
  }

  /** Points `id` at a prefilled prompt: all of it is the prefix, and the sequence has no row yet. */
  setPrefilled(id: number, prefix: KvPrefix): void {
    this.point(id, { prefix, slab: undefined, row: -1, length: 0 });
  }

  fork(from: number, to: number): void {
    this.point(to, { ...this.row(from) });
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
   * Otherwise the sequences are copied into a new slab: their rows only, after their common prefix, or
   * prefix and row when they come from different prompts. Copies only touch rows nobody points at, so
   * an aborted step changes nothing any sequence reads; `commitStep` points the sequences at their
   * rows once the pass may take effect.
   */
  passFor(ids: ArrayLike<number>): SlabPass {
    const batch = ids.length;
    const rows = Array.from({ length: batch }, (_, i) => this.row(ids[i]));
    const slab = rows[0].slab;
    const shared = rows.every((row) => row.prefix === rows[0].prefix);
    let longest = 0;
    for (const row of rows) longest = Math.max(longest, shared ? row.length : row.prefix.length + row.length);
    if (slab && batch <= slab.batch && 2 * batch > slab.batch && longest < slab.capacity && rows.every((row) => row.slab === slab)) {
      const pass = this.inPlacePass(slab, rows);
      if (pass) return pass;
    }
    const fresh = new KvSlab(this.entries, batch, slabCapacity(longest + 1));
    const rowOf = new Int32Array(batch);
    const lengths = new Int32Array(batch);
    for (let i = 0; i < batch; i++) {
      const { prefix, slab: from, row, length } = rows[i];
      const at = shared ? 0 : prefix.length;
      if (!shared) fresh.copyPrefix(prefix, i);
      if (from) fresh.copyRow(from, row, i, length, at);
      rowOf[i] = i;
      lengths[i] = at + length;
    }
    return { prefix: shared ? rows[0].prefix : this.noPrefix, slab: fresh, rowOf, lengths, copiedRows: batch };
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
    return { prefix: rows[0].prefix, slab, rowOf, lengths, copiedRows: moving };
  }

  /** Writes the step's new keys and values (by slab row) and points each of `ids` at its row. */
  commitStep(ids: ArrayLike<number>, pass: SlabPass, appended: readonly CacheData[]): void {
    pass.slab.write(appended, pass.lengths, 1, pass.rowOf);
    for (let i = 0; i < ids.length; i++) {
      const row = pass.rowOf[i];
      this.point(ids[i], { prefix: pass.prefix, slab: pass.slab, row, length: pass.lengths[row] + 1 });
    }
  }

  /**
   * attention_mask for a pass of `count` new tokens per row over `prefixSlots` prefix positions and
   * `capacity` row positions: the first `prefixLength` prefix positions (all of them, unless an empty
   * prefix is fed as a hidden slot), row b's first lengths[b] positions of the capacity (none of the
   * rest), then the new tokens.
   */
  static mask(prefixLength: number, prefixSlots: number, capacity: number, batch: number, lengths: ArrayLike<number>, count: number): BigInt64Array {
    const total = prefixSlots + capacity + count;
    const mask = new BigInt64Array(batch * total);
    for (let b = 0; b < batch; b++) {
      mask.fill(1n, b * total, b * total + prefixLength);
      mask.fill(1n, b * total + prefixSlots, b * total + prefixSlots + lengths[b]);
      mask.fill(1n, b * total + prefixSlots + capacity, (b + 1) * total);
    }
    return mask;
  }

  private row(id: number): SlabRow {
    const row = this.rows.get(id);
    if (!row) throw new RangeError(`sequence ${id} has no cache row (released, or never created)`);
    return row;
  }

  /** Points `id` at `to` (replacing what it pointed at), keeping references and live bytes. */
  private point(id: number, to: SlabRow): void {
    const previous = this.rows.get(id);
    if (to.prefix.refs++ === 0) this.liveBytes += to.prefix.bytes;
    if (to.slab) {
      if (to.slab.refs++ === 0) this.liveBytes += to.slab.bytes;
      to.slab.rowRefs[to.row]++;
    }
    this.rows.set(id, to);
    if (previous) this.unref(previous);
  }

  private unref(row: SlabRow): void {
    if (--row.prefix.refs === 0) this.liveBytes -= row.prefix.bytes;
    if (!row.slab) return;
    row.slab.rowRefs[row.row]--;
    if (--row.slab.refs === 0) this.liveBytes -= row.slab.bytes;
  }
}
