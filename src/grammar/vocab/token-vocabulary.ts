import { InputError } from '../../errors.js';
import type { TokenSpelling } from './token-spelling.js';
import { TokenTrie } from './token-trie.js';
import type { Vocabulary } from './vocabulary.js';

/** Per-id kind: text tokens are in the trie; special ones (and unused ids) never match grammar text. */
export const TOKEN_TEXT = 0;
export const TOKEN_SPECIAL = 1;
/** An id inside [0, tokenCount) that the tokenizer does not define. */
export const TOKEN_UNUSED = 2;

/** Turns text into token ids whose exact bytes concatenate to the text's UTF-8 bytes. */
export type TextEncoderFunction = (text: string) => number[];

export interface TokenVocabularyParts {
  /** Concatenated exact bytes of all tokens; token `id` is `bytes[offsets[id] .. offsets[id + 1])`. */
  readonly bytes: Uint8Array;
  /** Length tokenCount + 1. */
  readonly offsets: Uint32Array;
  /** TOKEN_TEXT / TOKEN_SPECIAL / TOKEN_UNUSED per id; length tokenCount. */
  readonly kinds: Uint8Array;
  readonly size: number;
  readonly eosIds: readonly number[];
  readonly spelling: TokenSpelling;
  /** Content of special tokens (e.g. `<|eot_id|>`), for diagnostics and prompt building. */
  readonly specialContent?: ReadonlyMap<number, string>;
  /** Text tokenization; absent: greedy longest match over the trie. */
  readonly encodeText?: TextEncoderFunction;
  /** The model's unchanged tokenizer (prompts: BOS, prefix space, special-token strings). */
  readonly encodeModel?: (text: string, addSpecialTokens: boolean) => number[];
}

const utf8 = new TextDecoder('utf-8');

/**
 * A Vocabulary backed by flat typed arrays: the exact bytes of every id, the kind of every id, and the
 * token trie. Built by the loaders (load-vocabulary.ts) or from raw byte strings (vocabularyFromBytes).
 */
export class TokenVocabulary implements Vocabulary {
  readonly size: number;
  readonly tokenCount: number;
  readonly eosIds: readonly number[];
  readonly trie: TokenTrie;
  readonly spelling: TokenSpelling;

  private readonly bytes: Uint8Array;
  private readonly offsets: Uint32Array;
  private readonly kinds: Uint8Array;
  private readonly specialContent: ReadonlyMap<number, string>;
  private readonly encodeText: TextEncoderFunction;
  private readonly encodeModel: ((text: string, addSpecialTokens: boolean) => number[]) | undefined;

  constructor(parts: TokenVocabularyParts) {
    const tokenCount = parts.offsets.length - 1;
    if (parts.kinds.length !== tokenCount) {
      throw new InputError(`kinds has ${parts.kinds.length} entries for ${tokenCount} tokens`, { where: 'TokenVocabulary' });
    }
    if (!Number.isInteger(parts.size) || parts.size < tokenCount) {
      throw new InputError(`size ${parts.size} is smaller than the ${tokenCount} token ids`, { where: 'TokenVocabulary' });
    }
    for (const id of parts.eosIds) {
      if (!Number.isInteger(id) || id < 0 || id >= tokenCount) {
        throw new InputError(`EOS id ${id} is not a token id (0..${tokenCount - 1})`, { where: 'TokenVocabulary' });
      }
    }
    this.bytes = parts.bytes;
    this.offsets = parts.offsets;
    this.kinds = parts.kinds;
    this.size = parts.size;
    this.tokenCount = tokenCount;
    this.eosIds = Object.freeze([...new Set(parts.eosIds)].sort((a, b) => a - b));
    this.spelling = parts.spelling;
    this.specialContent = parts.specialContent ?? new Map();
    const include = new Uint8Array(tokenCount);
    for (let id = 0; id < tokenCount; id++) include[id] = parts.kinds[id] === TOKEN_TEXT ? 1 : 0;
    this.trie = new TokenTrie(parts.bytes, parts.offsets, include, parts.size);
    this.encodeText = parts.encodeText ?? ((text) => this.encodeGreedy(text));
    this.encodeModel = parts.encodeModel;
  }

  tokenBytes(id: number): Uint8Array {
    if (!(id >= 0 && id < this.tokenCount) || this.kinds[id] !== TOKEN_TEXT) return this.bytes.subarray(0, 0);
    return this.bytes.subarray(this.offsets[id], this.offsets[id + 1]);
  }

  /** Byte length of a token (0 for special tokens and padding), without allocating a view. */
  tokenLength(id: number): number {
    if (!(id >= 0 && id < this.tokenCount) || this.kinds[id] !== TOKEN_TEXT) return 0;
    return this.offsets[id + 1] - this.offsets[id];
  }

  /** True for special tokens and for ids the tokenizer leaves undefined; false for text tokens and padding. */
  isSpecial(id: number): boolean {
    return id >= 0 && id < this.tokenCount && this.kinds[id] !== TOKEN_TEXT;
  }

  /** The literal content of a special token (`<|eot_id|>`), or undefined. */
  specialText(id: number): string | undefined {
    return this.specialContent.get(id);
  }

  /**
   * Token ids for `text` whose exact bytes concatenate to exactly the UTF-8 bytes of `text` (after the
   * tokenizer's normalizer, if it changes text). Special-token strings inside `text` are tokenized as
   * ordinary text, and no prefix space is added (SentencePiece tokenizers normally prepend `▁` to a
   * document; this tokenizes text as it appears in the middle of one).
   */
  encode(text: string): number[] {
    return this.encodeText(text);
  }

  /**
   * Tokenizes a prompt with the model's tokenizer exactly as configured: special tokens added when
   * `addSpecialTokens` (BOS for Llama), special-token strings such as `<|eot_id|>` recognized, and the
   * SentencePiece prefix space prepended. Vocabularies without a tokenizer fall back to `encode`.
   */
  encodePrompt(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    const addSpecialTokens = options.addSpecialTokens ?? true;
    return this.encodeModel !== undefined ? this.encodeModel(text, addSpecialTokens) : this.encodeText(text);
  }

  /** The concatenated exact bytes of `ids` (special tokens contribute nothing). */
  bytesOf(ids: readonly number[]): Uint8Array {
    let length = 0;
    for (const id of ids) {
      this.checkId(id);
      length += this.tokenLength(id);
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const id of ids) {
      const len = this.tokenLength(id);
      if (len > 0) {
        out.set(this.bytes.subarray(this.offsets[id], this.offsets[id] + len), at);
        at += len;
      }
    }
    return out;
  }

  decode(ids: readonly number[]): string {
    return utf8.decode(this.bytesOf(ids));
  }

  /** Memory held by token bytes, offsets, kinds and the trie (slices included), in bytes. */
  get byteLength(): number {
    return this.bytes.byteLength + this.offsets.byteLength + this.kinds.byteLength + this.trie.byteLength;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) {
      throw new InputError(`token id ${id} is outside the vocabulary (0..${this.size - 1})`, { where: 'Vocabulary.decode' });
    }
  }

  /** Longest-match tokenization over the trie, for vocabularies without a tokenizer. */
  private encodeGreedy(text: string): number[] {
    const data = new TextEncoder().encode(text);
    const trie = this.trie;
    const ids: number[] = [];
    let p = 0;
    while (p < data.length) {
      let node = 0;
      let bestId = -1;
      let bestEnd = p;
      for (let q = p; q < data.length; q++) {
        node = trie.child(node, data[q]);
        if (node < 0) break;
        if (trie.nodeTokenStart[node + 1] > trie.nodeTokenStart[node]) {
          bestId = trie.tokenIds[trie.nodeTokenStart[node]];
          bestEnd = q + 1;
        }
      }
      if (bestId < 0) {
        throw new InputError(`no token covers byte 0x${data[p].toString(16).padStart(2, '0')} at byte offset ${p}`, {
          where: 'Vocabulary.encode',
        });
      }
      ids.push(bestId);
      p = bestEnd;
    }
    return ids;
  }
}

export interface BytesVocabularyOptions {
  /** Ids that end a document; they should also be listed as special (they are, implicitly). */
  readonly eosIds: readonly number[];
  /** Ids of special tokens (never match grammar text; their bytes are ignored). */
  readonly special?: readonly number[];
  /** Logit width (>= tokens.length); default tokens.length. */
  readonly size?: number;
}

/**
 * A vocabulary from raw byte strings: id i has bytes `tokens[i]`. EOS ids are special. `encode` is a
 * greedy longest match (lowest id among equal byte strings), which is enough for tests and toy models.
 */
export function vocabularyFromBytes(tokens: readonly Uint8Array[], options: BytesVocabularyOptions): TokenVocabulary {
  const offsets = new Uint32Array(tokens.length + 1);
  for (let id = 0; id < tokens.length; id++) offsets[id + 1] = offsets[id] + tokens[id].length;
  const bytes = new Uint8Array(offsets[tokens.length]);
  for (let id = 0; id < tokens.length; id++) bytes.set(tokens[id], offsets[id]);
  const kinds = new Uint8Array(tokens.length);
  for (const id of [...(options.special ?? []), ...options.eosIds]) {
    if (!Number.isInteger(id) || id < 0 || id >= tokens.length) {
      throw new InputError(`special/EOS id ${id} is not a token id (0..${tokens.length - 1})`, { where: 'vocabularyFromBytes' });
    }
    kinds[id] = TOKEN_SPECIAL;
  }
  return new TokenVocabulary({
    bytes,
    offsets,
    kinds,
    size: options.size ?? tokens.length,
    eosIds: options.eosIds,
    spelling: 'bytes',
  });
}
