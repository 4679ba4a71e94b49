import { LimitError, RegexError } from '../../errors.js';
import { caseClosure } from './case-folding.js';
import { CodePointSet } from './code-point-set.js';
import { altNode, concatNode, repeatNode, type RegexNode, type WordBoundaryNode } from './regex-node.js';
import type { RegexOptions } from './regex-options.js';
import { unicodePropertyComplement, unicodePropertySet } from './unicode-property.js';

/**
 * The ECMAScript (ECMA-262 §22.2) pattern dialect, as JSON Schema `pattern` uses it, parsed into a
 * RegexNode. Flags are applied while parsing ('i' closes every set under case folding, 's' widens
 * `.`), so the tree carries no flags.
 *
 * Syntax follows the engine exactly in Unicode mode ('u': strict) and follows Annex B without it
 * (`]`, `{`, `}` as literals, `\c` and octal quirks, identity escapes). Matching is always over code
 * points, as in Unicode mode: without 'u', JavaScript would see an astral character as two
 * surrogates, which no UTF-8 text contains, so code points are the only meaning that fits bytes.
 *
 * Constructs no finite automaton can match (back-references) and lookaround throw RegexError naming
 * the construct and its position; so do malformed patterns. Word boundaries (`\b`, `\B`) have no
 * RegexNode form either, so parseRegex rejects them too, but compileRegex on the pattern text
 * compiles them (and lookahead at the edges of a pattern: lookaround.ts).
 */

const MAX_GROUP_DEPTH = 1_000;

export interface RegexFlags {
  ignoreCase: boolean;
  dotAll: boolean;
  unicode: boolean;
}

/** Validates a flags string ('i', 's', 'u' used; 'g', 'd' ignored; others rejected). */
export function parseFlags(flags: string | undefined, pattern: string): RegexFlags {
  const result: RegexFlags = { ignoreCase: false, dotAll: false, unicode: false };
  const seen = new Set<string>();
  for (const f of flags ?? '') {
    const fail = (why: string): never => {
      throw new RegexError(`flag "${f}": ${why}`, { pattern, position: pattern.length, construct: `flag ${f}` });
    };
    if (seen.has(f)) fail('given twice');
    seen.add(f);
    switch (f) {
      case 'i':
        result.ignoreCase = true;
        break;
      case 's':
        result.dotAll = true;
        break;
      case 'u':
        result.unicode = true;
        break;
      case 'g':
      case 'd':
        break;
      case 'm':
        fail('multiline mode is not supported (^ and $ match only at the ends of the input)');
        break;
      case 'y':
        fail('sticky mode is not supported (use semantics "full" or a leading ^)');
        break;
      case 'v':
        fail('unicodeSets mode is not supported (use "u")');
        break;
      default:
        fail('unknown flag');
    }
  }
  return result;
}

/** Parses an ECMAScript pattern (without slashes) into a RegexNode; throws RegexError. */
export function parseRegex(pattern: string, options: RegexOptions = {}): RegexNode {
  return new RegexParser(pattern, parseFlags(options.flags, pattern), 0, pattern.length, false).parse();
}

/**
 * Parses `pattern.slice(start, end)` as a pattern of its own, with errors positioned in `pattern` and
 * Annex B decisions (`\2`: back-reference or octal?) taken over the whole pattern (lookaround.ts).
 * With `wordBoundaries`, `\b` and `\B` become WordBoundaryNodes instead of errors.
 */
export function parseRegexSlice(
  pattern: string,
  start: number,
  end: number,
  options: RegexOptions,
  wordBoundaries: boolean,
): RegexNode {
  return new RegexParser(pattern, parseFlags(options.flags, pattern), start, end, wordBoundaries).parse();
}

const LINE_TERMINATORS = CodePointSet.fromCodePoints([0x0a, 0x0d, 0x2028, 0x2029]);
const DOT = LINE_TERMINATORS.complement();
const DIGITS = CodePointSet.range(0x30, 0x39);
const WORD = CodePointSet.fromRanges([
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
]);
/** WhiteSpace and LineTerminator of ECMA-262 (what \s matches). */
const SPACE = CodePointSet.fromRanges([
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
]);
const NOT_DIGITS = DIGITS.complement();
const NOT_SPACE = SPACE.complement();
const NOT_WORD = WORD.complement();
/** Under 'iu', \w also matches ſ and K (they fold to s and k), and \W excludes them. */
let wordIgnoreCase: CodePointSet | undefined;

const SYNTAX_CHARACTERS = '^$\\.*+?()[]{}|/';

interface ClassAtom {
  set: CodePointSet;
  /** The code point when the atom is a single character (may be a range bound). */
  single: number | undefined;
}

class RegexParser {
  private pos = 0;
  private depth = 0;
  private readonly groupCount: number;
  private readonly hasNamedGroups: boolean;
  private readonly names = new Set<string>();
  private ignoreCase: boolean;
  private dotAll: boolean;
  private readonly unicode: boolean;

  /** The pattern up to the end of the part being parsed (parsing starts at `start`). */
  private readonly src: string;

  constructor(
    private readonly pattern: string,
    flags: RegexFlags,
    start: number,
    end: number,
    private readonly wordBoundaries: boolean,
  ) {
    this.src = pattern.slice(0, end);
    this.pos = start;
    this.ignoreCase = flags.ignoreCase;
    this.dotAll = flags.dotAll;
    this.unicode = flags.unicode;
    const { groups, named } = countGroups(pattern);
    this.groupCount = groups;
    this.hasNamedGroups = named;
  }

  parse(): RegexNode {
    const node = this.disjunction();
    if (this.pos < this.src.length) {
      // disjunction() stops only at ')' or the end.
      this.fail("unmatched ')'", this.pos);
    }
    return node;
  }

  private fail(message: string, position: number, construct?: string): never {
    throw new RegexError(message, { pattern: this.pattern, position, construct });
  }

  private unsupported(construct: string, position: number, why: string): never {
    this.fail(`${construct} is not supported (${why})`, position, construct);
  }

  private disjunction(): RegexNode {
    const alternatives = [this.alternative()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      alternatives.push(this.alternative());
    }
    return alternatives.length === 1 ? alternatives[0] : altNode(alternatives);
  }

  private alternative(): RegexNode {
    const items: RegexNode[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      items.push(this.term());
    }
    return concatNode(items);
  }

  private term(): RegexNode {
    const start = this.pos;
    const c = this.src[start];
    switch (c) {
      case '^':
      case '$':
        this.pos++;
        if (this.quantifierAhead()) this.fail('nothing to repeat (an assertion cannot be quantified)', this.pos);
        return { kind: 'anchor', which: c === '^' ? 'start' : 'end' };
      case '(':
        return this.quantified(this.group());
      case '[':
        return this.quantified({ kind: 'chars', set: this.characterClass() });
      case '.':
        this.pos++;
        return this.quantified({ kind: 'chars', set: this.fold(this.dotAll ? CodePointSet.all() : DOT) });
      case '\\':
        if (this.src[start + 1] === 'b' || this.src[start + 1] === 'B') return this.wordBoundary();
        return this.quantified(this.atomEscape());
      case '*':
      case '+':
      case '?':
        return this.fail('nothing to repeat', start);
      case '{':
        if (this.unicode || this.bracesQuantifier() !== undefined) {
          return this.fail(this.unicode ? 'lone quantifier brackets' : 'nothing to repeat', start);
        }
        break;
      case '}':
      case ']':
        if (this.unicode) this.fail('lone quantifier brackets', start);
        break;
    }
    const cp = this.src.codePointAt(start)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return this.quantified({ kind: 'chars', set: this.fold(CodePointSet.single(cp)) });
  }

  /** `\b` / `\B`; this.pos at the backslash. */
  private wordBoundary(): RegexNode {
    const start = this.pos;
    const negated = this.src[start + 1] === 'B';
    const construct = negated ? 'non-word boundary \\B' : 'word boundary \\b';
    if (!this.wordBoundaries) this.unsupported(construct, start, 'use compileRegex on the pattern text');
    if (this.ignoreCase) this.unsupported(`${construct} with flag i`, start, 'under i, ſ and K are word characters too');
    this.pos += 2;
    if (this.quantifierAhead()) this.fail('nothing to repeat (an assertion cannot be quantified)', this.pos);
    const node: WordBoundaryNode = { kind: 'word-boundary', negated };
    return node as unknown as RegexNode;
  }

  /** A group: capturing, named, non-capturing or with modifiers; lookaround throws. */
  private group(): RegexNode {
    const start = this.pos;
    const src = this.src;
    if (src.startsWith('(?=', start) || src.startsWith('(?!', start)) {
      this.unsupported('lookahead', start, 'no finite automaton can match assertions about the text ahead');
    }
    if (src.startsWith('(?<=', start) || src.startsWith('(?<!', start)) {
      this.unsupported('lookbehind', start, 'no finite automaton can match assertions about the text behind');
    }
    const saved = { ignoreCase: this.ignoreCase, dotAll: this.dotAll };
    if (src.startsWith('(?:', start)) {
      this.pos += 3;
    } else if (src.startsWith('(?<', start)) {
      this.pos += 3;
      this.groupName(start);
    } else if (src[start + 1] === '?') {
      this.pos += 2;
      this.modifiers(start);
    } else {
      this.pos++;
    }
    if (++this.depth > MAX_GROUP_DEPTH) {
      throw new LimitError(`regex groups nested deeper than ${MAX_GROUP_DEPTH} levels at position ${start} of /${this.pattern}/`, {
        limit: 'regex-depth',
      });
    }
    const inner = this.disjunction();
    this.depth--;
    if (src[this.pos] !== ')') this.fail('unterminated group', start);
    this.pos++;
    this.ignoreCase = saved.ignoreCase;
    this.dotAll = saved.dotAll;
    return inner;
  }

  private groupName(groupStart: number): void {
    const close = this.src.indexOf('>', this.pos);
    if (close < 0) this.fail('invalid capture group name', groupStart);
    const raw = this.src.slice(this.pos, close);
    const name = raw.replace(/\\u\{([0-9A-Fa-f]+)\}|\\u([0-9A-Fa-f]{4})/g, (_, a: string | undefined, b: string | undefined) => {
      const cp = parseInt(a ?? b!, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : '\\';
    });
    if (!/^[$_\p{ID_Start}][$\u200c\u200d\p{ID_Continue}]*$/u.test(name)) {
      this.fail('invalid capture group name', groupStart);
    }
    if (this.names.has(name)) this.fail(`duplicate capture group name "${name}"`, groupStart);
    this.names.add(name);
    this.pos = close + 1;
  }

  /** `(?ims-ims:` (ES2025 pattern modifiers); this.pos is after `(?`. Only i and s are supported. */
  private modifiers(groupStart: number): void {
    const m = /^([a-z]*)(?:-([a-z]*))?:/.exec(this.src.slice(this.pos, this.pos + 16));
    if (m === null) this.fail('invalid group', groupStart);
    const add = m[1];
    const remove = m[2] ?? '';
    if (m[2] !== undefined && add === '' && remove === '') this.fail('invalid regular expression modifiers', groupStart);
    const all = add + remove;
    for (const f of all) {
      if (f !== 'i' && f !== 's' && f !== 'm') this.fail('invalid regular expression modifiers', groupStart);
      if (all.indexOf(f) !== all.lastIndexOf(f)) this.fail('repeated flag in regular expression modifiers', groupStart);
      if (f === 'm') this.unsupported('modifier m', groupStart, 'multiline mode needs the previous character');
    }
    if (add.includes('i')) this.ignoreCase = true;
    if (add.includes('s')) this.dotAll = true;
    if (remove.includes('i')) this.ignoreCase = false;
    if (remove.includes('s')) this.dotAll = false;
    this.pos += m[0].length;
  }

  private quantifierAhead(): boolean {
    const c = this.src[this.pos];
    return c === '*' || c === '+' || c === '?' || (c === '{' && (this.unicode || this.bracesQuantifier() !== undefined));
  }

  /** Parses `{m}`, `{m,}`, `{m,n}` at this.pos without consuming; undefined when not one. */
  private bracesQuantifier(): { min: number; max: number; length: number } | undefined {
    const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 64));
    if (m === null) return undefined;
    const min = toCount(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : toCount(m[3]);
    return { min, max, length: m[0].length };
  }

  private quantified(atom: RegexNode): RegexNode {
    const at = this.pos;
    let min: number;
    let max: number;
    switch (this.src[at]) {
      case '*':
        [min, max] = [0, Infinity];
        this.pos++;
        break;
      case '+':
        [min, max] = [1, Infinity];
        this.pos++;
        break;
      case '?':
        [min, max] = [0, 1];
        this.pos++;
        break;
      case '{': {
        const q = this.bracesQuantifier();
        if (q === undefined) {
          if (this.unicode) this.fail('incomplete quantifier', at);
          return atom;
        }
        if (q.min > q.max) this.fail('numbers out of order in {} quantifier', at);
        [min, max] = [q.min, q.max];
        this.pos += q.length;
        break;
      }
      default:
        return atom;
    }
    // Lazy quantifiers match the same language.
    if (this.src[this.pos] === '?') this.pos++;
    return repeatNode(atom, min, max);
  }

  /** `\...` outside a class; this.pos is at the backslash. */
  private atomEscape(): RegexNode {
    const start = this.pos;
    const src = this.src;
    if (start + 1 >= src.length) this.fail('\\ at end of pattern', start);
    const c = src[start + 1];
    switch (c) {
      case 'k':
        if (this.unicode || this.hasNamedGroups) {
          if (/^\\k<[^>]+>/.test(src.slice(start, start + 256))) {
            this.unsupported('back-reference \\k<name>', start, 'back-references are not regular');
          }
          this.fail('invalid named reference', start);
        }
        break;
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
      case 'p':
      case 'P':
        if ((c === 'p' || c === 'P') && !this.unicode) break;
        return { kind: 'chars', set: this.fold(this.classEscape()) };
    }
    if (c >= '1' && c <= '9') {
      const digits = /^\d+/.exec(src.slice(start + 1))![0];
      const n = Number(digits);
      if (n <= this.groupCount) this.unsupported(`back-reference \\${digits}`, start, 'back-references are not regular');
      if (this.unicode) this.fail(`invalid escape \\${digits} (no such group)`, start);
    }
    this.pos++;
    const cp = this.characterEscape(false, start);
    return { kind: 'chars', set: this.fold(CodePointSet.single(cp)) };
  }

  /** \d \D \s \S \w \W \p{} \P{}; this.pos at the backslash. Unfolded except for \w/\W under 'i'. */
  private classEscape(): CodePointSet {
    const start = this.pos;
    const c = this.src[start + 1];
    this.pos += 2;
    switch (c) {
      case 'd':
        return DIGITS;
      case 'D':
        return NOT_DIGITS;
      case 's':
        return SPACE;
      case 'S':
        return NOT_SPACE;
      case 'w':
        return this.ignoreCase ? wordSetIgnoreCase() : WORD;
      case 'W':
        return this.ignoreCase ? wordSetIgnoreCase().complement() : NOT_WORD;
    }
    // \p{...} / \P{...}
    const close = this.src.indexOf('}', this.pos);
    if (this.src[this.pos] !== '{' || close < 0) this.fail('invalid property name', start);
    const body = this.src.slice(this.pos + 1, close);
    const set = c === 'P' ? unicodePropertyComplement(body) : unicodePropertySet(body);
    if (set === undefined) {
      this.fail(`invalid or unsupported Unicode property \\${c}{${body}}`, start, 'unicode property');
    }
    this.pos = close + 1;
    return set;
  }

  /**
   * A CharacterEscape after the backslash (this.pos is just past it); returns the code point.
   * `escapeStart` is the backslash position, for errors.
   */
  private characterEscape(inClass: boolean, escapeStart: number): number {
    const src = this.src;
    const c = src[this.pos];
    switch (c) {
      case 'f':
        this.pos++;
        return 0x0c;
      case 'n':
        this.pos++;
        return 0x0a;
      case 'r':
        this.pos++;
        return 0x0d;
      case 't':
        this.pos++;
        return 0x09;
      case 'v':
        this.pos++;
        return 0x0b;
      case 'c': {
        const next = src[this.pos + 1] ?? '';
        const ok = /^[A-Za-z]$/.test(next) || (inClass && !this.unicode && /^[0-9_]$/.test(next));
        if (ok) {
          this.pos += 2;
          return next.charCodeAt(0) % 32;
        }
        if (this.unicode) this.fail('invalid unicode escape \\c', escapeStart);
        // Annex B: the backslash is a literal and `c` is read next as an ordinary character.
        return 0x5c;
      }
      case 'x': {
        const m = /^[0-9A-Fa-f]{2}/.exec(src.slice(this.pos + 1, this.pos + 3));
        if (m !== null) {
          this.pos += 3;
          return parseInt(m[0], 16);
        }
        if (this.unicode) this.fail('invalid escape \\x', escapeStart);
        this.pos++;
        return 0x78;
      }
      case 'u':
        return this.unicodeEscape(escapeStart);
      case '0':
        if (!/[0-9]/.test(src[this.pos + 1] ?? '')) {
          this.pos++;
          return 0;
        }
        if (this.unicode) this.fail('invalid decimal escape', escapeStart);
        return this.legacyOctal();
    }
    if (c >= '1' && c <= '9') {
      if (this.unicode) this.fail(inClass ? 'invalid class escape' : 'invalid escape', escapeStart);
      if (c === '8' || c === '9') {
        this.pos++;
        return c.charCodeAt(0);
      }
      return this.legacyOctal();
    }
    const cp = src.codePointAt(this.pos)!;
    if (this.unicode) {
      if (!SYNTAX_CHARACTERS.includes(c) && !(inClass && c === '-')) this.fail('invalid escape', escapeStart);
    } else if (c === 'k' && this.hasNamedGroups) {
      this.fail('invalid escape \\k', escapeStart);
    }
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** Annex B octal escape: up to three octal digits, value at most 0o377. */
  private legacyOctal(): number {
    const m = /^[0-3][0-7]{0,2}|^[4-7][0-7]?/.exec(this.src.slice(this.pos, this.pos + 3))!;
    this.pos += m[0].length;
    return parseInt(m[0], 8);
  }

  /** `\u` escapes; this.pos at the `u`. A `\uD83D\uDE00` pair is one code point. */
  private unicodeEscape(escapeStart: number): number {
    const src = this.src;
    if (this.unicode && src[this.pos + 1] === '{') {
      const m = /^\{([0-9A-Fa-f]+)\}/.exec(src.slice(this.pos + 1, this.pos + 1 + 16));
      const cp = m === null ? Infinity : parseInt(m[1], 16);
      if (m === null || cp > 0x10ffff) this.fail('invalid unicode escape', escapeStart);
      this.pos += 1 + m[0].length;
      return cp;
    }
    const hex4 = (at: number): number | undefined => {
      const m = /^[0-9A-Fa-f]{4}/.exec(src.slice(at, at + 4));
      return m === null ? undefined : parseInt(m[0], 16);
    };
    const unit = hex4(this.pos + 1);
    if (unit === undefined) {
      if (this.unicode) this.fail('invalid unicode escape', escapeStart);
      this.pos++;
      return 0x75;
    }
    this.pos += 5;
    if (unit >= 0xd800 && unit <= 0xdbff && src.startsWith('\\u', this.pos)) {
      const trail = hex4(this.pos + 2);
      if (trail !== undefined && trail >= 0xdc00 && trail <= 0xdfff) {
        this.pos += 6;
        return 0x10000 + ((unit - 0xd800) << 10) + (trail - 0xdc00);
      }
    }
    return unit;
  }

  /** `[...]`; this.pos at `[`. Returns the matched set, case folding and negation applied. */
  private characterClass(): CodePointSet {
    const start = this.pos;
    const src = this.src;
    this.pos++;
    const negate = src[this.pos] === '^';
    if (negate) this.pos++;
    let set = CodePointSet.empty();
    while (true) {
      if (this.pos >= src.length) this.fail('unterminated character class', start);
      if (src[this.pos] === ']') {
        this.pos++;
        break;
      }
      const atomStart = this.pos;
      const a = this.classAtom();
      if (src[this.pos] === '-' && this.pos + 1 < src.length && src[this.pos + 1] !== ']') {
        this.pos++;
        const b = this.classAtom();
        if (a.single === undefined || b.single === undefined) {
          if (this.unicode) this.fail('invalid character class (a range bound is a class escape)', atomStart);
          set = set.union(a.set).union(CodePointSet.single(0x2d)).union(b.set);
          continue;
        }
        if (a.single > b.single) this.fail('range out of order in character class', atomStart);
        set = set.union(CodePointSet.range(a.single, b.single));
      } else {
        set = set.union(a.set);
      }
    }
    // ECMA-262 CharacterSetMatcher: under 'i' a character matches when its folding equals the folding
    // of a member, so the class is closed first and the negation taken afterwards.
    const folded = this.fold(set);
    return negate ? folded.complement() : folded;
  }

  private classAtom(): ClassAtom {
    const src = this.src;
    const start = this.pos;
    if (src[start] !== '\\') {
      const cp = src.codePointAt(start)!;
      this.pos += cp > 0xffff ? 2 : 1;
      return singleAtom(cp);
    }
    if (start + 1 >= src.length) this.fail('\\ at end of pattern', start);
    const c = src[start + 1];
    switch (c) {
      case 'b':
        this.pos += 2;
        return singleAtom(0x08);
      case '-':
        if (this.unicode) {
          this.pos += 2;
          return singleAtom(0x2d);
        }
        break;
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        return { set: this.classEscape(), single: undefined };
      case 'p':
      case 'P':
        if (this.unicode) return { set: this.classEscape(), single: undefined };
        break;
      case 'k':
        if (this.unicode || this.hasNamedGroups) this.fail('invalid class escape \\k', start);
        break;
    }
    this.pos++;
    return singleAtom(this.characterEscape(true, start));
  }

  /** Case closure under 'i' (ECMA-262 Canonicalize with Unicode simple case folding). */
  private fold(set: CodePointSet): CodePointSet {
    return this.ignoreCase ? caseClosure(set) : set;
  }
}

function singleAtom(cp: number): ClassAtom {
  return { set: CodePointSet.single(cp), single: cp };
}

function wordSetIgnoreCase(): CodePointSet {
  wordIgnoreCase ??= caseClosure(WORD);
  return wordIgnoreCase;
}

/** Quantifier bounds beyond 2^53 behave as "huge": the automaton budget rejects them anyway. */
function toCount(digits: string): number {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** Capturing groups in the whole pattern (Annex B decides `\N` by it) and whether any is named. */
function countGroups(src: string): { groups: number; named: boolean } {
  let groups = 0;
  let named = false;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      if (src[i + 1] !== '?') groups++;
      else if (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!') {
        groups++;
        named = true;
      }
    }
  }
  return { groups, named };
}
