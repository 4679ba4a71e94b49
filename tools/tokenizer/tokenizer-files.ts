import { BYTE_LEVEL_ENCODE } from '../../src/grammar/vocab/byte-level-alphabet.js';
import type { BpeTrainingResult } from './bpe-trainer.js';
import { SPLIT_PATTERN } from './pre-tokenizer.js';

/**
 * tokenizer.json and tokenizer_config.json in the Hugging Face layout, for a byte-level BPE whose
 * special tokens come first (ids 0..k-1), then the 256 bytes, then the merged tokens. Both files load
 * in @huggingface/tokenizers and in the Rust/Python `tokenizers` crate.
 */
export interface TokenizerFiles {
  readonly tokenizer: Record<string, unknown>;
  readonly config: Record<string, unknown>;
}

export interface TokenizerSpec {
  readonly specials: readonly string[];
  readonly eosToken: string;
  readonly padToken: string;
  readonly chatTemplate: string;
  readonly modelMaxLength: number;
}

/** A token's bytes spelled in the GPT-2 byte-level alphabet (space -> 'Ġ', newline -> 'Ċ'). */
export function byteLevelString(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(BYTE_LEVEL_ENCODE[b]!);
  return s;
}

export function tokenizerFiles(trained: BpeTrainingResult, spec: TokenizerSpec): TokenizerFiles {
  const vocab: Record<string, number> = {};
  const addedTokens = spec.specials.map((content, id) => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  }));
  spec.specials.forEach((s, id) => (vocab[s] = id));
  const offset = spec.specials.length;
  const names = trained.tokens.map(byteLevelString);
  names.forEach((name, i) => (vocab[name] = offset + i));
  const merges = trained.merges.map(([a, b]) => [names[a]!, names[b]!]);

  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };

  const config = {
    add_bos_token: false,
    add_eos_token: false,
    bos_token: null,
    eos_token: spec.eosToken,
    pad_token: spec.padToken,
    unk_token: null,
    clean_up_tokenization_spaces: false,
    model_max_length: spec.modelMaxLength,
    tokenizer_class: 'PreTrainedTokenizerFast',
    chat_template: spec.chatTemplate,
    added_tokens_decoder: Object.fromEntries(
      addedTokens.map((t) => [String(t.id), { content: t.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }]),
    ),
  };
  return { tokenizer, config };
}
