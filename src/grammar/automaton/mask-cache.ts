import { InputError } from '../../errors.js';
import { maskCount } from './token-automaton.js';

/**
 * Token masks cached per (machine, vocabulary, mask key), with one least-recently-used bound on memory
 * over everything cached. Masks are computed lazily, the first time a state key is seen, and reused across
 * steps, requests and automata: any automaton built from the same ByteMachine object and Vocabulary object
 * reads and fills the same entries, so a server can share one MaskCache between all its requests.
 *
 * A mask with fewer set bits than it has words is stored as its sorted id list (JSON structure states
 * allow a handful of tokens: a few bytes instead of 16 KB for a 128k vocabulary).
 *
 * Entries hold their keys (machine states, for hash-consed machines) until evicted: the masks of a
 * machine that is no longer used leave by LRU eviction, not when the machine is collected.
 */
export class MaskCache {
  readonly maxBytes: number;
  private bytes = 0;
  hits = 0;
  misses = 0;
  /** Entries in least-recently-used-first order (a Set iterates in insertion order). */
  private readonly order = new Set<CacheEntry>();
  private readonly scopes = new WeakMap<object, WeakMap<object, Map<unknown, CacheEntry>>>();

  constructor(options: { maxBytes?: number } = {}) {
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    if (!(maxBytes >= 0)) throw new InputError(`maxBytes must be >= 0, got ${maxBytes}`, { where: 'MaskCache' });
    this.maxBytes = maxBytes;
  }

  /** Bytes of mask data held now. */
  get byteLength(): number {
    return this.bytes;
  }

  /** Number of cached masks. */
  get size(): number {
    return this.order.size;
  }

  /** The entry map of one (machine, vocabulary) pair; automata keep it to avoid two WeakMap lookups per mask. */
  scope(machine: object, vocabulary: object): Map<unknown, CacheEntry> {
    let byVocabulary = this.scopes.get(machine);
    if (byVocabulary === undefined) {
      byVocabulary = new WeakMap();
      this.scopes.set(machine, byVocabulary);
    }
    let entries = byVocabulary.get(vocabulary);
    if (entries === undefined) {
      entries = new Map();
      byVocabulary.set(vocabulary, entries);
    }
    return entries;
  }

  /** Copies the cached mask of `key` into `out` (all words written) and returns true, or returns false. */
  read(scope: Map<unknown, CacheEntry>, key: unknown, out: Uint32Array): boolean {
    const entry = scope.get(key);
    if (entry === undefined) {
      this.misses++;
      return false;
    }
    this.hits++;
    this.order.delete(entry);
    this.order.add(entry);
    if (entry.dense !== undefined) {
      out.set(entry.dense);
    } else {
      out.fill(0);
      const ids = entry.ids!;
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k];
        out[id >>> 5] |= 1 << (id & 31);
      }
    }
    return true;
  }

  /** Whether `token` is in the cached mask of `key`: 1 yes, 0 no, -1 not cached. Does not touch recency. */
  allows(scope: Map<unknown, CacheEntry>, key: unknown, token: number): -1 | 0 | 1 {
    const entry = scope.get(key);
    if (entry === undefined) return -1;
    if (entry.dense !== undefined) return (entry.dense[token >>> 5] & (1 << (token & 31))) !== 0 ? 1 : 0;
    const ids = entry.ids!;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid];
      if (v === token) return 1;
      if (v < token) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /**
   * The cached mask of `key` as its sorted id list when it is sparse (fewer set bits than words), null
   * when it is dense, undefined when not cached. Does not touch recency. Do not mutate.
   */
  sparseIds(scope: Map<unknown, CacheEntry>, key: unknown): Uint32Array | null | undefined {
    const entry = scope.get(key);
    if (entry === undefined) return undefined;
    return entry.ids ?? null;
  }

  /** Stores a copy of `mask` under `key`, evicting least recently used masks past `maxBytes`. */
  write(scope: Map<unknown, CacheEntry>, key: unknown, mask: Uint32Array): void {
    const old = scope.get(key);
    if (old !== undefined) this.remove(old);
    const count = maskCount(mask);
    let entry: CacheEntry;
    if (count < mask.length) {
      const ids = new Uint32Array(count);
      let k = 0;
      for (let w = 0; w < mask.length; w++) {
        let v = mask[w];
        while (v !== 0) {
          const low = v & -v;
          ids[k++] = (w << 5) | (31 - Math.clz32(low));
          v ^= low;
        }
      }
      entry = { scope, key, ids, dense: undefined, bytes: ids.byteLength + ENTRY_OVERHEAD };
    } else {
      const dense = mask.slice();
      entry = { scope, key, ids: undefined, dense, bytes: dense.byteLength + ENTRY_OVERHEAD };
    }
    if (entry.bytes > this.maxBytes) return;
    scope.set(key, entry);
    this.order.add(entry);
    this.bytes += entry.bytes;
    while (this.bytes > this.maxBytes) {
      const oldest = this.order.values().next().value as CacheEntry;
      this.remove(oldest);
    }
  }

  /** Drops every cached mask. */
  clear(): void {
    for (const entry of this.order) entry.scope.delete(entry.key);
    this.order.clear();
    this.bytes = 0;
  }

  private remove(entry: CacheEntry): void {
    entry.scope.delete(entry.key);
    this.order.delete(entry);
    this.bytes -= entry.bytes;
  }
}

/** Approximate bytes of bookkeeping per entry (object, Map and Set slots), counted against the bound. */
const ENTRY_OVERHEAD = 160;

export interface CacheEntry {
  readonly scope: Map<unknown, CacheEntry>;
  readonly key: unknown;
  /** Sorted allowed ids, for sparse masks. */
  readonly ids: Uint32Array | undefined;
  /** The whole bitset, for dense masks. */
  readonly dense: Uint32Array | undefined;
  readonly bytes: number;
}
