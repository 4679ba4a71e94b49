import type { RegexNode } from '../../../src/grammar/regex/index.js';
export { rng } from '../../support/seeded-rng.js';

/**
 * Seeded generators for the differential tests: random ECMAScript patterns (Unicode-mode syntax),
 * and strings sampled from a parsed pattern then mutated, so that most strings nearly match.
 */

export type Rng = () => number;

export function pick<T>(r: Rng, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

export function int(r: Rng, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/**
 * Characters that exercise the interesting cases: ASCII, case pairs whose folding crosses ASCII
 * (ſ -> s, K -> k), final sigma, sharp s, two- three- and four-byte UTF-8, astral letters with case
 * (Deseret), line terminators.
 */
export const ALPHABET = [
  'a', 'b', 'c', 'x', 'A', 'B', 'X', '0', '1', '9', '-', '_', ' ', '\n', '\r', '.', '\t',
  'é', 'É', 'ß', 'ẞ', 'ſ', 's', 'S', 'k', 'K', 'K', 'σ', 'Σ', 'ς', '€', '中', '😀', '𐐨', '𐐀', '\u2028', '\u00a0',
];

const CLASS_ESCAPES = ['\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\p{L}', '\\p{Lu}', '\\P{Ll}', '\\p{Script=Greek}', '\\p{N}'];

function literal(r: Rng, ch: string, inClass: boolean): string {
  const special = inClass ? '\\]^-[' : '^$\\.*+?()[]{}|/';
  if (special.includes(ch)) return `\\${ch}`;
  if (ch === '\n') return pick(r, ['\\n', '\\u000a', '\\x0A', '\\cJ']);
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  if (ch === '\u2028') return '\\u2028';
  if (ch === '😀') return inClass ? '\\u{1F600}' : '\\uD83D\\uDE00';
  return ch;
}

function charClass(r: Rng): string {
  let out = r() < 0.3 ? '[^' : '[';
  const n = int(r, 0, 3);
  for (let i = 0; i < n; i++) {
    const kind = r();
    if (kind < 0.4) out += literal(r, pick(r, ALPHABET), true);
    else if (kind < 0.7) {
      let a = pick(r, ALPHABET).codePointAt(0)!;
      let b = pick(r, ALPHABET).codePointAt(0)!;
      if (a > b) [a, b] = [b, a];
      out += `${literal(r, String.fromCodePoint(a), true)}-${literal(r, String.fromCodePoint(b), true)}`;
    } else out += pick(r, CLASS_ESCAPES);
  }
  return out + ']';
}

function atom(r: Rng, depth: number, quantified: boolean): string {
  const kind = r();
  if (kind < 0.4) return literal(r, pick(r, ALPHABET), false);
  if (kind < 0.5) return '.';
  if (kind < 0.65) return charClass(r);
  if (kind < 0.75) return pick(r, CLASS_ESCAPES);
  if (depth <= 0) return literal(r, pick(r, ALPHABET), false);
  const inner = disjunction(r, depth - 1, quantified);
  return pick(r, [`(?:${inner})`, `(${inner})`, `(?<g${int(r, 0, 1e9)}>${inner})`]);
}

function quantifier(r: Rng): string {
  const kind = r();
  let q: string;
  if (kind < 0.55) return '';
  if (kind < 0.65) q = '*';
  else if (kind < 0.75) q = '+';
  else if (kind < 0.85) q = '?';
  else {
    const m = int(r, 0, 3);
    q = pick(r, [`{${m}}`, `{${m},}`, `{${m},${m + int(r, 0, 2)}}`]);
  }
  return r() < 0.2 ? `${q}?` : q;
}

/**
 * `inQuantified`: inside a quantified group. Such a group's own groups get no quantifier, so
 * quantifiers nest at most two deep ((a*)* but not ((a*)*)*): three levels make RegExp's backtracking
 * take seconds on ten characters.
 */
let assertions = ['^', '$'];

function term(r: Rng, depth: number, inQuantified: boolean): string {
  if (r() < 0.08) return pick(r, assertions);
  const q = quantifier(r);
  const a = atom(r, depth, inQuantified || q !== '');
  return inQuantified && a.startsWith('(') ? a : a + q;
}

function alternative(r: Rng, depth: number, inQuantified: boolean): string {
  let out = '';
  const n = int(r, 0, 3);
  for (let i = 0; i < n; i++) out += term(r, depth, inQuantified);
  return out;
}

/** A random Unicode-mode pattern; `depth` bounds group nesting (keeps RegExp's backtracking cheap). */
export function disjunction(r: Rng, depth: number, inQuantified = false): string {
  const parts = [alternative(r, depth, inQuantified)];
  while (r() < 0.25 && parts.length < 3) parts.push(alternative(r, depth, inQuantified));
  return parts.join('|');
}

/**
 * A random pattern; names in it are unique. With `wordBoundaries`, `\b` and `\B` are among the
 * assertions (parseRegex rejects them: compile the pattern text).
 */
export function randomPattern(r: Rng, depth = 2, wordBoundaries = false): string {
  let k = 0;
  assertions = wordBoundaries ? ['^', '$', '\\b', '\\B', '\\b'] : ['^', '$'];
  return disjunction(r, depth).replace(/\(\?<g\d+>/g, () => `(?<g${k++}>`);
}

/** A string matching `node` (anchors ignored), or undefined when the sampler hits `nothing`. */
export function sample(r: Rng, node: RegexNode): string | undefined {
  switch (node.kind) {
    case 'empty':
    case 'anchor':
      return '';
    case 'nothing':
    case 'bytes':
      return undefined;
    case 'chars': {
      const set = node.set;
      const candidates = ALPHABET.filter((ch) => set.has(ch.codePointAt(0)!));
      if (candidates.length > 0 && r() < 0.8) return pick(r, candidates);
      for (let tries = 0; tries < 8; tries++) {
        const i = int(r, 0, set.rangeCount - 1);
        const cp = int(r, set.lo(i), Math.min(set.hi(i), set.lo(i) + 300));
        if (cp < 0xd800 || cp > 0xdfff) return String.fromCodePoint(cp);
      }
      return undefined;
    }
    case 'concat': {
      let out = '';
      for (const item of node.items) {
        const s = sample(r, item);
        if (s === undefined) return undefined;
        out += s;
      }
      return out;
    }
    case 'alt':
      return sample(r, pick(r, node.items));
    case 'repeat': {
      const n = int(r, node.min, Math.min(node.max, node.min + 3));
      let out = '';
      for (let i = 0; i < n; i++) {
        const s = sample(r, node.item);
        if (s === undefined) return undefined;
        out += s;
      }
      return out;
    }
  }
}

/** Random edits (insert, delete, replace a code point), biased towards few. */
export function mutate(r: Rng, s: string): string {
  const cps = [...s];
  const edits = r() < 0.4 ? 0 : int(r, 1, 2);
  for (let e = 0; e < edits; e++) {
    const at = int(r, 0, cps.length);
    const kind = r();
    if (kind < 0.4) cps.splice(at, 0, pick(r, ALPHABET));
    else if (kind < 0.7 && cps.length > 0) cps.splice(Math.min(at, cps.length - 1), 1);
    else if (cps.length > 0) cps[Math.min(at, cps.length - 1)] = pick(r, ALPHABET);
  }
  return cps.join('');
}

export function randomString(r: Rng, maxLength: number): string {
  let out = '';
  const n = int(r, 0, maxLength);
  for (let i = 0; i < n; i++) out += pick(r, ALPHABET);
  return out;
}
