import type { ByteClassId } from '../automaton/byte-machine.js';
import { InputError } from '../../errors.js';

/**
 * A vocabulary slice: the tokens made only of bytes of one ByteClass (see byte-machine.ts), or the union
 * of several. When a machine state loops on the classes, every token of the slice is allowed, so the
 * token automaton ORs in `bits` instead of walking those tokens in the trie.
 */
export interface TokenSlice {
  /** The classes whose tokens the slice holds (one, or several for a union). */
  readonly classIds: readonly ByteClassId[];
  /** Mask bitset (bit `id & 31` of word `id >>> 5`) of the tokens in the slice; never mutate. */
  readonly bits: Uint32Array;
  /** Number of tokens in the slice. */
  readonly count: number;
  /**
   * Per trie node: 1 when every token in the node's subtree is in the slice (for a union: in one of its
   * classes' slices), so a walk that has ORed in `bits` skips the subtree without stepping the machine.
   */
  readonly covered: Uint8Array;
}

/** Every ByteClassId the vocabulary knows how to slice. */
export const BYTE_CLASS_IDS: readonly ByteClassId[] = ['json-string-body', 'json-whitespace', 'digits'];

/** True when `bytes[start, end)` is a non-empty token that belongs to the slice of `classId`. */
export function tokenInClass(bytes: Uint8Array, start: number, end: number, classId: ByteClassId): boolean {
  if (end <= start) return false;
  switch (classId) {
    case 'json-string-body':
      return isJsonStringBody(bytes, start, end);
    case 'json-whitespace':
      for (let p = start; p < end; p++) {
        const b = bytes[p];
        if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
      }
      return true;
    case 'digits':
      for (let p = start; p < end; p++) {
        const b = bytes[p];
        if (b < 0x30 || b > 0x39) return false;
      }
      return true;
    default:
      throw new InputError(`unknown byte class "${String(classId)}"`, { where: 'TokenTrie.slice' });
  }
}

/**
 * Bytes that may appear verbatim inside a JSON string (RFC 8259: no `"`, no `\`, no control byte below
 * 0x20), forming complete, valid UTF-8 characters: no overlong forms, no surrogates (U+D800-DFFF), nothing
 * above U+10FFFF. A token ending inside a character is not in the slice: the state after it is not the
 * string-body loop state, so it must be walked.
 */
function isJsonStringBody(bytes: Uint8Array, start: number, end: number): boolean {
  let p = start;
  while (p < end) {
    const b = bytes[p];
    if (b < 0x80) {
      if (b < 0x20 || b === 0x22 || b === 0x5c) return false;
      p++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return false;
    if (p + need >= end) return false;
    const second = bytes[p + 1];
    if (second < lo || second > hi) return false;
    for (let k = 2; k <= need; k++) {
      const c = bytes[p + k];
      if (c < 0x80 || c > 0xbf) return false;
    }
    p += need + 1;
  }
  return true;
}
