import { Lexer, type IToken } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { FormworkError, GrammarError } from '../../../src/errors.js';
import { formatGrammarIR, parseLark } from '../../../src/grammar/cfg/index.js';
import { parseLarkReference } from '../../../src/grammar/cfg/lark.js';
import { LARK_TOKEN_TYPES, scanLark } from '../../../src/grammar/cfg/lark-scanner.js';
import { rng } from '../../support/seeded-rng.js';
import { grammarErrorOf } from './grammar-error-of.js';

/** The specification of the scanner: chevrotain's Lexer over the token types' regexes. */
const reference = new Lexer(LARK_TOKEN_TYPES, { positionTracking: 'full' });

function view(tokens: readonly IToken[], lines: boolean) {
  return tokens.map((t) => [t.tokenType.name, t.image, t.startOffset, t.endOffset, ...(lines ? [t.startLine, t.startColumn] : [])]);
}

const FRAGMENTS = [
  'a', 'b_1', '_x', '__', 'FOO', '_B2', 'aB', ' ', '\t', '\n', '\r', '\u2028', '\u00a0', '\u3000', '\ufeff', ':', '.', '..', '.2', '.-1',
  '?', '!', '%', '%ignore', '%X', '-', '->', '>', '"', '\\', '\\"', 'i', '/', '//', '/a/', '/\\//i', '"s"', '"t"i', '0', '42', '|',
  '(', ')', '[', ']', '*', '+', '~', ',', '@', 'é', '😀', '#',
];

describe('Lark scanner', () => {
  it('cuts random sources exactly as a chevrotain Lexer over the token regexes, lexing errors included', () => {
    const random = rng(11);
    let errors = 0;
    for (let n = 0; n < 4000; n++) {
      let source = '';
      const length = 1 + Math.floor(random() * 8);
      for (let i = 0; i < length; i++) source += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
      const expected = reference.tokenize(source);
      const actual = scanLark(source);
      const firstError = expected.errors[0];
      const before = firstError ? expected.tokens.filter((t) => t.startOffset < firstError.offset) : expected.tokens;
      // Lines agree where \n is the only line break (chevrotain also counts a lone \r).
      const lines = !/[\r\u2028\u2029]/.test(source);
      expect(view(actual.tokens, lines), JSON.stringify(source)).toEqual(view(before, lines));
      expect(actual.error, JSON.stringify(source)).toEqual(firstError ? { offset: firstError.offset, length: firstError.length } : undefined);
      if (firstError) errors++;
    }
    expect(errors).toBeGreaterThan(500);
    expect(errors).toBeLessThan(3500);
  });

  it('reads heads with priorities, inline flags and ranges', () => {
    const { tokens, error } = scanLark('?start.2 : "a".."z"i\nNUM.-1: /[0-9]+/i // digits\n%import common.WS');
    expect(error).toBeUndefined();
    expect(tokens.map((t) => `${t.tokenType.name}:${t.image}@${t.startLine}:${t.startColumn}`)).toEqual([
      '?start.2 :@1:1', 'Str:"a"@1:12', 'DotDot:..@1:15', 'Str:"z"i@1:17',
      'TermHead:NUM.-1:@2:1', 'Regexp:/[0-9]+/i@2:9', 'Directive:%import@3:1', 'RuleName:common@3:9', 'Dot:.@3:15', 'TermName:WS@3:16',
    ].map((s) => (s.startsWith('?') ? `RuleHead:${s}` : s)));
  });
});

describe('Lark lexing errors carry line:column and the definition', () => {
  const larkError = (source: string): GrammarError => grammarErrorOf(source, 'lark');

  it('unterminated regex, and a regex broken by a line break', () => {
    const e = larkError('start: x\nx: "a" /[0-9]+');
    expect([e.line, e.column, e.rule]).toEqual([2, 8, 'x']);
    expect(e.message).toContain('unterminated regex (no closing /)');
    const broken = larkError('start: /ab\nc/');
    expect([broken.line, broken.column, broken.rule]).toEqual([1, 8, 'start']);
  });

  it('unterminated string, and an escaped line break in a string', () => {
    const e = larkError('start: x\nX: "ab');
    expect([e.line, e.column, e.rule]).toEqual([2, 4, 'X']);
    expect(e.message).toContain('unterminated string literal (no closing ")');
    expect(larkError('start: "a\\\nb"').column).toBe(8);
  });

  it('stray characters, reported as one run up to the next token', () => {
    const e = larkError('start: a\na: "x" @#$ "y"');
    expect([e.line, e.column, e.rule]).toEqual([2, 8, 'a']);
    expect(e.message).toMatch(/^test\.lark:2:8: unexpected character\(s\) "@#\$" \(in rule "a"\)$/);
  });
});

describe('Lark parser with LL(1) lookahead tables', () => {
  const SYNTAX = [
    '\nstart:', '\nx:', '\n?y.2:', '\nA:', '\nB.-1:', ' x', ' y', ' z', ' A', ' B', ' C', ' "a"', ' "b"i', ' /[0-9]+/', ' /a(/', ' "a".."z"',
    ' (', ' )', ' [', ' ]', ' |', '?', '*', '+', ' ~ 2', ' ~ 3..1', ' ~ 1..3', ' -> alias', '\n%ignore', '\n%import common.WS',
    '\n%import common (DIGIT, LETTER)', '\n%import common.NUMBER -> N', '\n%declare', ' .', ' ,', '\n',
  ];

  function outcome(parse: () => unknown): string {
    try {
      return formatGrammarIR(parse() as Parameters<typeof formatGrammarIR>[0]);
    } catch (e) {
      expect(e).toBeInstanceOf(FormworkError);
      return `error ${(e as Error).name} ${(e as Error).message}`;
    }
  }

  it("parses random sources exactly as chevrotain's LL(k) lookahead does, errors included", () => {
    const random = rng(5);
    let parsed = 0;
    for (let n = 0; n < 2000; n++) {
      let source = 'start:';
      const length = 1 + Math.floor(random() * 10);
      for (let i = 0; i < length; i++) source += SYNTAX[Math.floor(random() * SYNTAX.length)];
      const expected = outcome(() => parseLarkReference(source, { sourceName: 'r.lark' }));
      expect(outcome(() => parseLark(source, { sourceName: 'r.lark' })), JSON.stringify(source)).toBe(expected);
      if (!expected.startsWith('error')) parsed++;
    }
    expect(parsed).toBeGreaterThan(100);
    expect(parsed).toBeLessThan(1900);
  });
});
