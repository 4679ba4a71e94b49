import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Tokenizer } from '@huggingface/tokenizers';

import { ModelLoadError } from '../../src/errors.js';
import { BYTE_LEVEL_DECODE } from '../../src/grammar/vocab/byte-level-alphabet.js';

/**
 * The tokenizer as a peer engine needs it: XGrammar's TokenizerInfo takes the *encoded* vocabulary
 * strings (as they appear in tokenizer.json, e.g. "Ġthe" or "<0x0A>") plus how to decode them, and
 * every engine must agree on the end-of-sequence id. Tokenization itself happens once, in the parent
 * process, so all engines are forced through the very same token ids.
 */
export type VocabType = 'byte_level' | 'byte_fallback' | 'raw';

export interface PeerVocabulary {
  /** The vocabulary string of every id in order, added tokens included (their literal content). */
  encodedVocab: string[];
  /** XGrammar's vocab type: GPT-2 byte alphabet, SentencePiece with <0xNN> byte tokens, or raw text. */
  vocabType: VocabType;
  /** SentencePiece tokenizers that prepend "▁" to the text (Llama-2): XGrammar must know. */
  prependSpace: boolean;
  /** The id that ends a document (tokenizer_config.json's eos_token). */
  eosId: number;
  /** Ids of special added tokens (never produced by grammar text). */
  specialIds: number[];
}

type Json = Record<string, unknown>;

/** tokenizer.json and tokenizer_config.json of a tokenizer directory. */
export function readTokenizerFiles(directory: string): { tokenizerJson: Json; tokenizerConfig: Json } {
  const read = (name: string): Json => {
    const path = join(directory, name);
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Json;
    } catch (cause) {
      throw new ModelLoadError(`cannot read ${name} (${(cause as Error).message})`, { path, cause });
    }
  };
  return { tokenizerJson: read('tokenizer.json'), tokenizerConfig: read('tokenizer_config.json') };
}

function mentionsComponent(value: unknown, type: string): boolean {
  if (Array.isArray(value)) return value.some((item) => mentionsComponent(item, type));
  if (value === null || typeof value !== 'object') return false;
  const record = value as Json;
  return record.type === type || Object.values(record).some((item) => mentionsComponent(item, type));
}

function contentOf(token: unknown): string | undefined {
  if (typeof token === 'string') return token;
  if (token !== null && typeof token === 'object' && typeof (token as Json).content === 'string') return (token as Json).content as string;
  return undefined;
}

const CONVENTIONAL_EOS = ['<|endoftext|>', '<|end_of_text|>', '</s>', '<|im_end|>', '<|eot_id|>'];

/** Builds the peer vocabulary from parsed tokenizer files. */
export function peerVocabularyFromTokenizer(tokenizerJson: Json, tokenizerConfig: Json, where = 'tokenizer.json'): PeerVocabulary {
  const model = (tokenizerJson.model ?? {}) as Json;
  const vocab = model.vocab;
  if (vocab === null || typeof vocab !== 'object' || Array.isArray(vocab)) {
    throw new ModelLoadError('model.vocab is not a token -> id map (only BPE-style vocabularies are supported)', { path: where });
  }
  const encodedVocab: string[] = [];
  for (const [token, id] of Object.entries(vocab as Record<string, number>)) encodedVocab[id] = token;
  const specialIds: number[] = [];
  const addedIds = new Map<string, number>();
  for (const added of (tokenizerJson.added_tokens ?? []) as Json[]) {
    const id = added.id as number;
    encodedVocab[id] = added.content as string;
    addedIds.set(added.content as string, id);
    if (added.special === true) specialIds.push(id);
  }
  // Ids missing from both maps (rare gaps) still need an entry so that positions stay token ids.
  for (let id = 0; id < encodedVocab.length; id++) encodedVocab[id] ??= '';

  // tokenizer_config.json names the EOS token; older exports (GPT-2) omit it and rely on the
  // conventional end-of-text token.
  const eosContent = contentOf(tokenizerConfig.eos_token) ?? CONVENTIONAL_EOS.find((content) => addedIds.has(content));
  const eosId = eosContent === undefined ? undefined : (addedIds.get(eosContent) ?? (vocab as Record<string, number>)[eosContent]);
  if (eosId === undefined) {
    throw new ModelLoadError(
      `cannot find the end-of-sequence token (${eosContent === undefined ? 'no eos_token in tokenizer_config.json' : JSON.stringify(eosContent)})`,
      { path: where },
    );
  }

  const vocabType: VocabType =
    mentionsComponent(tokenizerJson.decoder, 'ByteLevel') || mentionsComponent(tokenizerJson.pre_tokenizer, 'ByteLevel')
      ? 'byte_level'
      : model.byte_fallback === true || mentionsComponent(tokenizerJson.decoder, 'ByteFallback')
        ? 'byte_fallback'
        : 'raw';
  const prependSpace =
    JSON.stringify(tokenizerJson.normalizer ?? null).includes('"prepend":"▁"') ||
    (mentionsComponent(tokenizerJson.pre_tokenizer, 'Metaspace') &&
      !JSON.stringify(tokenizerJson.pre_tokenizer).includes('"prepend_scheme":"never"'));
  return { encodedVocab, vocabType, prependSpace, eosId, specialIds };
}

/** The vocabulary of a tokenizer directory (tokenizer.json + tokenizer_config.json). */
export function readPeerVocabulary(directory: string): PeerVocabulary {
  const { tokenizerJson, tokenizerConfig } = readTokenizerFiles(directory);
  return peerVocabularyFromTokenizer(tokenizerJson, tokenizerConfig, join(directory, 'tokenizer.json'));
}

/** A tokenizer directory loaded for forcing: its peer vocabulary and the model's own tokenization. */
export interface PeerTokenizer {
  readonly directory: string;
  readonly vocabulary: PeerVocabulary;
  /** Token ids of `text` as the model's tokenizer produces them (no BOS or other special tokens). */
  encode(text: string): number[];
}

export function loadPeerTokenizer(directory: string): PeerTokenizer {
  const { tokenizerJson, tokenizerConfig } = readTokenizerFiles(directory);
  const vocabulary = peerVocabularyFromTokenizer(tokenizerJson, tokenizerConfig, join(directory, 'tokenizer.json'));
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  return {
    directory,
    vocabulary,
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
  };
}

const utf8 = new TextEncoder();

/**
 * The exact bytes of an encoded vocabulary string, for engines that take token bytes (the
 * transformers-so peer with an inline test vocabulary). Special tokens are their literal text.
 */
export function encodedTokenBytes(encoded: string, vocabType: VocabType): Uint8Array {
  if (vocabType === 'byte_fallback') {
    const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(encoded);
    if (byte !== null) return Uint8Array.of(Number.parseInt(byte[1], 16));
    return utf8.encode(encoded.replaceAll('▁', ' '));
  }
  if (vocabType === 'byte_level') {
    const bytes: number[] = [];
    for (const character of encoded) {
      const code = character.codePointAt(0)!;
      const byte = code < BYTE_LEVEL_DECODE.length ? BYTE_LEVEL_DECODE[code] : -1;
      if (byte >= 0) bytes.push(byte);
      else bytes.push(...utf8.encode(character)); // added tokens spelled outside the alphabet
    }
    return Uint8Array.from(bytes);
  }
  return utf8.encode(encoded);
}
