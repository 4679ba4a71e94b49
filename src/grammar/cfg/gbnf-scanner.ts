import { createToken, Lexer, type TokenType } from 'chevrotain';
import { TokenWriter, type SourceScan } from './token-writer.js';

/**
 * GBNF's tokens, and a hand-written scanner that cuts source text into them for the chevrotain parser
 * in gbnf.ts.
 *
 * Each token type's regex is the specification: at every offset the FIRST type (in GBNF_TOKEN_TYPES
 * order) whose regex matches there wins, as chevrotain's Lexer decides. The scanner implements exactly
 * that with a character-code loop, because building a chevrotain Lexer costs more than all the rest of
 * a first compile in a fresh process (measured: ~8 ms of a ~25 ms first compile of json.gbnf). The test
 * gbnf-scanner.test.ts compares the scanner with a chevrotain Lexer built from these regexes on random
 * sources, errors included.
 */
export const RuleStart = createToken({ name: 'RuleStart', pattern: /[A-Za-z0-9_-]+[ \t]*::=/, line_breaks: false });
/** Tokens that can begin an item of a sequence. */
export const Atom = createToken({ name: 'Atom', pattern: Lexer.NA });
export const Name = createToken({ name: 'Name', pattern: /[A-Za-z0-9_-]+/, line_breaks: false, categories: [Atom] });
export const Literal = createToken({ name: 'Literal', pattern: /"(?:[^"\\]|\\[\s\S])*"/, line_breaks: true, categories: [Atom] });
export const CharClass = createToken({ name: 'CharClass', pattern: /\[(?:[^\]\\]|\\[\s\S])*\]/, line_breaks: true, categories: [Atom] });
export const TokenRef = createToken({ name: 'TokenRef', pattern: /!?<[^>\n]*>/, line_breaks: true, categories: [Atom] });
export const AnyChar = createToken({ name: 'AnyChar', pattern: /\./, line_breaks: false, categories: [Atom] });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, line_breaks: false });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, line_breaks: false });
export const Pipe = createToken({ name: 'Pipe', pattern: /\|/, line_breaks: false });
/** Repetition operators that follow an item. */
export const Postfix = createToken({ name: 'Postfix', pattern: Lexer.NA });
export const Star = createToken({ name: 'Star', pattern: /\*/, line_breaks: false, categories: [Postfix] });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, line_breaks: false, categories: [Postfix] });
export const Question = createToken({ name: 'Question', pattern: /\?/, line_breaks: false, categories: [Postfix] });
export const Braces = createToken({ name: 'Braces', pattern: /\{[^}\n]*\}/, line_breaks: true, categories: [Postfix] });
export const Space = createToken({ name: 'Space', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED, line_breaks: true });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: Lexer.SKIPPED, line_breaks: false });

/** In match-priority order (chevrotain's Lexer takes the first type that matches). */
export const GBNF_TOKEN_TYPES: TokenType[] = [
  Space, Comment, RuleStart, Name, Literal, CharClass, TokenRef, AnyChar,
  LParen, RParen, Pipe, Star, Plus, Question, Braces, Atom, Postfix,
];

const SINGLE: (TokenType | undefined)[] = [];
SINGLE[0x2e] = AnyChar;
SINGLE[0x28] = LParen;
SINGLE[0x29] = RParen;
SINGLE[0x7c] = Pipe;
SINGLE[0x2a] = Star;
SINGLE[0x2b] = Plus;
SINGLE[0x3f] = Question;

/** Cuts `source` into GBNF tokens; stops at the first character no token matches. */
export function scanGbnf(source: string): SourceScan {
  const writer = new TokenWriter(source);
  const length = source.length;
  let offset = 0;
  while (offset < length) {
    const c = source.charCodeAt(offset);
    let end: number;
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) end = offset + 1;
    else if (c === 0x23) end = skipComment(source, offset);
    else {
      end = tokenEnd(source, offset);
      if (end < 0) return writer.result({ offset, length: resync(source, offset) - offset });
      let type = SINGLE[c];
      if (type === undefined) {
        if (isNameChar(c)) type = source.charCodeAt(end - 1) === 0x3d ? RuleStart : Name;
        else if (c === 0x22) type = Literal;
        else if (c === 0x5b) type = CharClass;
        else if (c === 0x7b) type = Braces;
        else type = TokenRef;
      }
      // Literals and classes may span lines: push counts their line breaks.
      writer.push(type, offset, end);
      offset = end;
      continue;
    }
    writer.pass(offset, end);
    offset = end;
  }
  return writer.result();
}

/**
 * End (exclusive) of the non-skipped token that starts at `offset`, or -1 where none matches. Names
 * followed by optional blanks and `::=` are rule starts (RuleStart precedes Name).
 */
function tokenEnd(source: string, offset: number): number {
  const c = source.charCodeAt(offset);
  if (SINGLE[c] !== undefined) return offset + 1;
  if (isNameChar(c)) {
    let i = offset + 1;
    while (i < source.length && isNameChar(source.charCodeAt(i))) i++;
    let j = i;
    while (source.charCodeAt(j) === 0x20 || source.charCodeAt(j) === 0x09) j++;
    return source.startsWith('::=', j) ? j + 3 : i;
  }
  switch (c) {
    case 0x22: // "..."
      return quotedEnd(source, offset, 0x22);
    case 0x5b: // [...]
      return quotedEnd(source, offset, 0x5d);
    case 0x7b: // {...} on one line
      return closedOnLineEnd(source, offset + 1, 0x7d);
    case 0x3c: // <...> on one line
      return closedOnLineEnd(source, offset + 1, 0x3e);
    case 0x21: // !<...>
      return source.charCodeAt(offset + 1) === 0x3c ? closedOnLineEnd(source, offset + 2, 0x3e) : -1;
    default:
      return -1;
  }
}

/** `open (?:[^close\\]|\\[\s\S])* close`: a backslash escapes any character, line breaks included. */
function quotedEnd(source: string, offset: number, close: number): number {
  for (let i = offset + 1; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === close) return i + 1;
    if (c === 0x5c) i++;
  }
  return -1;
}

/** `[^close\n]* close` from `from`. */
function closedOnLineEnd(source: string, from: number, close: number): number {
  for (let i = from; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === close) return i + 1;
    if (c === 0x0a) return -1;
  }
  return -1;
}

function skipComment(source: string, offset: number): number {
  let i = offset + 1;
  while (i < source.length) {
    const c = source.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) break;
    i++;
  }
  return i;
}

/** The first offset after `offset` where some token (skipped ones included) matches. */
function resync(source: string, offset: number): number {
  let i = offset + 1;
  while (i < source.length) {
    const c = source.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0x23 || tokenEnd(source, i) >= 0) break;
    i++;
  }
  return i;
}

function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
}
