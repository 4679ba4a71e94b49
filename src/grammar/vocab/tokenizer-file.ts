import { ModelLoadError } from '../../errors.js';

/**
 * The parts of a Hugging Face tokenizer.json that a vocabulary needs, with the model's vocabulary kept
 * as raw UTF-8 key bytes instead of a 128k-key object:
 * entry k is the string `keyBytes[keyOffsets[k] .. keyOffsets[k + 1])` with id `keyIds[k]`.
 *
 * Reading a tokenizer.json this way (scanTokenizerJson) skips the BPE merges without building them and
 * never creates one JS string per token: measured ~25 ms for Llama-3's 9 MB file, against ~180 ms for
 * readFileSync + JSON.parse.
 */
export interface TokenizerVocabularyData {
  readonly modelType: string | undefined;
  readonly byteFallback: boolean;
  readonly normalizer: unknown;
  readonly preTokenizer: unknown;
  readonly decoder: unknown;
  readonly addedTokens: readonly AddedTokenJson[];
  readonly keyIds: Int32Array;
  readonly keyBytes: Uint8Array;
  readonly keyOffsets: Uint32Array;
}

export interface AddedTokenJson {
  readonly id: number;
  readonly content: string;
  readonly special?: boolean;
  readonly [key: string]: unknown;
}

/** A parsed tokenizer.json: the members read here (the rest passes through to the tokenizer). */
export interface TokenizerJson {
  readonly model: {
    readonly type?: string;
    readonly byte_fallback?: boolean;
    /** BPE / WordLevel: token -> id; Unigram: [piece, score] by id. */
    readonly vocab: Readonly<Record<string, number>> | readonly (readonly [string, number])[];
    readonly [key: string]: unknown;
  };
  readonly added_tokens?: readonly AddedTokenJson[];
  readonly normalizer?: unknown;
  readonly pre_tokenizer?: unknown;
  readonly decoder?: unknown;
  readonly [key: string]: unknown;
}

/** The same data from an already parsed tokenizer.json. */
export function vocabularyDataFromJson(json: TokenizerJson, path: string): TokenizerVocabularyData {
  if (json === null || typeof json !== 'object' || json.model === null || typeof json.model !== 'object' || !json.model.vocab) {
    throw new ModelLoadError('tokenizer.json has no model.vocab', { path });
  }
  const encoder = new TextEncoder();
  const vocab = json.model.vocab;
  const keys: string[] = [];
  const ids: number[] = [];
  if (Array.isArray(vocab)) {
    vocab.forEach((entry, id) => {
      keys.push(Array.isArray(entry) ? String(entry[0]) : String(entry));
      ids.push(id);
    });
  } else {
    const map = vocab as Readonly<Record<string, number>>;
    for (const key in map) {
      keys.push(key);
      ids.push(map[key]);
    }
  }
  let bound = 0;
  for (const key of keys) bound += key.length * 3;
  const keyBytes = new Uint8Array(bound);
  const keyOffsets = new Uint32Array(keys.length + 1);
  let at = 0;
  for (let k = 0; k < keys.length; k++) {
    at += encoder.encodeInto(keys[k], keyBytes.subarray(at)).written;
    keyOffsets[k + 1] = at;
  }
  return {
    modelType: json.model.type,
    byteFallback: json.model.byte_fallback === true,
    normalizer: json.normalizer ?? null,
    preTokenizer: json.pre_tokenizer ?? null,
    decoder: json.decoder ?? null,
    addedTokens: json.added_tokens ?? [],
    keyIds: checkIds(Int32Array.from(ids, (id) => (Number.isInteger(id) ? id : -1)), keys, path),
    keyBytes: keyBytes.subarray(0, at),
    keyOffsets,
  };
}

function checkIds(ids: Int32Array, keys: readonly string[] | undefined, path: string): Int32Array {
  for (let k = 0; k < ids.length; k++) {
    if (ids[k] < 0 || ids[k] > 0x3fffffff) {
      const what = keys ? JSON.stringify(keys[k]) : `#${k}`;
      throw new ModelLoadError(`vocabulary entry ${what} has an invalid id`, { path });
    }
  }
  return ids;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Top-level members the vocabulary needs; once they and model.vocab are read, the rest is not scanned. */
const NEEDED_MEMBERS = ['added_tokens', 'normalizer', 'pre_tokenizer', 'decoder'];

/**
 * Reads a tokenizer.json from its bytes. The document is walked with a small byte-level JSON scanner:
 * top-level members and model members other than `vocab` are parsed with JSON.parse on their own (small)
 * text, and `model.vocab` (an object of string -> id) is decoded in place. Hugging Face writes `model`
 * last and `merges` after `vocab`, so the scan usually stops right after the vocabulary, once every
 * member it needs has been seen, without reading the merges at all (they are skipped, not parsed, when
 * something needed comes after them). A malformed tail is therefore not noticed here; the tokenizer,
 * built from the whole file on first encode, reports it. Unigram vocabularies (arrays) fall back to
 * JSON.parse of the vocab member.
 */
export function scanTokenizerJson(data: Uint8Array, path: string): TokenizerVocabularyData {
  // A UTF-8 byte order mark is not JSON, but editors write one; skip it.
  const bom = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf;
  const scanner = new JsonScanner(bom ? data.subarray(3) : data, path);
  const members = new Map<string, unknown>();
  let model: Map<string, unknown> | undefined;
  let vocab: { keyIds: Int32Array; keyBytes: Uint8Array; keyOffsets: Uint32Array } | undefined;
  const complete = () =>
    vocab !== undefined &&
    NEEDED_MEMBERS.every((key) => members.has(key)) &&
    model!.has('type') &&
    (model!.get('type') !== 'BPE' || model!.has('byte_fallback'));
  scanner.objectMembers((key) => {
    if (key !== 'model' || scanner.peek() !== 0x7b) {
      members.set(key, scanner.parseValue());
      return true;
    }
    model = new Map();
    const stopped = scanner.objectMembers((modelKey) => {
      if (modelKey === 'merges') scanner.skipValue();
      else if (modelKey === 'vocab' && scanner.peek() === 0x7b) vocab = scanner.vocabObject();
      else model!.set(modelKey, scanner.parseValue());
      return !complete();
    });
    return !stopped;
  });
  if (model === undefined || (vocab === undefined && !model.has('vocab'))) {
    throw new ModelLoadError('tokenizer.json has no model.vocab', { path });
  }
  if (vocab === undefined) {
    const json = { model: Object.fromEntries(model), added_tokens: members.get('added_tokens') } as TokenizerJson;
    return { ...vocabularyDataFromJson(json, path), ...pipeline(members, model) };
  }
  return { ...pipeline(members, model), ...vocab, keyIds: checkIds(vocab.keyIds, undefined, path) };
}

function pipeline(members: Map<string, unknown>, model: Map<string, unknown>) {
  const added = members.get('added_tokens');
  return {
    modelType: typeof model.get('type') === 'string' ? (model.get('type') as string) : undefined,
    byteFallback: model.get('byte_fallback') === true,
    normalizer: members.get('normalizer') ?? null,
    preTokenizer: members.get('pre_tokenizer') ?? null,
    decoder: members.get('decoder') ?? null,
    addedTokens: Array.isArray(added) ? (added as AddedTokenJson[]) : [],
  };
}

class JsonScanner {
  private p = 0;
  private readonly text = new TextDecoder('utf-8');

  constructor(
    private readonly data: Uint8Array,
    private readonly path: string,
  ) {}

  peek(): number {
    this.skipSpace();
    return this.data[this.p];
  }

  /**
   * Calls `onMember(key)` with the position at each member's value; the callback consumes the value and
   * returns false to stop the walk there (the rest of the object is left unread). Returns true when stopped.
   */
  objectMembers(onMember: (key: string) => boolean): boolean {
    this.expect(0x7b);
    if (this.peek() === 0x7d) {
      this.p++;
      return false;
    }
    while (true) {
      const key = this.stringValue();
      this.expect(0x3a);
      this.skipSpace();
      if (!onMember(key)) return true;
      const c = this.peek();
      this.p++;
      if (c === 0x7d) return false;
      if (c !== 0x2c) this.fail('"," or "}"', c);
    }
  }

  parseValue(): unknown {
    this.skipSpace();
    const start = this.p;
    this.skipValue();
    try {
      return JSON.parse(this.text.decode(this.data.subarray(start, this.p)));
    } catch (cause) {
      throw new ModelLoadError(`invalid JSON at byte ${start}: ${String(cause)}`, { path: this.path, cause });
    }
  }

  /** Skips one JSON value of any kind (validated only as far as brackets and strings go). */
  skipValue(): void {
    this.skipSpace();
    const end = skipJsonValue(this.data, this.p);
    if (end < 0) this.fail('the end of a value', -1);
    this.p = end;
  }

  /** `{"key": id, ...}` decoded into key bytes (JSON escapes resolved) and ids, in file order. */
  vocabObject(): { keyIds: Int32Array; keyBytes: Uint8Array; keyOffsets: Uint32Array } {
    const data = this.data;
    const n = data.length;
    // Decoded keys never take more bytes than the rest of the file; the pages of this buffer that are
    // never written are never touched, so its size costs nothing.
    const keyBytes = new Uint8Array(n - this.p);
    let keyOffsets = new Uint32Array(1 << 12);
    let keyIds = new Int32Array(1 << 12);
    let count = 0;
    let at = 0;
    this.expect(0x7b);
    let p = this.p;
    while (p < n && isSpace(data[p])) p++;
    if (data[p] === 0x7d) {
      this.p = p + 1;
      return { keyIds: new Int32Array(0), keyBytes: new Uint8Array(0), keyOffsets: new Uint32Array(1) };
    }
    // One tight loop over locals per entry: `"key"`, `:`, digits, then `,` or `}`.
    while (true) {
      while (p < n && isSpace(data[p])) p++;
      if (data[p] !== QUOTE) return this.failAt(p, 'a string key');
      p++;
      while (true) {
        const c = data[p];
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          // Rare: hand the rest of the string to the general decoder (it resumes at p, the escape).
          this.p = p - 1;
          at = this.unescapeInto(keyBytes, at);
          p = this.p - 1;
          break;
        }
        if (p >= n) return this.failAt(p, 'a closing quote');
        keyBytes[at++] = c;
        p++;
      }
      p++;
      if (count + 2 > keyIds.length) {
        keyIds = grow(keyIds, count + 2);
        keyOffsets = grow(keyOffsets, count + 2);
      }
      keyOffsets[count + 1] = at;
      while (p < n && isSpace(data[p])) p++;
      if (data[p] !== 0x3a) return this.failAt(p, '":"');
      p++;
      while (p < n && isSpace(data[p])) p++;
      let id = 0;
      const first = p;
      while (data[p] >= 0x30 && data[p] <= 0x39) id = id * 10 + data[p++] - 0x30;
      if (p === first || p - first > 10) return this.failAt(p, 'a token id');
      keyIds[count++] = id;
      while (p < n && isSpace(data[p])) p++;
      const c = data[p++];
      if (c === 0x7d) break;
      if (c !== 0x2c) return this.failAt(p - 1, '"," or "}"');
    }
    this.p = p;
    return { keyIds: keyIds.slice(0, count), keyBytes: keyBytes.slice(0, at), keyOffsets: keyOffsets.slice(0, count + 1) };
  }

  private failAt(p: number, expected: string): never {
    this.p = p;
    return this.fail(expected, this.data[p]);
  }

  private stringValue(): string {
    this.skipSpace();
    const start = this.p;
    if (this.data[start] !== QUOTE) this.fail('a string', this.data[start]);
    const scratch = new Uint8Array(this.stringExtent(start));
    const length = this.unescapeInto(scratch, 0);
    return this.text.decode(scratch.subarray(0, length));
  }

  private stringExtent(start: number): number {
    let p = start + 1;
    while (p < this.data.length && this.data[p] !== QUOTE) p += this.data[p] === BACKSLASH ? 2 : 1;
    return p - start;
  }

  /**
   * Decodes the JSON string whose opening quote is at the cursor into UTF-8 bytes at out[at...]; returns
   * the new end and leaves the cursor after the closing quote.
   */
  private unescapeInto(out: Uint8Array, at: number): number {
    const data = this.data;
    let p = this.p + 1;
    while (true) {
      const c = data[p];
      if (c === QUOTE) break;
      if (p >= data.length) this.fail('a closing quote', -1);
      if (c !== BACKSLASH) {
        out[at++] = c;
        p++;
        continue;
      }
      const e = data[p + 1];
      p += 2;
      switch (e) {
        case 0x22:
        case 0x5c:
        case 0x2f:
          out[at++] = e;
          break;
        case 0x62:
          out[at++] = 0x08;
          break;
        case 0x66:
          out[at++] = 0x0c;
          break;
        case 0x6e:
          out[at++] = 0x0a;
          break;
        case 0x72:
          out[at++] = 0x0d;
          break;
        case 0x74:
          out[at++] = 0x09;
          break;
        case 0x75: {
          let code = this.hex4(p);
          p += 4;
          if (code >= 0xd800 && code <= 0xdbff && data[p] === BACKSLASH && data[p + 1] === 0x75) {
            const low = this.hex4(p + 2);
            if (low >= 0xdc00 && low <= 0xdfff) {
              code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
              p += 6;
            }
          }
          at = writeUtf8(out, at, code);
          break;
        }
        default:
          this.p = p - 2;
          this.fail('a JSON escape', e);
      }
    }
    this.p = p + 1;
    return at;
  }

  private hex4(p: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.data[p + k];
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1;
      if (d < 0) {
        this.p = p + k;
        this.fail('a hex digit', c);
      }
      v = (v << 4) | d;
    }
    return v;
  }

  private expect(byte: number): void {
    this.skipSpace();
    if (this.data[this.p] !== byte) this.fail(JSON.stringify(String.fromCharCode(byte)), this.data[this.p]);
    this.p++;
  }

  private skipSpace(): void {
    const data = this.data;
    while (this.p < data.length && isSpace(data[this.p])) this.p++;
  }

  private fail(expected: string, found: number): never {
    const what = found === undefined || found < 0 ? 'the end of the file' : JSON.stringify(String.fromCharCode(found));
    throw new ModelLoadError(`invalid JSON at byte ${this.p}: expected ${expected}, found ${what}`, { path: this.path });
  }
}

/** A copy of `array` with room for at least `needed` elements (capacity doubles). */
function grow<T extends Uint8Array | Int32Array | Uint32Array>(array: T, needed: number): T {
  let length = array.length * 2;
  while (length < needed) length *= 2;
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}

/**
 * The offset just past the JSON value starting at `p`, or -1 when the data ends first. A plain function
 * over locals: it runs over the whole BPE merge list (7 MB for Llama-3), so it must stay a tight loop.
 */
function skipJsonValue(data: Uint8Array, p: number): number {
  const n = data.length;
  let depth = 0;
  do {
    if (p >= n) return -1;
    const c = data[p];
    if (c === QUOTE) {
      p++;
      while (p < n) {
        const d = data[p];
        if (d === QUOTE) break;
        p += d === BACKSLASH ? 2 : 1;
      }
      if (p >= n) return -1;
      p++;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      p++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      p++;
    } else if (depth === 0) {
      // A scalar at the top: run to the next delimiter.
      while (p < n && data[p] !== 0x2c && data[p] !== 0x7d && data[p] !== 0x5d && !isSpace(data[p])) p++;
    } else {
      p++;
    }
  } while (depth > 0);
  return p;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * UTF-8 of a code point. A lone surrogate (legal in JSON text, not in UTF-8) becomes U+FFFD, as
 * TextEncoder makes it on the JSON.parse path, so both ways of reading a file give the same bytes.
 */
function writeUtf8(out: Uint8Array, at: number, code: number): number {
  if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
  if (code < 0x80) out[at++] = code;
  else if (code < 0x800) {
    out[at++] = 0xc0 | (code >> 6);
    out[at++] = 0x80 | (code & 63);
  } else if (code < 0x10000) {
    out[at++] = 0xe0 | (code >> 12);
    out[at++] = 0x80 | ((code >> 6) & 63);
    out[at++] = 0x80 | (code & 63);
  } else {
    out[at++] = 0xf0 | (code >> 18);
    out[at++] = 0x80 | ((code >> 12) & 63);
    out[at++] = 0x80 | ((code >> 6) & 63);
    out[at++] = 0x80 | (code & 63);
  }
  return at;
}

/** The members of a tokenizer.json that @huggingface/tokenizers requires to be present, even as null. */
interface OptionalTokenizerMembers {
  readonly added_tokens?: readonly unknown[];
  readonly normalizer?: unknown;
  readonly pre_tokenizer?: unknown;
  readonly post_processor?: unknown;
  readonly decoder?: unknown;
}

/** `json` with every member the tokenizer library requires filled in (files written by hand often omit them). */
export function withRequiredTokenizerMembers<T extends OptionalTokenizerMembers>(json: T) {
  return {
    ...json,
    added_tokens: json.added_tokens ?? ([] as unknown as NonNullable<T['added_tokens']>),
    normalizer: json.normalizer ?? null,
    pre_tokenizer: json.pre_tokenizer ?? null,
    post_processor: json.post_processor ?? null,
    decoder: json.decoder ?? null,
  };
}
