import type { CodePointSet } from './code-point-set.js';

/**
 * A UTF-8 byte-range sequence: flat inclusive pairs [lo0, hi0, lo1, hi1, ...], one pair per byte of
 * the encoding; the byte strings it matches are exactly the UTF-8 encodings of a range of code points.
 */
export type Utf8Sequence = readonly number[];

const SURROGATE_LO = 0xd800;
const SURROGATE_HI = 0xdfff;

/**
 * The UTF-8 encodings of the code points in [lo, hi] (surrogates excluded) as byte-range sequences,
 * in code point order. A code point range generally is not a product of byte ranges (U+0080..U+07FF
 * is, U+0080..U+0800 is not), so it is split where the encoded length changes and where a
 * continuation byte would have to wrap, the classic construction of RE2 and Rust's regex-syntax.
 */
export function utf8Sequences(lo: number, hi: number): Utf8Sequence[] {
  const out: Utf8Sequence[] = [];
  const stack: number[] = [hi, lo];
  while (stack.length > 0) {
    const start = stack.pop()!;
    let end = stack.pop()!;
    // Drop the surrogate block: it has no UTF-8 encoding.
    if (start <= SURROGATE_HI && end >= SURROGATE_LO) {
      if (end > SURROGATE_HI) stack.push(end, SURROGATE_HI + 1);
      if (start >= SURROGATE_LO) continue;
      end = SURROGATE_LO - 1;
    }
    split: while (true) {
      // Split where the encoded length changes.
      for (const limit of [0x7f, 0x7ff, 0xffff]) {
        if (start <= limit && end > limit) {
          stack.push(end, limit + 1);
          end = limit;
        }
      }
      if (end <= 0x7f) {
        out.push([start, end]);
        break;
      }
      // Split until every byte position ranges independently: for each number of trailing
      // continuation bytes i, the low 6i bits of start must be all 0 and of end all 1, unless the
      // prefixes above those bits are equal.
      for (let i = 1; i < 4; i++) {
        const max = (1 << (6 * i)) - 1;
        if ((start & ~max) !== (end & ~max)) {
          if ((start & max) !== 0) {
            stack.push(end, (start | max) + 1);
            end = start | max;
            continue split;
          }
          if ((end & max) !== max) {
            stack.push(end, end & ~max);
            end = (end & ~max) - 1;
            continue split;
          }
        }
      }
      const a = encode(start);
      const b = encode(end);
      const seq: number[] = [];
      for (let k = 0; k < a.length; k++) seq.push(a[k], b[k]);
      out.push(seq);
      break;
    }
  }
  return out;
}

/** All UTF-8 sequences of a code point set, in code point order. */
export function utf8SequencesOfSet(set: CodePointSet): Utf8Sequence[] {
  const out: Utf8Sequence[] = [];
  for (let i = 0; i < set.rangeCount; i++) out.push(...utf8Sequences(set.lo(i), set.hi(i)));
  return out;
}

/** The UTF-8 bytes of one code point. */
export function encode(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}
