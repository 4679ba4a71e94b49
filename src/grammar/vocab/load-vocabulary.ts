import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { InputError, ModelLoadError } from '../../errors.js';
import { detectSpelling, spellUtf8 } from './token-spelling.js';
import { TOKEN_SPECIAL, TOKEN_TEXT, TOKEN_UNUSED, TokenVocabulary } from './token-vocabulary.js';
import {
  scanTokenizerJson,
  withRequiredTokenizerMembers,
  vocabularyDataFromJson,
  type TokenizerJson,
  type TokenizerVocabularyData,
} from './tokenizer-file.js';

export type { AddedTokenJson, TokenizerJson } from './tokenizer-file.js';

export interface VocabularyOptions {
  /** Logit width; default: config.json `vocab_size` when larger than the tokenizer, else the token count. */
  readonly size?: number;
  /** EOS ids; default: generation_config.json, then config.json, then tokenizer_config.json `eos_token`. */
  readonly eosIds?: readonly number[];
}

/** Model configuration files that can carry EOS ids and the logit width. */
export interface ModelConfigs {
  /** tokenizer_config.json */
  readonly tokenizerConfig?: Readonly<Record<string, unknown>>;
  /** generation_config.json */
  readonly generationConfig?: Readonly<Record<string, unknown>>;
  /** config.json */
  readonly modelConfig?: Readonly<Record<string, unknown>>;
}

/**
 * Loads the vocabulary of a model directory (or of a tokenizer.json file): tokenizer.json plus, when
 * present next to it, tokenizer_config.json, generation_config.json and config.json.
 */
export function loadVocabulary(dirOrTokenizerJsonPath: string, options: VocabularyOptions = {}): TokenVocabulary {
  let dir = dirOrTokenizerJsonPath;
  let tokenizerPath = join(dir, 'tokenizer.json');
  if (existsSync(dirOrTokenizerJsonPath) && statSync(dirOrTokenizerJsonPath).isFile()) {
    tokenizerPath = dirOrTokenizerJsonPath;
    dir = dirname(dirOrTokenizerJsonPath);
  }
  if (!existsSync(tokenizerPath)) {
    throw new ModelLoadError('no tokenizer.json here (expected a model directory or a tokenizer.json file)', {
      path: dirOrTokenizerJsonPath,
    });
  }
  const data = scanTokenizerJson(readBytes(tokenizerPath), tokenizerPath);
  const configs: ModelConfigs = {
    tokenizerConfig: readOptionalJson(join(dir, 'tokenizer_config.json')),
    generationConfig: readOptionalJson(join(dir, 'generation_config.json')),
    modelConfig: readOptionalJson(join(dir, 'config.json')),
  };
  // The tokenizer itself is built on first encode, from the file read again: keeping the parsed JSON
  // (merges included) alive would cost ~10x the memory of the vocabulary and trie.
  return buildVocabulary(data, configs, options, tokenizerPath, () => readJson(tokenizerPath) as TokenizerJson);
}

/**
 * The vocabulary of a parsed tokenizer.json. `config` is tokenizer_config.json, or all of a model's
 * configuration files.
 */
export function vocabularyFromTokenizerJson(
  json: TokenizerJson,
  config?: Readonly<Record<string, unknown>> | ModelConfigs,
  options: VocabularyOptions = {},
): TokenVocabulary {
  const configs: ModelConfigs =
    config === undefined
      ? {}
      : 'tokenizerConfig' in config || 'generationConfig' in config || 'modelConfig' in config
        ? (config as ModelConfigs)
        : { tokenizerConfig: config as Readonly<Record<string, unknown>> };
  return buildVocabulary(vocabularyDataFromJson(json, 'tokenizer.json'), configs, options, 'tokenizer.json', () => json);
}

function buildVocabulary(
  data: TokenizerVocabularyData,
  configs: ModelConfigs,
  options: VocabularyOptions,
  path: string,
  tokenizerJson: () => TokenizerJson,
): TokenVocabulary {
  const info = detectSpelling(
    {
      model: { type: data.modelType, byte_fallback: data.byteFallback },
      normalizer: data.normalizer,
      pre_tokenizer: data.preTokenizer,
      decoder: data.decoder,
    },
    path,
  );
  const { keyIds, keyBytes, keyOffsets, addedTokens } = data;
  let tokenCount = 0;
  for (let k = 0; k < keyIds.length; k++) if (keyIds[k] >= tokenCount) tokenCount = keyIds[k] + 1;
  for (const token of addedTokens) {
    if (!Number.isInteger(token.id) || token.id < 0 || token.id > 0x3fffffff || typeof token.content !== 'string') {
      throw new ModelLoadError(`added token ${JSON.stringify(token)} has no valid id and content`, { path });
    }
    if (token.id >= tokenCount) tokenCount = token.id + 1;
  }

  // Where each id's vocabulary string is (an entry of keyOffsets, or -1). Added tokens are literal text,
  // never spelled in the byte-level alphabet, and override the model's entry for the same id. Ids that
  // neither defines stay TOKEN_UNUSED.
  const entryOf = new Int32Array(tokenCount).fill(-1);
  const kinds = new Uint8Array(tokenCount).fill(TOKEN_UNUSED);
  for (let k = 0; k < keyIds.length; k++) {
    entryOf[keyIds[k]] = k;
    kinds[keyIds[k]] = TOKEN_TEXT;
  }
  const encoder = new TextEncoder();
  const specialContent = new Map<number, string>();
  const literal = new Map<number, Uint8Array>();
  for (const token of addedTokens) {
    entryOf[token.id] = -1;
    if (token.special === false) {
      kinds[token.id] = TOKEN_TEXT;
      literal.set(token.id, encoder.encode(token.content));
      specialContent.delete(token.id);
    } else {
      kinds[token.id] = TOKEN_SPECIAL;
      specialContent.set(token.id, token.content);
      literal.delete(token.id);
    }
  }

  // No spelling makes a string longer than its UTF-8, so the UTF-8 lengths bound the output.
  let bound = 0;
  for (let id = 0; id < tokenCount; id++) {
    if (kinds[id] !== TOKEN_TEXT) continue;
    const k = entryOf[id];
    bound += k >= 0 ? keyOffsets[k + 1] - keyOffsets[k] : literal.get(id)!.length;
  }
  const bytes = new Uint8Array(bound);
  const offsets = new Uint32Array(tokenCount + 1);
  let at = 0;
  for (let id = 0; id < tokenCount; id++) {
    if (kinds[id] === TOKEN_TEXT) {
      const k = entryOf[id];
      if (k >= 0) {
        const written = spellUtf8(keyBytes, keyOffsets[k], keyOffsets[k + 1], info, bytes, at);
        if (written < 0) {
          const text = new TextDecoder().decode(keyBytes.subarray(keyOffsets[k], keyOffsets[k + 1]));
          throw new ModelLoadError(
            `token ${id} ${JSON.stringify(text)} is not spelled in the byte-level alphabet, yet the tokenizer is byte-level`,
            { path },
          );
        }
        at += written;
      } else {
        const content = literal.get(id)!;
        bytes.set(content, at);
        at += content.length;
      }
    }
    offsets[id + 1] = at;
  }

  const size = resolveSize(tokenCount, configs, options, path);
  const eosIds = options.eosIds ? [...options.eosIds] : resolveEosIds(data, configs, specialContent, tokenCount, path);
  for (const id of eosIds) if (id >= 0 && id < tokenCount && kinds[id] === TOKEN_TEXT) kinds[id] = TOKEN_SPECIAL;

  const tokenizerConfig = configs.tokenizerConfig ?? {};
  const textTokenizer = lazyTokenizer(tokenizerJson, tokenizerConfig, path, true);
  const modelTokenizer = lazyTokenizer(tokenizerJson, tokenizerConfig, path, false);
  return new TokenVocabulary({
    bytes: at === bound ? bytes : bytes.slice(0, at),
    offsets,
    kinds,
    size,
    eosIds,
    spelling: info.spelling,
    specialContent,
    encodeText: (text) => textTokenizer().encode(text, { add_special_tokens: false }).ids,
    encodeModel: (text, addSpecialTokens) => modelTokenizer().encode(text, { add_special_tokens: addSpecialTokens }).ids,
  });
}

function resolveSize(tokenCount: number, configs: ModelConfigs, options: VocabularyOptions, path: string): number {
  if (options.size !== undefined) {
    if (!Number.isInteger(options.size) || options.size < tokenCount) {
      throw new InputError(`size ${options.size} is smaller than the tokenizer's ${tokenCount} token ids`, {
        where: `loadVocabulary(${path})`,
      });
    }
    return options.size;
  }
  const configured = configs.modelConfig?.vocab_size;
  // A config.json vocab_size below the tokenizer's count happens when the tokenizer gained tokens the
  // model never learned; the mask must still cover every id, so the larger width wins.
  return typeof configured === 'number' && Number.isInteger(configured) && configured > tokenCount ? configured : tokenCount;
}

/** EOS contents used by well-known models, for tokenizers shipped without any config naming EOS. */
const KNOWN_EOS = ['<|endoftext|>', '</s>', '<|end_of_text|>', '<|eot_id|>', '<|im_end|>', '<eos>', '<|end|>'];

function resolveEosIds(
  data: TokenizerVocabularyData,
  configs: ModelConfigs,
  specialContent: ReadonlyMap<number, string>,
  tokenCount: number,
  path: string,
): number[] {
  const fromIds = (value: unknown): number[] | undefined => {
    if (typeof value === 'number') return [value];
    if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number')) return value as number[];
    return undefined;
  };
  const byContent = new Map<string, number>();
  for (const [id, content] of specialContent) byContent.set(content, id);
  for (const token of data.addedTokens) if (!byContent.has(token.content)) byContent.set(token.content, token.id);

  let ids = fromIds(configs.generationConfig?.eos_token_id) ?? fromIds(configs.modelConfig?.eos_token_id);
  if (ids === undefined) {
    const eos = configs.tokenizerConfig?.eos_token;
    const content =
      typeof eos === 'string' ? eos : eos !== null && typeof eos === 'object' ? (eos as { content?: unknown }).content : undefined;
    if (typeof content === 'string') {
      const id = byContent.get(content) ?? modelId(data, content);
      if (id === undefined) {
        throw new ModelLoadError(`tokenizer_config.json eos_token ${JSON.stringify(content)} is not a token`, { path });
      }
      ids = [id];
    }
  }
  if (ids === undefined) {
    const known = KNOWN_EOS.find((content) => byContent.has(content));
    if (known !== undefined) ids = [byContent.get(known)!];
  }
  if (ids === undefined) {
    throw new ModelLoadError(
      'no EOS token: none of generation_config.json, config.json (eos_token_id) or tokenizer_config.json (eos_token) names one; pass options.eosIds',
      { path },
    );
  }
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= tokenCount) {
      throw new ModelLoadError(`EOS id ${id} is not a token id (0..${tokenCount - 1})`, { path });
    }
  }
  return ids;
}

/** The id of the model vocabulary entry spelled exactly `content` (a linear scan; used once per load). */
function modelId(data: TokenizerVocabularyData, content: string): number | undefined {
  const wanted = new TextEncoder().encode(content);
  const { keyIds, keyBytes, keyOffsets } = data;
  for (let k = 0; k < keyIds.length; k++) {
    if (keyOffsets[k + 1] - keyOffsets[k] !== wanted.length) continue;
    let same = true;
    for (let q = 0; q < wanted.length && same; q++) same = keyBytes[keyOffsets[k] + q] === wanted[q];
    if (same) return keyIds[k];
  }
  return undefined;
}

/**
 * A tokenizer created on first use (constructing one costs ~0.5 s for 128k tokens and is not needed to
 * compute masks). The `text` variant is the model's tokenizer with two changes, so that the bytes of
 * its tokens are exactly the input text: special tokens are not split out of text (grammar text never
 * contains them), and no prefix space is prepended (SentencePiece `Prepend` normalizers, Metaspace
 * `prepend_scheme`, ByteLevel `add_prefix_space`).
 */
function lazyTokenizer(
  source: () => TokenizerJson,
  tokenizerConfig: Readonly<Record<string, unknown>>,
  path: string,
  text: boolean,
): () => Tokenizer {
  let tokenizer: Tokenizer | undefined;
  return () => {
    if (tokenizer === undefined) {
      const json = source();
      const complete = withRequiredTokenizerMembers(json);
      const tokenizerJson = text
        ? {
            ...complete,
            added_tokens: complete.added_tokens.filter((t) => t.special === false),
            normalizer: withoutPrefixSpace(complete.normalizer),
            pre_tokenizer: withoutPrefixSpace(complete.pre_tokenizer),
          }
        : complete;
      try {
        tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
      } catch (cause) {
        throw new ModelLoadError(`@huggingface/tokenizers cannot build this tokenizer: ${String(cause)}`, { path, cause });
      }
    }
    return tokenizer;
  };
}

function withoutPrefixSpace(component: unknown): unknown {
  if (component === null || typeof component !== 'object') return component;
  const c = component as Record<string, unknown>;
  if (c.type === 'Prepend') return null;
  if (c.type === 'Metaspace') return { ...c, prepend_scheme: 'never', add_prefix_space: false };
  if (c.type === 'ByteLevel') return { ...c, add_prefix_space: false };
  for (const key of ['normalizers', 'pretokenizers']) {
    const list = c[key];
    if (Array.isArray(list)) {
      return { ...c, [key]: list.map(withoutPrefixSpace).filter((child) => child !== null) };
    }
  }
  return component;
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new ModelLoadError(`cannot read: ${String(cause)}`, { path, cause });
  }
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ModelLoadError(`cannot read: ${String(cause)}`, { path, cause });
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    throw new ModelLoadError(`invalid JSON: ${String(cause)}`, { path, cause });
  }
}

function readOptionalJson(path: string): Readonly<Record<string, unknown>> | undefined {
  if (!existsSync(path)) return undefined;
  const value = readJson(path);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelLoadError('expected a JSON object', { path });
  }
  return value as Readonly<Record<string, unknown>>;
}
