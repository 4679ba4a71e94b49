/**
 * How text is cut into chunks before BPE, shared by the trainer and by tokenizer.json (a `Split`
 * pre-tokenizer, then `ByteLevel` without its own regex, as Llama-3 does). The pattern is Llama-3's
 * with the case-insensitive contraction group spelled out, so that JavaScript's RegExp (the trainer)
 * and Oniguruma (the Rust tokenizers crate) read it the same way. It keeps digit runs to at most three
 * (numbers become a few reusable tokens), lets a word carry one leading non-letter (`"name`, ` John`),
 * and groups punctuation runs (`":"`, `","`, `{"`), which is what JSON is mostly made of.
 */
export const SPLIT_PATTERN =
  "'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** The chunks of `text` (no special tokens inside: split those out first). */
export function preTokenize(text: string): string[] {
  // A fresh RegExp per call: a shared global regex carries lastIndex state between callers.
  return text.match(new RegExp(SPLIT_PATTERN, 'gu')) ?? [];
}

/**
 * Splits `text` at occurrences of the special tokens: returns alternating plain segments and special
 * tokens, as the tokenizer does before pre-tokenizing (specials are never merged with text).
 */
export function splitSpecial(text: string, specials: readonly string[]): string[] {
  if (specials.length === 0) return [text];
  const escaped = specials.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return text.split(new RegExp(`(${escaped.join('|')})`, 'u')).filter((s) => s.length > 0);
}
