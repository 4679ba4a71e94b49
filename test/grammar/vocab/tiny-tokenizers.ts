import { BYTE_LEVEL_ENCODE } from '../../../src/grammar/vocab/byte-level-alphabet.js';
import type { TokenizerJson } from '../../../src/grammar/vocab/load-vocabulary.js';

const enc = new TextEncoder();

/** Text spelled in the GPT-2 byte-level alphabet. */
export function byteLevelSpelling(text: string): string {
  return String.fromCharCode(...Array.from(enc.encode(text), (b) => BYTE_LEVEL_ENCODE[b]));
}

/**
 * Adds BPE merges that build `spelled` left to right (a, ab, abc, ...), each merge's result becoming a
 * vocabulary entry; a real tokenizer then produces `spelled` as one token.
 */
function addWord(spelled: string[], vocab: Record<string, number>, merges: string[], next: { id: number }): void {
  let prefix = spelled[0];
  for (let k = 1; k < spelled.length; k++) {
    const merged = prefix + spelled[k];
    if (!(merged in vocab)) {
      merges.push(`${prefix} ${spelled[k]}`);
      vocab[merged] = next.id++;
    }
    prefix = merged;
  }
}

/**
 * A GPT-2-style byte-level BPE tokenizer.json: the 256 byte tokens, merged tokens for `words`, a special
 * `<|endoftext|>` and a non-special added token `<tool>`.
 */
export function tinyByteLevelTokenizer(words: readonly string[]): TokenizerJson {
  const vocab: Record<string, number> = {};
  const next = { id: 0 };
  for (let b = 0; b < 256; b++) vocab[String.fromCharCode(BYTE_LEVEL_ENCODE[b])] = next.id++;
  const merges: string[] = [];
  for (const word of words) addWord([...byteLevelSpelling(word)], vocab, merges, next);
  const eos = next.id++;
  const tool = next.id++;
  return {
    version: '1.0',
    added_tokens: [
      { id: eos, content: '<|endoftext|>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
      { id: tool, content: '<tool>', special: false, single_word: false, lstrip: false, rstrip: false, normalized: false },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, vocab, merges },
  };
}

/**
 * A Llama-2-style SentencePiece BPE tokenizer.json with byte fallback: <unk>, <s>, </s>, the 256
 * `<0xNN>` byte tokens, `▁`, and merged tokens for `words` (spaces written as `▁`).
 */
export function tinySentencePieceTokenizer(words: readonly string[]): TokenizerJson {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  const next = { id: 3 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = next.id++;
  const merges: string[] = [];
  const chars = new Set<string>(['▁']);
  for (const word of words) for (const c of word.replaceAll(' ', '▁')) chars.add(c);
  for (const c of chars) vocab[c] = next.id++;
  for (const word of words) addWord([...word.replaceAll(' ', '▁')], vocab, merges, next);
  const special = (id: number, content: string) => ({
    id,
    content,
    special: true,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
  });
  return {
    version: '1.0',
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab,
      merges,
    },
  };
}

/**
 * Mixed text for tokenizer matrices: code, JSON, CJK, emoji (with ZWJ and a flag), whitespace runs,
 * accents (precomposed and combining), CRLF, tabs, and special-token look-alikes.
 */
export const MIXED_CORPUS: readonly string[] = [
  'Hello world',
  ' Hello world',
  'function add(a, b) {\n\treturn a + b; // sum\n}\n',
  '{"name": "Ana", "tags": ["x", "y"], "n": -12.5e+3, "ok": true, "none": null}',
  '{"a":{"b":[1,2,{"c":"\\u00e9\\n"}]}}',
  '日本語のテキストと中文文本，还有한국어.',
  'emoji 😀🎉 family 👨‍👩‍👧 flag 🇫🇷 done',
  'spaces:    four, tabs:\t\t two, newlines:\n\n\n three',
  'café naïve Ωmega résumé — “quotes” e\u0301 (combining)',
  'line one\r\nline two\r\n\r\n',
  '   leading and trailing   ',
  'special look-alikes: <|endoftext|> </s> <s> <|eot_id|> <unk>',
  'SELECT id, name FROM users WHERE age >= 21 ORDER BY name;',
  'x'.repeat(50) + ' ' + '1234567890'.repeat(3),
  '\u0000\u0001 control \u007f bytes',
];
