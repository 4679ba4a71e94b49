import { ModelLoadError } from '../../errors.js';
import { BYTE_LEVEL_DECODE } from './byte-level-alphabet.js';

/**
 * How a tokenizer spells token bytes in its vocabulary strings:
 * - `byte-level`: byte-level BPE (GPT-2, Llama-3, Qwen): every code point is one byte of the GPT-2
 *   alphabet (byte-level-alphabet.ts);
 * - `sentencepiece`: SentencePiece-style (Llama-2, Mistral, T5): `▁` is a space, `<0xNN>` is byte NN when
 *   the model has byte fallback, everything else is UTF-8 text;
 * - `plain`: the string's UTF-8 bytes (character-level and other simple vocabularies);
 * - `bytes`: no tokenizer at all, the vocabulary was given as raw byte strings.
 */
export type TokenSpelling = 'byte-level' | 'sentencepiece' | 'plain' | 'bytes';

/** The parts of a Hugging Face tokenizer.json that decide the spelling. */
export interface TokenizerJsonPipeline {
  readonly model?: { readonly type?: string; readonly byte_fallback?: boolean } | null;
  readonly normalizer?: unknown;
  readonly pre_tokenizer?: unknown;
  readonly decoder?: unknown;
}

export interface SpellingInfo {
  readonly spelling: Exclude<TokenSpelling, 'bytes'>;
  /** SentencePiece byte fallback: `<0xNN>` vocabulary entries are single bytes. */
  readonly byteFallback: boolean;
}

/**
 * Detects the spelling from the tokenizer's decoder, pre-tokenizer and normalizer, the components that
 * turn vocabulary strings back into text. WordPiece vocabularies (BERT) are rejected: their `##`
 * continuation marks and implicit spaces have no exact byte form, so no grammar could be enforced on them.
 */
export function detectSpelling(json: TokenizerJsonPipeline, path: string): SpellingInfo {
  const modelType = json.model?.type;
  if (modelType === 'WordPiece' || hasComponent(json.decoder, (c) => c.type === 'WordPiece')) {
    throw new ModelLoadError(
      'WordPiece tokenizers (BERT-style "##" pieces) have no exact token bytes; use a BPE or SentencePiece tokenizer',
      { path },
    );
  }
  const byteFallback = json.model?.byte_fallback === true || hasComponent(json.decoder, (c) => c.type === 'ByteFallback');
  const isByteLevel = (c: Component) => c.type === 'ByteLevel';
  if (hasComponent(json.decoder, isByteLevel) || hasComponent(json.pre_tokenizer, isByteLevel)) {
    return { spelling: 'byte-level', byteFallback: false };
  }
  const isMetaspace = (c: Component) =>
    c.type === 'Metaspace' ||
    (c.type === 'Replace' && (patternString(c.pattern) === '▁' || c.content === '▁'));
  if (
    hasComponent(json.decoder, isMetaspace) ||
    hasComponent(json.pre_tokenizer, isMetaspace) ||
    hasComponent(json.normalizer, isMetaspace) ||
    byteFallback
  ) {
    return { spelling: 'sentencepiece', byteFallback };
  }
  return { spelling: 'plain', byteFallback: false };
}

/**
 * Writes the exact bytes of the vocabulary string whose UTF-8 is `src[start, end)` into `out` at `at`
 * and returns how many were written, or -1 when a byte-level string uses a character outside the
 * byte-level alphabet. `out` must have room for `end - start` bytes (no spelling expands its input).
 */
export function spellUtf8(src: Uint8Array, start: number, end: number, info: SpellingInfo, out: Uint8Array, at: number): number {
  const begin = at;
  if (info.spelling === 'byte-level') {
    // The alphabet is U+0021..U+0143: one UTF-8 byte below U+0080, two (C2..C5 lead) above.
    let p = start;
    while (p < end) {
      const b = src[p];
      let code: number;
      if (b < 0x80) {
        code = b;
        p++;
      } else if (b >= 0xc2 && b <= 0xc5 && p + 1 < end) {
        code = ((b & 0x1f) << 6) | (src[p + 1] & 0x3f);
        p += 2;
      } else return -1;
      const byte = code < BYTE_LEVEL_DECODE.length ? BYTE_LEVEL_DECODE[code] : -1;
      if (byte < 0) return -1;
      out[at++] = byte;
    }
    return at - begin;
  }
  if (info.spelling === 'sentencepiece') {
    // <0xNN>: byte NN when the model has byte fallback.
    if (info.byteFallback && end - start === 6 && src[start] === 0x3c && src[start + 1] === 0x30 && src[start + 2] === 0x78 && src[start + 5] === 0x3e) {
      const byte = parseHexByte(src[start + 3], src[start + 4]);
      if (byte >= 0) {
        out[at] = byte;
        return 1;
      }
    }
    // ▁ (U+2581, E2 96 81) is a space.
    let p = start;
    while (p < end) {
      const b = src[p];
      if (b === 0xe2 && p + 2 < end && src[p + 1] === 0x96 && src[p + 2] === 0x81) {
        out[at++] = 0x20;
        p += 3;
      } else {
        out[at++] = b;
        p++;
      }
    }
    return at - begin;
  }
  out.set(src.subarray(start, end), at);
  return end - start;
}

function parseHexByte(high: number, low: number): number {
  const h = hexDigit(high);
  const l = hexDigit(low);
  return h < 0 || l < 0 ? -1 : (h << 4) | l;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}

interface Component {
  readonly type?: unknown;
  readonly pattern?: unknown;
  readonly content?: unknown;
}

/** Components nest in `Sequence`s under `decoders`, `pretokenizers` or `normalizers`. */
function hasComponent(component: unknown, test: (c: Component) => boolean): boolean {
  if (component === null || typeof component !== 'object') return false;
  const c = component as Component & Record<string, unknown>;
  if (test(c)) return true;
  for (const key of ['decoders', 'pretokenizers', 'normalizers']) {
    const list = c[key];
    if (Array.isArray(list) && list.some((child) => hasComponent(child, test))) return true;
  }
  return false;
}

function patternString(pattern: unknown): string | undefined {
  if (pattern !== null && typeof pattern === 'object' && 'String' in pattern) {
    const value = (pattern as { String: unknown }).String;
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}
