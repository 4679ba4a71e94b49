import { describe, expect, it } from 'vitest';
import { GrammarError } from '../../../src/errors.js';
import { commonTerminals, compileGrammar, formatGrammarIR, parseLark } from '../../../src/grammar/cfg/index.js';
import { checkLarkDefinitions } from '../../../src/grammar/cfg/lark.js';
import { compileRegex, matches } from '../../../src/grammar/regex/index.js';
import { grammarErrorOf } from './grammar-error-of.js';

const larkError = (source: string): GrammarError => grammarErrorOf(source, 'lark');

const lark = (source: string) => compileGrammar(source, { syntax: 'lark' });

describe('Lark front-end', () => {
  it("passes chevrotain's definition checks, which the production build skips", () => {
    expect(() => checkLarkDefinitions()).not.toThrow();
  });

  it('translates rules, terminals, literals and directives into the IR (golden)', () => {
    const ir = parseLark(String.raw`// comment
start: a b+ [c] d ~ 3 e ~ 2..4 "x"i /y+/i
?a: "a".."c" | A
!b: B -> bee
c: "c"
d: "d" | COMMA
e: NAME
A.2: "k" "l"?
B: /[0-9]/+
COMMA: ","
%import common.CNAME -> NAME
%import common (WS, NUMBER)
%ignore WS
`);
    expect(formatGrammarIR(ir)).toBe(String.raw`%start start
%longest-match
%lexeme "x"i /[Xx]/
%lexeme /y+/i /[Yy]+/
%lexeme "a".."c" /[a-c]/
%lexeme A /kl?/ priority=2
%lexeme B /[0-9]+/
%lexeme "c" /c/ literal="c"
%lexeme "d" /d/ literal="d"
%lexeme COMMA /,/ literal=","
%lexeme NAME /[A-Z_a-z][0-9A-Z_a-z]*/
%lexeme WS /[\t-\n\u{C}-\r ]+/ ignore
start ::= a b+ c? d{3} e{2,4} @"x"i @/y+/i
a ::= @"a".."c" | @A
b ::= @B
c ::= @"c"
d ::= @"d" | @COMMA
e ::= @NAME
`);
  });

  it('a literal that a terminal defines exactly is that terminal', () => {
    const ir = parseLark('start: "," item\nitem: COMMA\nCOMMA: ","');
    expect(ir.lexemes.map((l) => l.name)).toEqual(['COMMA']);
  });

  it('%ignore lets ignored text appear between any lexemes, and at both ends', () => {
    const g = lark('start: "a" "b" NUMBER\n%import common.NUMBER\n%ignore " "\n%ignore /#[^\\n]*\\n/');
    expect(g.matches('ab1')).toBe(true);
    expect(g.matches('  a  b 1.5e3  ')).toBe(true);
    expect(g.matches('a #comment\n b 2')).toBe(true);
    expect(g.matches('a b 1 5')).toBe(false);
    expect(g.matches('a b 1. 5')).toBe(false);
    expect(g.matches('a\tb 1')).toBe(false);
  });

  it('a terminal both used and ignored works in both roles', () => {
    const g = lark('start: "a" SP "b"\nSP: " "\n%ignore SP');
    expect(g.matches('a b')).toBe(true);
    expect(g.matches('a   b')).toBe(true);
    expect(g.matches('ab')).toBe(false);
  });

  it("imports common's terminals with their exact languages", () => {
    const common = commonTerminals();
    const cases: [string, string[], string[]][] = [
      ['INT', ['0', '42', '007'], ['', '-1', '1.0']],
      ['SIGNED_INT', ['-3', '+4', '5'], ['--3', '+']],
      ['DECIMAL', ['1.5', '1.', '.5'], ['.', '1', '1.5e3']],
      ['NUMBER', ['1', '1.5', '1e10', '.5E-3', '2.'], ['e10', '-1', '1e']],
      ['SIGNED_NUMBER', ['-1.5e+3', '+2', '7'], ['-', '+-1']],
      ['ESCAPED_STRING', ['""', '"a\\"b"', '"\\\\"', '"é\\n"'], ['"a', '"a"b"', '"\\"', '"a\nb"']],
      ['CNAME', ['_x1', 'abc', 'A_B'], ['1a', '', 'a-b']],
      ['WORD', ['abc', 'XyZ'], ['a1', '']],
      ['WS', [' ', ' \t\r\n\f'], ['', 'a']],
      ['WS_INLINE', [' \t '], ['\n', '']],
      ['NEWLINE', ['\n', '\r\n\n'], ['\r', ' \n']],
      ['HEXDIGIT', ['a', 'F', '9'], ['g', 'ab']],
      ['C_COMMENT', ['/**/', '/* a * b */', '/*** x **/'], ['/* a */ b */', '/*/', '/* a']],
      ['CPP_COMMENT', ['// x', '//'], ['// x\n']],
      ['SH_COMMENT', ['# x'], ['# x\ny']],
      ['SQL_COMMENT', ['-- x'], ['- x']],
    ];
    for (const [name, yes, no] of cases) {
      const m = compileRegex(common.get(name)!);
      for (const text of yes) expect(matches(m, text), `${name} ${JSON.stringify(text)}`).toBe(true);
      for (const text of no) expect(matches(m, text), `${name} ${JSON.stringify(text)}`).toBe(false);
    }
  });

  it('left recursion, ambiguity and nullable rules parse exactly', () => {
    const g = lark(`
start: expr
?expr: expr "-" expr | expr "*" expr | atom
atom: "x" | "(" expr ")" | empty "y" empty
empty:
%ignore " "`);
    for (const [text, ok] of [
      ['x', true],
      ['x - x * x - x', true],
      ['(x-x)*(y)', true],
      ['x -', false],
      ['-x', false],
      ['()', false],
    ] as const) {
      expect(g.matches(text), text).toBe(ok);
    }
  });

  it('terminal priorities reserve keywords exactly where they collide', () => {
    const g = lark(`
start: stmt+
stmt: "if" NAME ";" | NAME "=" NAME ";"
NAME.-1: /[a-z]+/
%ignore " "`);
    expect(g.matches('if x;')).toBe(true);
    expect(g.matches('a = b;')).toBe(true);
    expect(g.matches('iff = x;')).toBe(true);
    expect(g.matches('if = x;')).toBe(false); // "if" is never a NAME
    expect(g.matches('a = if;')).toBe(false);
    // Without priorities, "if" is also a NAME where NAME may come.
    const open = lark(`start: stmt+\nstmt: "if" NAME ";" | NAME "=" NAME ";"\nNAME: /[a-z]+/\n%ignore " "`);
    expect(open.matches('if = x;')).toBe(true);
  });

  it('lexes by longest match over all terminals, like a conventional lexer: no lexeme ends where one goes on', () => {
    const g = lark(`
start: stmt*
stmt: TYPE NAME ";" | NAME "=" expr ";"
expr: NAME | NAME "++" | NAME "+" expr | "+" expr
TYPE: "int"
NAME: /[a-z]+/
LINE_COMMENT: /#[^\\n]*/
%ignore " " | "\\n" | LINE_COMMENT`);
    expect(g.matches('int x;')).toBe(true);
    expect(g.matches('intx;')).toBe(false); // one identifier, not "int" glued to "x"
    expect(g.matches('intx = y;')).toBe(true);
    expect(g.matches('x = y++;')).toBe(true);
    expect(g.matches('x = y+ +z;')).toBe(true);
    expect(g.matches('x = y++z;')).toBe(false); // "++" is taken whole, as C's lexer does
    expect(g.matches('int x; # note int y;\nint z;')).toBe(true);
    expect(g.matches('int x; # note int y;')).toBe(true);
    // The comment runs to the end of its line: it cannot end early and let code follow on the line.
    expect(g.matches('x = y # c ;')).toBe(false);
    // GBNF keeps every cut (character-level grammars mean exactly their language).
    const cuts = compileGrammar('root ::= ("int" | [a-z]+) ";"*', { syntax: 'gbnf' });
    expect(cuts.matches('intx')).toBe(true);
  });

  it('case-insensitive literals and regexes, dotAll', () => {
    const g = lark('start: "select"i /a.b/s /é+/i');
    expect(g.matches('SeLeCTa\nbéÉ')).toBe(true);
    expect(g.matches('selecta\nb')).toBe(false);
  });

  describe('errors carry line:column and the rule', () => {
    it('undefined names', () => {
      const t = larkError('start: a\na: "x" UNDEF');
      expect([t.line, t.column, t.rule]).toEqual([2, 8, 'a']);
      expect(t.message).toMatch(/^test\.lark:2:8: undefined terminal "UNDEF"/);
      const r = larkError('start: "x" b');
      expect([r.line, r.column, r.rule]).toEqual([1, 12, 'start']);
    });
    it('unknown start rule', () => {
      expect(larkError('begin: "x"').message).toContain('unknown start rule "start"');
      expect(compileGrammar('begin: "x"', { syntax: 'lark', start: 'begin' }).matches('x')).toBe(true);
    });
    it('bad regex: position inside the pattern', () => {
      const e = larkError('start: "a"\n   x\nx: /ab(c/');
      expect([e.line, e.column, e.rule]).toEqual([3, 7, 'x']);
    });
    it('syntax error', () => {
      const e = larkError('start: "a" (b\nb: "c"');
      expect([e.line, e.column, e.rule]).toEqual([2, 1, 'start']);
      expect(e.message).toContain('expected ")"');
    });
    it('recursive terminal', () => {
      expect(larkError('start: A\nA: "a" A').message).toContain('terminals must be regular');
    });
    it('unsupported directive and import', () => {
      expect(larkError('start: "a"\n%declare X').message).toContain('%declare is not supported');
      expect(larkError('start: "a"\n%import other.X').message).toContain('only the "common" module');
      expect(larkError('start: "a"\n%import common.NOPE').message).toContain('common has no terminal "NOPE"');
    });
    it('empty language and unproductive rules', () => {
      expect(larkError('start: "a" start').message).toContain('empty language');
      const e = larkError('start: "a" | b\nb: "b" b');
      expect([e.line, e.column, e.rule]).toEqual([2, 1, 'b']);
      expect(e.message).toContain('can never complete');
    });
    it('unterminated string', () => {
      const e = larkError('start: "abc\n');
      expect([e.line, e.column]).toEqual([1, 8]);
      expect(e.message).toContain('unterminated string literal');
    });
  });

  it('reports unreachable rules as warnings and leaves them out', () => {
    const g = lark('start: "a"\nunused: "b"');
    expect(g.warnings).toEqual(['1:1: rule "unused" is never used from "start"'.replace('1:1', '2:1')]);
    expect(g.ir.rules.map((r) => r.name)).toEqual(['start']);
  });
});
