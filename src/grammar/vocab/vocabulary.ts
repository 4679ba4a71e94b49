import type { TokenTrie } from './token-trie.js';

/**
 * A model's tokenizer seen from the grammar side: the exact bytes of every token id, which ids are
 * special, which end a document, and the trie over all token byte strings.
 *
 * Implemented by TokenVocabulary (token-vocabulary.ts); build one with loadVocabulary /
 * vocabularyFromTokenizerJson (load-vocabulary.ts) or vocabularyFromBytes (tests, toy models).
 */
export interface Vocabulary {
  /** Width of the model's logits; ids in [tokenCount, size) are padding and never allowed. */
  readonly size: number;
  /** Number of real token ids (tokenizer vocabulary plus added tokens). */
  readonly tokenCount: number;
  /** Ids that end a document (from generation_config.json / config.json / tokenizer_config.json). */
  readonly eosIds: readonly number[];
  /** The trie over the byte strings of all non-special tokens, shared by every automaton. */
  readonly trie: TokenTrie;

  /** The exact bytes of a token (empty for special tokens and padding). Do not mutate. */
  tokenBytes(id: number): Uint8Array;
  /** Added/special tokens (BOS, EOS, chat markers): never produced by grammar text. */
  isSpecial(id: number): boolean;

  /**
   * Tokenize text the way the model's tokenizer does (no special tokens added), as text in the middle
   * of a document: the exact bytes of the ids concatenate to the UTF-8 of `text` (no SentencePiece
   * prefix space, special-token strings treated as plain text).
   */
  encode(text: string): number[];
  /** The text of a token sequence: the concatenated exact bytes decoded as UTF-8 (specials skipped). */
  decode(ids: readonly number[]): string;
}
