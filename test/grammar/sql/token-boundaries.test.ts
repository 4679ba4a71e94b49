import { describe, expect, it } from 'vitest';
import { compileGrammar, compileGrammarIR, parseLark } from '../../../src/grammar/cfg/index.js';
import { separateTokens } from '../../../src/grammar/sql/index.js';

/** A grammar compiled as is (whitespace merely ignored) and through separateTokens (longest tokens). */
function both(source: string) {
  return { ignored: compileGrammar(source, { syntax: 'lark' }), separated: compileGrammarIR(separateTokens(parseLark(source))) };
}

describe('separateTokens', () => {
  const { ignored, separated } = both(String.raw`
start: item+
item: WORD | NUM | "(" | ")" | "-"
WORD: /[a-z]+/
NUM: /[0-9]+/
%ignore / +/
`);

  it.each([
    ['ab cd', true],
    ['abcd', true],
    ['ab(cd)', true],
    ['a 1', true],
    ['a1', false],
    ['12 3', true],
    ['- -', true],
    ['--', false],
    ['-(-)', true],
    ['  ab  ', true],
    ['', false],
  ])('%j: %s', (text, accepted) => {
    expect(separated.matches(text)).toBe(accepted);
  });

  it('differs from merely ignoring whitespace exactly where tokens would glue', () => {
    // With %ignore alone the lexer may cut `a1` into `a` and `1`, and `--` into two minus signs.
    expect(ignored.matches('a1')).toBe(true);
    expect(ignored.matches('--')).toBe(true);
    expect(separated.matches('a1')).toBe(false);
  });

  it('carries the class of the last token through rules that match nothing', () => {
    const { separated: g } = both(String.raw`
start: WORD empty WORD
empty: "x"?
WORD: /[a-w]+/
%ignore / +/
`);
    expect(g.matches('ab cd')).toBe(true);
    expect(g.matches('ab x cd')).toBe(true);
    expect(g.matches('abcd')).toBe(false);
    expect(g.matches('abxcd')).toBe(false);
  });

  it('refuses a lexeme whose first characters fall in different classes', () => {
    expect(() => separateTokens(parseLark('start: MIXED\nMIXED: /[a(]b/\n%ignore / +/'))).toThrow(/different classes/);
  });

  it('takes a given separator instead of the %ignore lexemes', () => {
    const g = compileGrammarIR(separateTokens(parseLark('start: WORD WORD\nWORD: /[a-z]+/\n%ignore / +/'), { separator: parseLark('start: S\nS: /_{1,2}/').lexemes[0].regex }));
    expect(g.matches('ab_cd')).toBe(true);
    expect(g.matches('ab__cd')).toBe(true);
    expect(g.matches('ab___cd')).toBe(false);
    expect(g.matches('ab cd')).toBe(false);
  });
});
