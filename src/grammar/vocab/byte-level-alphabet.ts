/**
 * The GPT-2 byte-level alphabet: byte-level BPE vocabularies (GPT-2, Llama-3, Qwen, ...) spell every
 * byte as one printable code point so that token strings are valid Unicode. Printable Latin-1 bytes
 * (0x21-0x7E, 0xA1-0xAC, 0xAE-0xFF) stand for themselves; the 68 others are mapped, in byte order, to
 * U+0100 onwards (space -> U+0120 'Ġ', newline -> U+010A 'Ċ').
 */

/** Code point -> byte for every code point of the alphabet, -1 elsewhere (all code points are < 0x144). */
export const BYTE_LEVEL_DECODE: Int16Array = buildDecodeTable();

/** Byte -> the code point that spells it. */
export const BYTE_LEVEL_ENCODE: Uint16Array = buildEncodeTable();

function isSelfSpelled(byte: number): boolean {
  return (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
}

function buildEncodeTable(): Uint16Array {
  const table = new Uint16Array(256);
  let next = 0x100;
  for (let byte = 0; byte < 256; byte++) table[byte] = isSelfSpelled(byte) ? byte : next++;
  return table;
}

function buildDecodeTable(): Int16Array {
  const encode = buildEncodeTable();
  const table = new Int16Array(0x144).fill(-1);
  for (let byte = 0; byte < 256; byte++) table[encode[byte]] = byte;
  return table;
}
