/**
 * Byte-level BPE training (Sennrich et al., 2016; GPT-2's byte-level variant): start from the 256
 * bytes, repeatedly merge the most frequent adjacent pair of symbols inside pre-tokenized chunks.
 * Pair counts are updated incrementally, only in the chunks that contain the merged pair, with a lazy
 * max-heap of candidates, so a few thousand merges over a ~60 MB corpus take seconds rather than the
 * hours a full recount per merge would. Deterministic: ties go to the pair with the smaller symbols.
 */

export interface BpeTrainingResult {
  /** Bytes of every symbol: 0..255 are the single bytes, then one per new token. */
  readonly tokens: Uint8Array[];
  /** Merges in rank order, as [left symbol, right symbol] (both index `tokens`). */
  readonly merges: [number, number][];
}

export interface BpeTrainingOptions {
  /** Stop when this many symbols exist (bytes included). */
  readonly vocabSize: number;
  /** Pairs seen fewer times than this are never merged (default 2). */
  readonly minFrequency?: number;
}

const PAIR_BASE = 65536;
const pairKey = (a: number, b: number): number => a * PAIR_BASE + b;

/** A max-heap of [count, pair key]; stale entries are skipped when popped (lazy deletion). */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.counts[0]!, this.keys[0]!];
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.counts.length && this.before(l, best)) best = l;
        if (r < this.counts.length && this.before(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }

  private before(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.keys[i]! < this.keys[j]!);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j]!, this.counts[i]!];
    [this.keys[i], this.keys[j]] = [this.keys[j]!, this.keys[i]!];
  }
}

/** Trains merges over chunk counts (chunk bytes -> how often the chunk occurs). */
export function trainBpe(chunks: ReadonlyMap<string, number>, options: BpeTrainingOptions): BpeTrainingResult {
  const minFrequency = options.minFrequency ?? 2;
  if (options.vocabSize > PAIR_BASE) throw new RangeError(`vocabSize ${options.vocabSize} exceeds ${PAIR_BASE}`);
  const encoder = new TextEncoder();
  const words: number[][] = [];
  const wordCounts: number[] = [];
  // Sorted chunk order makes the result independent of the map's insertion order.
  for (const chunk of [...chunks.keys()].sort()) {
    words.push(Array.from(encoder.encode(chunk)));
    wordCounts.push(chunks.get(chunk)!);
  }

  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  const symbolOf = new Map<string, number>();
  for (let b = 0; b < 256; b++) symbolOf.set(String(b), b);

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, number[]>();
  const addPair = (key: number, count: number, word: number): void => {
    pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
    let list = pairWords.get(key);
    if (!list) pairWords.set(key, (list = []));
    if (list[list.length - 1] !== word) list.push(word);
  };
  words.forEach((w, i) => {
    for (let j = 0; j + 1 < w.length; j++) addPair(pairKey(w[j]!, w[j + 1]!), wordCounts[i]!, i);
  });
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: [number, number][] = [];
  while (tokens.length < options.vocabSize && heap.size > 0) {
    const [count, key] = heap.pop();
    const current = pairCounts.get(key) ?? 0;
    if (current !== count) {
      if (current > 0) heap.push(current, key);
      continue;
    }
    if (count < minFrequency) break;
    const a = Math.floor(key / PAIR_BASE);
    const b = key % PAIR_BASE;
    const bytes = new Uint8Array(tokens[a]!.length + tokens[b]!.length);
    bytes.set(tokens[a]!, 0);
    bytes.set(tokens[b]!, tokens[a]!.length);
    const bytesKey = bytes.join(',');
    // Two merge paths can spell the same bytes ("ab"+"c", "a"+"bc"): one token, two merges.
    let merged = symbolOf.get(bytesKey);
    if (merged === undefined) {
      merged = tokens.length;
      tokens.push(bytes);
      symbolOf.set(bytesKey, merged);
    }
    merges.push([a, b]);

    const touched = new Map<number, number>();
    const affected = pairWords.get(key) ?? [];
    pairWords.delete(key);
    for (const wi of affected) {
      const w = words[wi]!;
      const c = wordCounts[wi]!;
      let found = false;
      for (let j = 0; j + 1 < w.length; j++) if (w[j] === a && w[j + 1] === b) found = true;
      if (!found) continue;
      for (let j = 0; j + 1 < w.length; j++) {
        const k = pairKey(w[j]!, w[j + 1]!);
        pairCounts.set(k, pairCounts.get(k)! - c);
        touched.set(k, 0);
      }
      const next: number[] = [];
      for (let j = 0; j < w.length; j++) {
        if (j + 1 < w.length && w[j] === a && w[j + 1] === b) {
          next.push(merged);
          j++;
        } else next.push(w[j]!);
      }
      words[wi] = next;
      for (let j = 0; j + 1 < next.length; j++) {
        const k = pairKey(next[j]!, next[j + 1]!);
        addPair(k, c, wi);
        touched.set(k, 0);
      }
    }
    pairCounts.delete(key);
    for (const k of touched.keys()) {
      const n = pairCounts.get(k) ?? 0;
      if (n > 0 && k !== key) heap.push(n, k);
      else if (n <= 0) pairCounts.delete(k);
    }
  }
  return { tokens, merges };
}
