import { CodePointSet } from './code-point-set.js';

/**
 * Code point sets of Unicode properties (`\p{...}`), taken from the running engine's own RegExp so
 * that they agree exactly with JavaScript (and with JSON Schema validators built on it) for whatever
 * Unicode version Node ships. A property is computed once, on first use, by matching `\p{X}+` over a
 * string holding every Unicode scalar value in order: one linear regex scan (~40 ms) instead of
 * 1.1 million single-character tests, and no Unicode tables to maintain.
 */

let scalarString: string | undefined;

/**
 * Every Unicode scalar value (U+0000..U+D7FF, U+E000..U+10FFFF) in order, as one string. UTF-16
 * offset i holds code point i below U+D800, i + 0x800 up to U+FFFF, then astral pairs of two units.
 */
export function allScalarValues(): string {
  if (scalarString === undefined) {
    const parts: string[] = [];
    const chunk: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp === 0xd800) cp = 0xe000;
      chunk.push(cp);
      if (chunk.length === 4096) {
        parts.push(String.fromCodePoint(...chunk));
        chunk.length = 0;
      }
    }
    parts.push(String.fromCodePoint(...chunk));
    scalarString = parts.join('');
  }
  return scalarString;
}

/** The code point at UTF-16 offset `index` of allScalarValues() (either unit of an astral pair). */
function codePointAtScalarIndex(index: number): number {
  if (index < 0xd800) return index;
  if (index < 0xf800) return index + 0x800;
  return 0x10000 + ((index - 0xf800) >> 1);
}

/** The set of code points a global, Unicode-mode regex matches (one code point per match, or runs). */
export function scanScalarValues(regex: RegExp): CodePointSet {
  if (!regex.global || !regex.unicode) throw new Error('scanScalarValues needs a /gu regex');
  const text = allScalarValues();
  const ranges: [number, number][] = [];
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    if (m[0].length === 0) {
      regex.lastIndex++;
      continue;
    }
    ranges.push([codePointAtScalarIndex(m.index), codePointAtScalarIndex(m.index + m[0].length - 1)]);
  }
  return CodePointSet.fromRanges(ranges);
}

const propertyCache = new Map<string, CodePointSet | null>();
const complementCache = new WeakMap<CodePointSet, CodePointSet>();

/** `\P{body}`: the complement of unicodePropertySet(body), also cached. */
export function unicodePropertyComplement(body: string): CodePointSet | undefined {
  const set = unicodePropertySet(body);
  if (set === undefined) return undefined;
  let complement = complementCache.get(set);
  if (complement === undefined) {
    complement = set.complement();
    complementCache.set(set, complement);
  }
  return complement;
}

/**
 * The set of `\p{body}` (body as written between the braces: `L`, `Letter`, `Script=Greek`,
 * `scx=Hira`, `ASCII_Hex_Digit`, ...), or undefined when JavaScript does not know the property.
 */
export function unicodePropertySet(body: string): CodePointSet | undefined {
  const cached = propertyCache.get(body);
  if (cached !== undefined) return cached ?? undefined;
  let set: CodePointSet | null = null;
  // Only name characters reach the RegExp constructor, so a body cannot smuggle in other syntax.
  if (/^[A-Za-z0-9_]+(=[A-Za-z0-9_]+)?$/.test(body)) {
    let regex: RegExp | undefined;
    try {
      regex = new RegExp(`\\p{${body}}+`, 'gu');
    } catch {
      regex = undefined;
    }
    if (regex !== undefined) set = scanScalarValues(regex);
  }
  propertyCache.set(body, set);
  return set ?? undefined;
}
