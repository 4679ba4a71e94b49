import { existsSync, readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { InputError, ModelLoadError } from '../../errors.js';
import { withRequiredTokenizerMembers } from '../../grammar/vocab/tokenizer-file.js';

/** One model input: token ids and their segment (token type) ids. */
export interface RewardEncoding {
  readonly ids: readonly number[];
  readonly typeIds: readonly number[];
}

/** A padded batch in the layout sequence classifiers take (int64, [batch, length], row-major). */
export interface RewardBatch {
  readonly size: number;
  readonly length: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
  readonly positionIds: BigInt64Array;
}

export interface RewardTokenizerOptions {
  /** Tokens per input at most; longer inputs are truncated on `truncation`'s side. */
  readonly maxLength: number;
  /** 'right' (default, as Hugging Face): keep the beginning; 'left': keep the end. */
  readonly truncation?: 'right' | 'left';
  /** Padding id (default: tokenizer_config.json pad_token, else config.json pad_token_id, else 0). */
  readonly padId?: number;
}

/**
 * The reward model's own tokenizer (tokenizer.json with its normalizer, pre-tokenizer and
 * post-processor, so [CLS]/[SEP] or BOS come out as the model was trained with), and the padding of a
 * batch: right padding with the pad id and attention mask 0.
 */
export class RewardTokenizer {
  readonly maxLength: number;
  readonly truncation: 'right' | 'left';
  readonly padId: number;

  private constructor(
    private readonly tokenizer: Tokenizer,
    options: RewardTokenizerOptions & { readonly padId: number },
  ) {
    this.maxLength = options.maxLength;
    this.truncation = options.truncation ?? 'right';
    this.padId = options.padId;
  }

  /** Loads tokenizer.json (+ tokenizer_config.json) from a directory; `config` is its config.json, if any. */
  static load(dir: string, config: Readonly<Record<string, unknown>>, options: RewardTokenizerOptions): RewardTokenizer {
    const path = `${dir}/tokenizer.json`;
    if (!existsSync(path)) throw new ModelLoadError('is missing (a reward model directory needs its tokenizer)', { path });
    const json = readJsonFile(path);
    const configPath = `${dir}/tokenizer_config.json`;
    const tokenizerConfig = existsSync(configPath) ? readJsonFile(configPath) : {};
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(withRequiredTokenizerMembers(json), tokenizerConfig);
    } catch (cause) {
      throw new ModelLoadError(`@huggingface/tokenizers cannot build this tokenizer: ${String(cause)}`, { path, cause });
    }
    if (!(Number.isInteger(options.maxLength) && options.maxLength >= 1)) {
      throw new InputError(`maxLength must be an integer >= 1, got ${options.maxLength}`, { where: 'RewardTokenizer' });
    }
    const truncation = options.truncation ?? 'right';
    if (truncation !== 'right' && truncation !== 'left') throw new InputError(`truncation must be 'right' or 'left', got ${JSON.stringify(truncation)}`, { where: 'RewardTokenizer' });
    const padId = options.padId ?? padIdOf(tokenizer, tokenizerConfig, config);
    return new RewardTokenizer(tokenizer, { ...options, padId });
  }

  /** Special tokens included; a pair gets segment ids 0 and 1 when the post-processor assigns them. */
  encode(input: string | readonly [string, string]): RewardEncoding {
    const pair = typeof input !== 'string';
    const encoding = pair
      ? this.tokenizer.encode(input[0], { text_pair: input[1], add_special_tokens: true, return_token_type_ids: true })
      : this.tokenizer.encode(input, { add_special_tokens: true, return_token_type_ids: true });
    let ids = encoding.ids;
    let typeIds = encoding.token_type_ids ?? new Array<number>(ids.length).fill(0);
    if (ids.length > this.maxLength) {
      const from = this.truncation === 'left' ? ids.length - this.maxLength : 0;
      ids = ids.slice(from, from + this.maxLength);
      typeIds = typeIds.slice(from, from + this.maxLength);
    }
    return { ids, typeIds };
  }

  /**
   * Right-padded int64 tensors for `encodings`. An input that tokenizes to nothing at all is fed as
   * one (attended) pad token: a model cannot run on zero tokens, and pooling over none is undefined.
   */
  batch(encodings: readonly RewardEncoding[]): RewardBatch {
    const size = encodings.length;
    const length = Math.max(1, ...encodings.map((e) => e.ids.length));
    const inputIds = new BigInt64Array(size * length).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(size * length);
    const tokenTypeIds = new BigInt64Array(size * length);
    const positionIds = new BigInt64Array(size * length);
    for (let b = 0; b < size; b++) {
      const { ids, typeIds } = encodings[b];
      const base = b * length;
      if (ids.length === 0) attentionMask[base] = 1n;
      for (let t = 0; t < ids.length; t++) {
        inputIds[base + t] = BigInt(ids[t]);
        attentionMask[base + t] = 1n;
        tokenTypeIds[base + t] = BigInt(typeIds[t]);
      }
      for (let t = 0; t < length; t++) positionIds[base + t] = BigInt(t);
    }
    return { size, length, inputIds, attentionMask, tokenTypeIds, positionIds };
  }
}

function padIdOf(tokenizer: Tokenizer, tokenizerConfig: Readonly<Record<string, unknown>>, config: Readonly<Record<string, unknown>>): number {
  const pad = tokenizerConfig.pad_token;
  const content = typeof pad === 'string' ? pad : pad !== null && typeof pad === 'object' ? (pad as { content?: unknown }).content : undefined;
  if (typeof content === 'string') {
    const id = tokenizer.token_to_id(content);
    if (id !== undefined) return id;
  }
  if (typeof config.pad_token_id === 'number') return config.pad_token_id;
  return 0;
}

interface TokenizerFileJson extends Record<string, unknown> {
  readonly added_tokens?: unknown[];
  readonly normalizer?: unknown;
  readonly pre_tokenizer?: unknown;
  readonly post_processor?: unknown;
  readonly decoder?: unknown;
}

export function readJsonFile(path: string): TokenizerFileJson {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ModelLoadError(`cannot read as JSON: ${String(cause)}`, { path, cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ModelLoadError('is not a JSON object', { path });
  return value as TokenizerFileJson;
}
