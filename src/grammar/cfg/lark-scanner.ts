import { createToken, Lexer, type TokenType } from 'chevrotain';
import { TokenWriter, type SourceScan } from './token-writer.js';

/**
 * The Lark subset's tokens, and a hand-written scanner that cuts source text into them for the
 * chevrotain parser in lark.ts.
 *
 * As in gbnf-scanner.ts: each token type's regex is the specification (at every offset the FIRST type
 * of LARK_TOKEN_TYPES whose regex matches there wins, as chevrotain's Lexer decides), and the scanner
 * implements exactly that with a character-code loop, because building a chevrotain Lexer is a large
 * part of a first compile in a fresh process. lark-scanner.test.ts compares the two on random sources.
 */
export const Space = createToken({ name: 'Space', pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
export const Comment = createToken({ name: 'Comment', pattern: /\/\/[^\n]*/, group: Lexer.SKIPPED, line_breaks: true });
export const RuleHead = createToken({ name: 'RuleHead', pattern: /[?!]?_?[a-z][_a-z0-9]*(?:\.-?\d+)?[ \t]*:/, line_breaks: false });
export const TermHead = createToken({ name: 'TermHead', pattern: /_?[A-Z][_A-Z0-9]*(?:\.-?\d+)?[ \t]*:/, line_breaks: false });
export const Directive = createToken({ name: 'Directive', pattern: /%[a-z]+/, line_breaks: false });
export const Arrow = createToken({ name: 'Arrow', pattern: /->/, line_breaks: false });
export const RuleName = createToken({ name: 'RuleName', pattern: /_?[a-z][_a-z0-9]*/, line_breaks: false });
export const TermName = createToken({ name: 'TermName', pattern: /_?[A-Z][_A-Z0-9]*/, line_breaks: false });
export const Str = createToken({ name: 'Str', pattern: /"(?:[^"\\\n]|\\.)*"i?/, line_breaks: true });
export const Regexp = createToken({ name: 'Regexp', pattern: /\/(?!\/)(?:\\.|[^/\\\n])+\/[a-z]*/, line_breaks: true });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./, line_breaks: false });
export const Dot = createToken({ name: 'Dot', pattern: /\./, line_breaks: false });
export const Num = createToken({ name: 'Num', pattern: /\d+/, line_breaks: false });
export const Pipe = createToken({ name: 'Pipe', pattern: /\|/, line_breaks: false });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, line_breaks: false });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, line_breaks: false });
export const LBrack = createToken({ name: 'LBrack', pattern: /\[/, line_breaks: false });
export const RBrack = createToken({ name: 'RBrack', pattern: /\]/, line_breaks: false });
export const Star = createToken({ name: 'Star', pattern: /\*/, line_breaks: false });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, line_breaks: false });
export const Question = createToken({ name: 'Question', pattern: /\?/, line_breaks: false });
export const Tilde = createToken({ name: 'Tilde', pattern: /~/, line_breaks: false });
export const Comma = createToken({ name: 'Comma', pattern: /,/, line_breaks: false });

/** In match-priority order (chevrotain's Lexer takes the first type that matches). */
export const LARK_TOKEN_TYPES: TokenType[] = [
  Space, Comment, RuleHead, TermHead, Directive, Arrow, RuleName, TermName, Str, Regexp,
  DotDot, Dot, Num, Pipe, LParen, RParen, LBrack, RBrack, Star, Plus, Question, Tilde, Comma,
];

const SINGLE: (TokenType | undefined)[] = [];
SINGLE[0x7c] = Pipe;
SINGLE[0x28] = LParen;
SINGLE[0x29] = RParen;
SINGLE[0x5b] = LBrack;
SINGLE[0x5d] = RBrack;
SINGLE[0x2a] = Star;
SINGLE[0x2b] = Plus;
SINGLE[0x7e] = Tilde;
SINGLE[0x2c] = Comma;

/** Cuts `source` into Lark tokens; stops at the first character no token matches. */
export function scanLark(source: string): SourceScan {
  const writer = new TokenWriter(source);
  let offset = 0;
  while (offset < source.length) {
    const skipped = skippedEnd(source, offset);
    if (skipped >= 0) {
      writer.pass(offset, skipped);
      offset = skipped;
      continue;
    }
    const match = tokenAt(source, offset);
    if (match === null) return writer.result({ offset, length: resync(source, offset) - offset });
    writer.push(match.type, offset, match.end);
    offset = match.end;
  }
  return writer.result();
}

/** End of the Space or Comment run at `offset`, or -1. */
function skippedEnd(source: string, offset: number): number {
  if (isSpace(source.charCodeAt(offset))) {
    let i = offset + 1;
    while (i < source.length && isSpace(source.charCodeAt(i))) i++;
    return i;
  }
  if (source.charCodeAt(offset) === 0x2f && source.charCodeAt(offset + 1) === 0x2f) {
    let i = offset + 2;
    while (i < source.length && source.charCodeAt(i) !== 0x0a) i++;
    return i;
  }
  return -1;
}

/** The non-skipped token at `offset` (the first type in LARK_TOKEN_TYPES order that matches), or null. */
function tokenAt(source: string, offset: number): { type: TokenType; end: number } | null {
  const c = source.charCodeAt(offset);
  const single = SINGLE[c];
  if (single !== undefined) return { type: single, end: offset + 1 };
  // RuleHead, TermHead, then RuleName, TermName.
  const lowerName = nameEnd(source, offset, false);
  const upperName = lowerName < 0 ? nameEnd(source, offset, true) : -1;
  if (c === 0x3f || c === 0x21) {
    // `?rule:` and `!rule:` heads; otherwise `?` is Question and `!` matches nothing.
    const prefixed = nameEnd(source, offset + 1, false);
    const head = prefixed < 0 ? -1 : headEnd(source, prefixed);
    if (head >= 0) return { type: RuleHead, end: head };
    return c === 0x3f ? { type: Question, end: offset + 1 } : null;
  }
  if (lowerName >= 0) {
    const head = headEnd(source, lowerName);
    return head >= 0 ? { type: RuleHead, end: head } : { type: RuleName, end: lowerName };
  }
  if (upperName >= 0) {
    const head = headEnd(source, upperName);
    return head >= 0 ? { type: TermHead, end: head } : { type: TermName, end: upperName };
  }
  switch (c) {
    case 0x25: {
      // %directive
      let i = offset + 1;
      while (isLower(source.charCodeAt(i))) i++;
      return i > offset + 1 ? { type: Directive, end: i } : null;
    }
    case 0x2d: // ->
      return source.charCodeAt(offset + 1) === 0x3e ? { type: Arrow, end: offset + 2 } : null;
    case 0x22: {
      const end = stringEnd(source, offset);
      return end < 0 ? null : { type: Str, end };
    }
    case 0x2f: {
      const end = regexpEnd(source, offset);
      return end < 0 ? null : { type: Regexp, end };
    }
    case 0x2e:
      return source.charCodeAt(offset + 1) === 0x2e ? { type: DotDot, end: offset + 2 } : { type: Dot, end: offset + 1 };
    default: {
      let i = offset;
      while (isDigit(source.charCodeAt(i))) i++;
      return i > offset ? { type: Num, end: i } : null;
    }
  }
}

/** End of `_?[a-z][_a-z0-9]*` (or the upper-case form) at `offset`, or -1. */
function nameEnd(source: string, offset: number, upper: boolean): number {
  let i = offset;
  if (source.charCodeAt(i) === 0x5f) i++;
  const first = source.charCodeAt(i);
  if (!(upper ? isUpper(first) : isLower(first))) return -1;
  i++;
  for (;;) {
    const c = source.charCodeAt(i);
    if (c === 0x5f || isDigit(c) || (upper ? isUpper(c) : isLower(c))) i++;
    else return i;
  }
}

/** After a name: end of `(?:\.-?\d+)?[ \t]*:`, or -1. */
function headEnd(source: string, from: number): number {
  if (source.charCodeAt(from) === 0x2e) {
    let j = from + 1;
    if (source.charCodeAt(j) === 0x2d) j++;
    const digits = j;
    while (isDigit(source.charCodeAt(j))) j++;
    if (j > digits) {
      const end = colonEnd(source, j);
      if (end >= 0) return end;
    }
  }
  return colonEnd(source, from);
}

function colonEnd(source: string, from: number): number {
  let i = from;
  while (source.charCodeAt(i) === 0x20 || source.charCodeAt(i) === 0x09) i++;
  return source.charCodeAt(i) === 0x3a ? i + 1 : -1;
}

/** `"(?:[^"\\\n]|\\.)*"i?`: `.` is any character but a line terminator. */
function stringEnd(source: string, offset: number): number {
  const close = closingAt(source, offset, 0x22);
  if (close < 0) return -1;
  return source.charCodeAt(close + 1) === 0x69 ? close + 2 : close + 1;
}

/** `\/(?!\/)(?:\\.|[^/\\\n])+\/[a-z]*`. */
function regexpEnd(source: string, offset: number): number {
  const close = closingAt(source, offset, 0x2f);
  if (close < 0 || close === offset + 1) return -1;
  let j = close + 1;
  while (isLower(source.charCodeAt(j))) j++;
  return j;
}

/**
 * The offset of the `close` character ending the run opened at `offset` (a string's quote, a regexp's
 * slash), skipping backslash escapes; -1 when a newline or the end of the source comes first.
 */
function closingAt(source: string, offset: number, close: number): number {
  for (let i = offset + 1; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === close) return i;
    if (c === 0x0a) return -1;
    if (c === 0x5c) {
      if (i + 1 >= source.length || isLineTerminator(source.charCodeAt(i + 1))) return -1;
      i++;
    }
  }
  return -1;
}

/** The first offset after `offset` where some token (skipped ones included) matches. */
function resync(source: string, offset: number): number {
  let i = offset + 1;
  while (i < source.length && skippedEnd(source, i) < 0 && tokenAt(source, i) === null) i++;
  return i;
}

function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** What `.` does not match: \n, \r, U+2028, U+2029. */
function isLineTerminator(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;
}

/** ECMAScript `\s`: WhiteSpace and LineTerminator code units. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}
