import { describe, expect, it } from 'vitest';
import { GrammarError, LimitError } from '../../../src/errors.js';
import { compileGrammar, formatGrammarIR, parseGbnf } from '../../../src/grammar/cfg/index.js';
import { checkGbnfDefinitions } from '../../../src/grammar/cfg/gbnf.js';
import { grammarErrorOf } from './grammar-error-of.js';

const gbnfError = (source: string): GrammarError => grammarErrorOf(source, 'gbnf');

describe('GBNF front-end', () => {
  it("passes chevrotain's definition checks, which the production build skips", () => {
    expect(() => checkGbnfDefinitions()).not.toThrow();
  });

  it('translates every construct into the IR (golden)', () => {
    const ir = parseGbnf(String.raw`# a comment line
root ::= "a\x41\u00e9\U0001F600\t\"" [^a-z\]-] . x{2,5} y{3} z{1,} w* v+ u? t{,2}
x ::= ("p" | "q") # trailing comment
y ::= | "e"
z ::= [a-]
w ::= "w"
v ::= [\x00-\x1F]
u ::=
  "multi"
  "line"
t ::= ""`);
    expect(formatGrammarIR(ir)).toBe(String.raw`%start root
root ::= /aA\u{E9}\u{1F600}\t"/ /[\u{0}-,.-\\\^-` + '`' + String.raw`{-\u{10FFFF}]/ /[\u{0}-\u{10FFFF}]/ x{2,5} y{3} z+ w* v+ u? t{0,2}
x ::= /p/ | /q/
y ::= "" | /e/
z ::= /[\-a]/
w ::= /w/
v ::= /[\u{0}-\u{1F}]/
u ::= /m/ /u/ /l/ /t/ /i/ /l/ /i/ /n/ /e/
t ::= ""
`.replace('/m/ /u/ /l/ /t/ /i/ /l/ /i/ /n/ /e/', '/multi/ /line/'));
  });

  it('keeps counted repetition counted in the IR', () => {
    const ir = parseGbnf('root ::= [0-9]{1000,2000}');
    expect(ir.rules[0].body).toMatchObject({ kind: 'repeat', min: 1000, max: 2000 });
  });

  it('compiles the regular parts of a character-level grammar into lexemes (golden)', () => {
    const g = compileGrammar(
      `root ::= "[" ws (item ("," ws item)*)? "]"
item ::= [a-z]+ ws | root
ws ::= [ ]*`,
      { syntax: 'gbnf' },
    );
    expect(formatGrammarIR(g.ir)).toBe(`%start root
%lexeme root#1 /\\[ */
%lexeme root#2 /, */
%lexeme /\\]/ /\\]/
%lexeme item#1 /[a-z]+ */
root ::= @root#1 (item (@root#2 item)*)? @/\\]/
item ::= @item#1 | root
`);
  });

  it('accepts exactly the language, whatever the lexeme cuts (nullable rules, ambiguity)', () => {
    // ws is nullable and can be cut anywhere: "a  b" has several derivations.
    const g = compileGrammar(
      `root ::= x ws x ws
x ::= "a" | "b" | "a" ws "b"
ws ::= " "*`,
      { syntax: 'gbnf' },
    );
    for (const [text, ok] of [
      ['ab', true],
      ['a b', true],
      ['a  b  ', true],
      ['a ba b', true],
      ['a b a b', true],
      ['aba', true],
      ['ab ab', true],
      ['aaa', false],
      ['bb a', false],
      [' a b', false],
      ['', false],
      ['a', false],
    ] as const) {
      expect(g.matches(text), text).toBe(ok);
    }
  });

  it('matches repetition bounds exactly', () => {
    const g = compileGrammar('root ::= "x"{2,4} y{3}\ny ::= "y" | "(" root ")"', { syntax: 'gbnf' });
    expect(g.matches('xxyyy')).toBe(true);
    expect(g.matches('xxxxyyy')).toBe(true);
    expect(g.matches('xyyy')).toBe(false);
    expect(g.matches('xxxxxyyy')).toBe(false);
    expect(g.matches('xxyy')).toBe(false);
    expect(g.matches('xxy(xxyyy)y')).toBe(true);
    expect(g.matches('xxy(xxyy)y')).toBe(false);
    const exact = compileGrammar('root ::= ("ab" | c){3}\nc ::= "c" c?', { syntax: 'gbnf' });
    expect(exact.matches('abcab')).toBe(true);
    expect(exact.matches('abccccab')).toBe(true);
    expect(exact.matches('abab')).toBe(false);
    expect(exact.matches('ababab')).toBe(true);
    expect(exact.matches('abababab')).toBe(false);
    const open = compileGrammar('root ::= r{2,}\nr ::= "(" r* ")"', { syntax: 'gbnf' });
    expect(open.matches('()')).toBe(false);
    expect(open.matches('()(())')).toBe(true);
    expect(open.matches('()()()(()())')).toBe(true);
  });

  it('handles large counted repetitions of rules without unrolling them by hand', () => {
    const g = compileGrammar('root ::= item{100,1000}\nitem ::= "(" item? ")"', { syntax: 'gbnf' });
    expect(g.matches('()'.repeat(100))).toBe(true);
    expect(g.matches('()'.repeat(99))).toBe(false);
    expect(g.matches('(())'.repeat(500))).toBe(true);
    expect(g.matches('()'.repeat(1000))).toBe(true);
    expect(g.matches('()'.repeat(1001))).toBe(false);
  });

  it('reads characters as code points: non-ASCII literals, classes and `.`', () => {
    const g = compileGrammar('root ::= "é" [α-ω]+ . "😀"', { syntax: 'gbnf' });
    expect(g.matches('éαβγ€😀')).toBe(true);
    expect(g.matches('éαx😀')).toBe(true);
    expect(g.matches('éx€😀')).toBe(false);
    expect(g.matches('éα😀😀')).toBe(true);
    // Not valid UTF-8: a lone continuation byte never matches `.`.
    expect(g.matches(Uint8Array.from([0xc3, 0xa9, 0xce, 0xb1, 0x80, 0xf0, 0x9f, 0x98, 0x80]))).toBe(false);
  });

  describe('errors carry line:column and the rule', () => {
    it('unknown escape', () => {
      const e = gbnfError('root ::= "a" b\nb ::= "x\\q"');
      expect([e.line, e.column, e.rule]).toEqual([2, 9, 'b']);
      expect(e.message).toMatch(/^test\.gbnf:2:9: unknown escape \\q/);
    });
    it('unclosed group', () => {
      const e = gbnfError('root ::= "a" (b\nb ::= "c"');
      expect([e.line, e.column, e.rule]).toEqual([2, 1, 'root']);
      expect(e.message).toContain('expected ")"');
    });
    it('unterminated literal and class', () => {
      expect([gbnfError('root ::= "abc').line, gbnfError('root ::= "abc').column]).toEqual([1, 10]);
      expect(gbnfError('root ::= "abc').message).toContain('unterminated string literal');
      expect(gbnfError('root ::= x\nx ::= [abc').message).toContain('unterminated character class');
      expect(gbnfError('root ::= x\nx ::= [abc').column).toBe(7);
    });
    it('bad repetition bounds', () => {
      const e = gbnfError('root ::= "a"\n  "b"{3,1}');
      expect([e.line, e.column]).toEqual([2, 6]);
      expect(gbnfError('root ::= "a"{x}').message).toContain('malformed repetition');
    });
    it('backwards range and bad hex escape', () => {
      expect(gbnfError('root ::= [z-a]').column).toBe(11);
      const e = gbnfError('root ::= "\\x4"');
      expect(e.column).toBe(11);
      expect(e.message).toContain('2 hex digits');
    });
    it('rule defined twice', () => {
      const e = gbnfError('root ::= "a"\nroot ::= "b"');
      expect([e.line, e.column, e.rule]).toEqual([2, 1, 'root']);
    });
    it('undefined rule', () => {
      const e = gbnfError('root ::= "a" b\nb ::= "x" c');
      expect([e.line, e.column, e.rule]).toEqual([2, 11, 'b']);
      expect(e.message).toContain('undefined rule "c"');
    });
    it('missing start rule', () => {
      const e = gbnfError('start ::= "a"');
      expect(e.message).toContain('unknown start rule "root"');
      expect(compileGrammar('start ::= "a"', { syntax: 'gbnf', start: 'start' }).matches('a')).toBe(true);
    });
    it('empty language', () => {
      const e = gbnfError('root ::= "a" root');
      expect(e.message).toContain('empty language');
      expect(e.rule).toBe('root');
    });
    it('token references are refused by name', () => {
      expect(gbnfError('root ::= <think> "x"').message).toContain('token references');
    });
  });

  it('fails with a LimitError past the grammar-size limit, not a crash', () => {
    // A fixed count of a rule costs O(log n) symbols (doubling); an optional range costs one per step.
    const x = 'x ::= "(" root? ")"';
    expect(compileGrammar(`root ::= x{3000}\n${x}`, { syntax: 'gbnf', limits: { maxGrammarSymbols: 1000 } }).matches('()'.repeat(3000))).toBe(true);
    expect(() => compileGrammar(`root ::= x{1,3000}\n${x}`, { syntax: 'gbnf', limits: { maxGrammarSymbols: 1000 } })).toThrow(LimitError);
    const deep = `root ::= ${'('.repeat(20000)}"a"${')'.repeat(20000)}`;
    expect(() => compileGrammar(deep, { syntax: 'gbnf' })).toThrow(LimitError);
  });
});
