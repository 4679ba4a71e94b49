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

/** The named ByteClassIds (any `ascii:` or `utf8:` class can be sliced too; see byteClassOf). */
export const BYTE_CLASS_IDS: readonly ByteClassId[] = ['json-string-body', 'json-whitespace', 'digits'];

/** True when `bytes[start, end)` is a non-empty token that belongs to the slice of `classId`. */
export function tokenInClass(bytes: Uint8Array, start: number, end: number, classId: ByteClassId): boolean {
  let test = memberships.get(classId);
  if (test === undefined) memberships.set(classId, (test = classMembership(classId)));
  return test(bytes, start, end);
}

/** Membership tests by class (a slice is computed by one call per token; a class is parsed once). */
const memberships = new Map<ByteClassId, ClassMembership>();

/** A test of token bytes against one class, built once per class (a slice tests every token). */
export type ClassMembership = (bytes: Uint8Array, start: number, end: number) => boolean;

/** The membership test of `classId` (the empty token belongs to no class). */
export function classMembership(classId: ByteClassId): ClassMembership {
  switch (classId) {
    case 'json-string-body':
      return (bytes, start, end) => end > start && isUtf8Over(bytes, start, end, JSON_STRING_ASCII);
    case 'json-whitespace':
      return (bytes, start, end) => end > start && isAsciiOver(bytes, start, end, JSON_WHITESPACE_ASCII);
    case 'digits':
      return (bytes, start, end) => end > start && isAsciiOver(bytes, start, end, DIGIT_ASCII);
  }
  const set = parseClassSet(classId);
  if (classId.startsWith('ascii:')) return (bytes, start, end) => end > start && isAsciiOver(bytes, start, end, set);
  return (bytes, start, end) => end > start && isUtf8Over(bytes, start, end, set);
}

/**
 * The ByteClassId of the tokens made of ASCII bytes `b` with `ascii[b] !== 0` (b < 128) and, when
 * `utf8`, of any complete, valid non-ASCII character. The named classes are returned by name, so a
 * grammar state and a JSON Schema state that loop on the same bytes share one slice.
 */
export function byteClassOf(ascii: ArrayLike<number>, utf8: boolean): ByteClassId {
  const set = new Uint8Array(128);
  for (let b = 0; b < 128; b++) set[b] = ascii[b] !== 0 ? 1 : 0;
  if (utf8 && sameSet(set, JSON_STRING_ASCII)) return 'json-string-body';
  if (!utf8 && sameSet(set, JSON_WHITESPACE_ASCII)) return 'json-whitespace';
  if (!utf8 && sameSet(set, DIGIT_ASCII)) return 'digits';
  let hex = '';
  for (let nibble = 31; nibble >= 0; nibble--) {
    const b = nibble * 4;
    hex += (set[b] | (set[b + 1] << 1) | (set[b + 2] << 2) | (set[b + 3] << 3)).toString(16);
  }
  return utf8 ? `utf8:${hex}` : `ascii:${hex}`;
}

function parseClassSet(classId: string): Uint8Array {
  const match = /^(?:ascii|utf8):([0-9a-f]{32})$/.exec(classId);
  if (match === null) throw new InputError(`unknown byte class "${classId}"`, { where: 'TokenTrie.slice' });
  const set = new Uint8Array(128);
  for (let nibble = 0; nibble < 32; nibble++) {
    const v = parseInt(match[1][31 - nibble], 16);
    for (let k = 0; k < 4; k++) set[nibble * 4 + k] = (v >> k) & 1;
  }
  return set;
}

function sameSet(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 128; i++) if (a[i] !== b[i]) return false;
  return true;
}

function asciiSet(test: (b: number) => boolean): Uint8Array {
  const set = new Uint8Array(128);
  for (let b = 0; b < 128; b++) set[b] = test(b) ? 1 : 0;
  return set;
}

/** JSON string bodies (RFC 8259): no `"`, no `\`, no control byte below 0x20. */
const JSON_STRING_ASCII = asciiSet((b) => b >= 0x20 && b !== 0x22 && b !== 0x5c);
const JSON_WHITESPACE_ASCII = asciiSet((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
const DIGIT_ASCII = asciiSet((b) => b >= 0x30 && b <= 0x39);

function isAsciiOver(bytes: Uint8Array, start: number, end: number, set: Uint8Array): boolean {
  for (let p = start; p < end; p++) {
    const b = bytes[p];
    if (b >= 0x80 || set[b] === 0) return false;
  }
  return true;
}

/**
 * Complete, valid UTF-8 characters whose ASCII bytes are in `set`: no overlong forms, no surrogates
 * (U+D800-DFFF), nothing above U+10FFFF. A token ending inside a character is not in the slice: the
 * state after it is not the loop state, so it must be walked.
 */
function isUtf8Over(bytes: Uint8Array, start: number, end: number, set: Uint8Array): boolean {
  let p = start;
  while (p < end) {
    const b = bytes[p];
    if (b < 0x80) {
      if (set[b] === 0) return false;
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
