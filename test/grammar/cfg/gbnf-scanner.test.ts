import { Lexer, type IToken } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { GrammarError } from '../../../src/errors.js';
import { formatGrammarIR, parseGbnf } from '../../../src/grammar/cfg/index.js';
import { parseGbnfReference } from '../../../src/grammar/cfg/gbnf.js';
import { GBNF_TOKEN_TYPES, scanGbnf } from '../../../src/grammar/cfg/gbnf-scanner.js';
import { rng } from '../../support/seeded-rng.js';
import { grammarErrorOf } from './grammar-error-of.js';

/** The specification of the scanner: chevrotain's Lexer over the token types' regexes. */
const reference = new Lexer(GBNF_TOKEN_TYPES, { positionTracking: 'full' });

function view(tokens: readonly IToken[], lines: boolean) {
  return tokens.map((t) => [t.tokenType.name, t.image, t.startOffset, t.endOffset, ...(lines ? [t.startLine, t.startColumn] : [])]);
}

/** Sources built from fragments that exercise every token, its near misses and the skipped runs. */
function randomSource(random: () => number, fragments: readonly string[], length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += fragments[Math.floor(random() * fragments.length)];
  return s;
}

const LEXICAL_FRAGMENTS = [
  'a', 'Z9', 'b_-1', ' ', '\t', '\n', '\r', '\r\n', '::=', ':', '=', '"', '\\', '\\"', '[', ']', '^', '<', '>', '!',
  '{', '}', ',', '2', '.', '(', ')', '|', '*', '+', '?', '#', '# c', '@', 'é', '😀', '\u000b', '"x"', '[a-z]', '{1,2}',
];

const SYNTAX_FRAGMENTS = [
  '\nroot ::=', '\na ::=', ' b ::=', ' a', ' b', ' c', ' "x"', ' "\\q"', ' "\\x4"', ' [a-z]', ' [z-a]', ' [^"]', ' .', ' (', ' )',
  ' |', '*', '+', '?', '{2,3}', '{3,1}', '{x}', '{,2}', ' <t>', ' !<u>', ' # note\n', '\n',
];

describe('GBNF scanner', () => {
  it("cuts random sources exactly as a chevrotain Lexer over the token regexes, lexing errors included", () => {
    const random = rng(20261126);
    let errors = 0;
    for (let n = 0; n < 3000; n++) {
      const source = randomSource(random, LEXICAL_FRAGMENTS, 1 + Math.floor(random() * 8));
      const expected = reference.tokenize(source);
      const actual = scanGbnf(source);
      const firstError = expected.errors[0];
      // The scanner stops at the first error; chevrotain goes on after resynchronising.
      const before = firstError ? expected.tokens.filter((t) => t.startOffset < firstError.offset) : expected.tokens;
      // Lines agree where \n is the only line break (chevrotain also counts a lone \r).
      const lines = !source.includes('\r');
      expect(view(actual.tokens, lines), JSON.stringify(source)).toEqual(view(before, lines));
      expect(actual.error, JSON.stringify(source)).toEqual(firstError ? { offset: firstError.offset, length: firstError.length } : undefined);
      if (firstError) errors++;
    }
    // Both outcomes are well represented.
    expect(errors).toBeGreaterThan(500);
    expect(errors).toBeLessThan(2500);
  });

  it('scans json.gbnf-like sources with positions on every line', () => {
    const { tokens, error } = scanGbnf('root ::= ws value\nws  ::=\n  [ \\t\\n]* # blanks\nvalue ::= "a\\"b" | x{2,}');
    expect(error).toBeUndefined();
    expect(tokens.map((t) => `${t.tokenType.name}@${t.startLine}:${t.startColumn}`)).toEqual([
      'RuleStart@1:1', 'Name@1:10', 'Name@1:13',
      'RuleStart@2:1', 'CharClass@3:3',
      'Star@3:10', 'RuleStart@4:1', 'Literal@4:11', 'Pipe@4:18', 'Name@4:20', 'Braces@4:21',
    ]);
  });
});

describe('GBNF parser with LL(1) lookahead tables', () => {
  function outcome(parse: () => unknown): string {
    try {
      const ir = parse();
      return formatGrammarIR(ir as Parameters<typeof formatGrammarIR>[0]);
    } catch (e) {
      expect(e).toBeInstanceOf(GrammarError);
      const g = e as GrammarError;
      return `error ${g.line}:${g.column} ${g.rule} ${g.message}`;
    }
  }

  it("parses random sources exactly as chevrotain's LL(k) lookahead does, errors included", () => {
    const random = rng(7);
    let parsed = 0;
    for (let n = 0; n < 2000; n++) {
      const source = 'root ::=' + randomSource(random, SYNTAX_FRAGMENTS, 1 + Math.floor(random() * 12));
      const expected = outcome(() => parseGbnfReference(source, { sourceName: 'r.gbnf' }));
      expect(outcome(() => parseGbnf(source, { sourceName: 'r.gbnf' })), JSON.stringify(source)).toBe(expected);
      if (!expected.startsWith('error')) parsed++;
    }
    expect(parsed).toBeGreaterThan(100);
    expect(parsed).toBeLessThan(1900);
  });
});

describe('GBNF lexing errors carry line:column and the rule', () => {
  const gbnfError = (source: string): GrammarError => grammarErrorOf(source, 'gbnf');

  it('bad escape in a character class', () => {
    const e = gbnfError('root ::= x\nx ::= "a"\n  [a\\qb]');
    expect([e.line, e.column, e.rule]).toEqual([3, 5, 'x']);
    expect(e.message).toContain('unknown escape \\q in character class');
  });

  it('unterminated string literal spanning lines', () => {
    const e = gbnfError('root ::= x\nx ::= "a" "b\n  c');
    expect([e.line, e.column, e.rule]).toEqual([2, 11, 'x']);
    expect(e.message).toContain('unterminated string literal (no closing ")');
  });

  it('unterminated character class ending in a backslash', () => {
    const e = gbnfError('root ::= "a"\nx ::= [ab\\');
    expect([e.line, e.column, e.rule]).toEqual([2, 7, 'x']);
    expect(e.message).toContain('unterminated character class (no closing ])');
  });

  it('unterminated repetition braces and token reference', () => {
    const braces = gbnfError('root ::= "a"{2,\n3}');
    expect([braces.line, braces.column, braces.rule]).toEqual([1, 13, 'root']);
    expect(braces.message).toContain('unexpected character(s) "{"');
    const ref = gbnfError('root ::= "a"\n  <think');
    expect([ref.line, ref.column, ref.rule]).toEqual([2, 3, 'root']);
    // The run ends where a token (the name `think`) could start.
    expect(ref.message).toContain('unexpected character(s) "<" (in rule "root")');
  });

  it('stray characters, reported as one run up to the next token', () => {
    const e = gbnfError('root ::= a\na ::= "x" @@= "y"');
    expect([e.line, e.column, e.rule]).toEqual([2, 11, 'a']);
    expect(e.message).toMatch(/^test\.gbnf:2:11: unexpected character\(s\) "@@=" \(in rule "a"\)$/);
    const bang = gbnfError('root ::= ! "x"');
    expect([bang.line, bang.column]).toEqual([1, 10]);
    expect(bang.message).toContain('unexpected character(s) "!"');
  });

  it('a stray character before the first rule names no rule', () => {
    const e = gbnfError('\n  ~ root ::= "a"');
    expect([e.line, e.column, e.rule]).toEqual([2, 3, undefined]);
  });
});
