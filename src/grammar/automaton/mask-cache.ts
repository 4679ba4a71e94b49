import { InputError } from '../../errors.js';
import { finishHash, mixHash } from './intern-hash.js';

/**
 * Token masks cached per (machine, vocabulary, mask key), with one least-recently-used bound on memory
 * over everything cached. Masks are computed lazily, the first time a state key is seen, and reused across
 * steps, requests and automata: any automaton built from the same ByteMachine object and Vocabulary object
 * reads and fills the same entries, so a server can share one MaskCache between all its requests.
 *
 * A mask with fewer set bits than it has words is stored as its sorted id list (JSON structure states
 * allow a handful of tokens: a few bytes instead of 16 KB for a 128k vocabulary).
 *
 * Equal masks are stored once: many states share a mask (json.gbnf forced through its corpus with
 * Llama-3: 326 dense masks of 6 distinct contents, every string body in another nesting context), and
 * a 16 KB copy per state was both memory and off-heap garbage for the collector. The bound counts each
 * stored array once, plus the bookkeeping of every entry and its key's characters (a string key can be
 * long: a JSON Schema frame stack, or the document so far inside a recorded value).
 *
 * Entries hold their keys (machine states, for hash-consed machines) until evicted: the masks of a
 * machine that is no longer used leave by LRU eviction, not when the machine is collected.
 */
export class MaskCache {
  readonly maxBytes: number;
  private bytes = 0;
  hits = 0;
  misses = 0;
  /**
   * Entries in least-recently-used-first order: an intrusive doubly linked list through the entries
   * (`head` oldest), so that a hit moves its entry without allocating (a Set's delete + add churned
   * its hash table on every hit, garbage that fed scavenges during mask loops).
   */
  private head: CacheEntry | undefined;
  private tail: CacheEntry | undefined;
  private count = 0;
  /** Stored mask contents by hash (one content, or a list of colliding ones). */
  private readonly contents = new Map<number, StoredMask | StoredMask[]>();
  private readonly scopes = new WeakMap<object, WeakMap<object, Map<unknown, CacheEntry>>>();
  /** Scratch for the ids of the mask being written (scanMask). */
  private ids = new Uint32Array(0);

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
    return this.count;
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
    if (entry !== this.tail) {
      this.unlink(entry);
      this.append(entry);
    }
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

  /**
   * Stores `mask` under `key` (a copy, or the stored array of an equal mask), evicting least recently
   * used masks past `maxBytes`.
   */
  write(scope: Map<unknown, CacheEntry>, key: unknown, mask: Uint32Array): void {
    const old = scope.get(key);
    if (old !== undefined) this.remove(old);
    if (this.ids.length < mask.length) this.ids = new Uint32Array(mask.length);
    const ids = this.ids;
    const { count, hash } = scanMask(mask, ids);
    const entryBytes = ENTRY_OVERHEAD + (typeof key === 'string' ? key.length : 0);
    let stored = this.find(hash, mask, count, ids);
    if (stored === undefined) {
      const sparse = count < mask.length;
      const bytes = (sparse ? count : mask.length) * 4;
      // Too large for the bound even alone: not stored (checked before any copy is made).
      if (bytes + entryBytes > this.maxBytes) return;
      stored = { ids: sparse ? ids.slice(0, count) : undefined, dense: sparse ? undefined : mask.slice(), hash, bytes, refs: 0 };
      const bucket = this.contents.get(hash);
      if (bucket === undefined) this.contents.set(hash, stored);
      else if (Array.isArray(bucket)) bucket.push(stored);
      else this.contents.set(hash, [bucket, stored]);
      this.bytes += bytes;
    }
    stored.refs++;
    const entry: CacheEntry = { scope, key, ids: stored.ids, dense: stored.dense, stored, entryBytes, newer: undefined, older: undefined };
    scope.set(key, entry);
    this.append(entry);
    this.count++;
    this.bytes += entryBytes;
    while (this.bytes > this.maxBytes) this.remove(this.head!);
  }

  /** The stored content equal to `mask` (with `count` bits set, `ids` its first ids), if any. */
  private find(hash: number, mask: Uint32Array, count: number, ids: Uint32Array): StoredMask | undefined {
    const bucket = this.contents.get(hash);
    if (bucket === undefined) return undefined;
    if (!Array.isArray(bucket)) return sameMask(bucket, mask, count, ids) ? bucket : undefined;
    for (const stored of bucket) if (sameMask(stored, mask, count, ids)) return stored;
    return undefined;
  }

  /** Drops every cached mask. */
  clear(): void {
    for (let entry = this.head; entry !== undefined; entry = entry.newer) entry.scope.delete(entry.key);
    this.head = this.tail = undefined;
    this.contents.clear();
    this.count = 0;
    this.bytes = 0;
  }

  private remove(entry: CacheEntry): void {
    entry.scope.delete(entry.key);
    this.unlink(entry);
    this.count--;
    this.bytes -= entry.entryBytes;
    const stored = entry.stored;
    if (--stored.refs > 0) return;
    this.bytes -= stored.bytes;
    const bucket = this.contents.get(stored.hash)!;
    if (!Array.isArray(bucket)) this.contents.delete(stored.hash);
    else {
      bucket.splice(bucket.indexOf(stored), 1);
      if (bucket.length === 1) this.contents.set(stored.hash, bucket[0]);
    }
  }

  /** Makes `entry` the most recently used (it must not be linked). */
  private append(entry: CacheEntry): void {
    entry.older = this.tail;
    entry.newer = undefined;
    if (this.tail !== undefined) this.tail.newer = entry;
    else this.head = entry;
    this.tail = entry;
  }

  private unlink(entry: CacheEntry): void {
    if (entry.older !== undefined) entry.older.newer = entry.newer;
    else this.head = entry.newer;
    if (entry.newer !== undefined) entry.newer.older = entry.older;
    else this.tail = entry.older;
    entry.older = entry.newer = undefined;
  }
}

/**
 * Approximate bytes of bookkeeping per entry (object, Map and list slots), counted against the bound
 * with the characters of a string key (one byte each, as V8 stores Latin-1 strings).
 */
const ENTRY_OVERHEAD = 160;

/** One stored mask content, shared by every entry whose mask equals it. */
export interface StoredMask {
  readonly ids: Uint32Array | undefined;
  readonly dense: Uint32Array | undefined;
  readonly hash: number;
  /** Bytes of the array. */
  readonly bytes: number;
  /** Entries that use it. */
  refs: number;
}

/**
 * One pass over a mask (writes cost ~33 us each with a pass per question, ~10% of JSON Schema mask
 * time on MaskBench): the hash of its content, and the number of bits set with their ids into `ids`
 * while fewer bits than words are set. Past that the mask is dense and its exact count is not needed:
 * `count` is then only >= mask.length.
 *
 * The sparse part hashes its non-zero words with their positions. The dense rest hashes every word in
 * four independent chains: one chain of dependent multiplies per word was most of the cost of writing
 * a dense mask (~39 us for 4,008 words; 38% of the masks MaskBench writes are dense). Equal masks
 * switch to the dense part at the same word, so the hash stays a function of the content.
 */
function scanMask(mask: Uint32Array, ids: Uint32Array): { count: number; hash: number } {
  let h = mask.length;
  let count = 0;
  const words = mask.length;
  let w = 0;
  for (; w < words && count < words; w++) {
    const v = mask[w];
    if (v === 0) continue;
    h = mixHash(h, v ^ Math.imul(w + 1, 0x85ebca6b));
    let c = v - ((v >>> 1) & 0x55555555);
    c = (c & 0x33333333) + ((c >>> 2) & 0x33333333);
    c = Math.imul((c + (c >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    if (count + c < words) {
      let bits = v;
      let k = count;
      while (bits !== 0) {
        const low = bits & -bits;
        ids[k++] = (w << 5) | (31 - Math.clz32(low));
        bits ^= low;
      }
    }
    count += c;
  }
  if (w < words) {
    let h1 = w;
    let h2 = 0;
    let h3 = 0;
    for (; w + 3 < words; w += 4) {
      h = mixHash(h, mask[w]);
      h1 = mixHash(h1, mask[w + 1]);
      h2 = mixHash(h2, mask[w + 2]);
      h3 = mixHash(h3, mask[w + 3]);
    }
    for (; w < words; w++) h = mixHash(h, mask[w]);
    h = mixHash(mixHash(mixHash(h, h1), h2), h3);
  }
  return { count, hash: finishHash(h) };
}

/** Whether `stored` holds `mask` (with `count` bits set; when sparse, `ids` holds their ids in order). */
function sameMask(stored: StoredMask, mask: Uint32Array, count: number, ids: Uint32Array): boolean {
  const dense = stored.dense;
  if (dense !== undefined) {
    if (dense.length !== mask.length) return false;
    for (let w = 0; w < mask.length; w++) if (dense[w] !== mask[w]) return false;
    return true;
  }
  const held = stored.ids!;
  if (held.length !== count || count >= mask.length) return false;
  for (let k = 0; k < count; k++) if (held[k] !== ids[k]) return false;
  return true;
}

export interface CacheEntry {
  readonly scope: Map<unknown, CacheEntry>;
  readonly key: unknown;
  /** Sorted allowed ids, for sparse masks (shared with equal masks: never mutate). */
  readonly ids: Uint32Array | undefined;
  /** The whole bitset, for dense masks (shared with equal masks: never mutate). */
  readonly dense: Uint32Array | undefined;
  /** The stored content (MaskCache only). */
  readonly stored: StoredMask;
  /** Bytes this entry counts against the bound besides its content: bookkeeping and key (MaskCache only). */
  readonly entryBytes: number;
  /** Neighbours in the cache's recency list (MaskCache only). */
  newer: CacheEntry | undefined;
  older: CacheEntry | undefined;
}
