import { describe, expect, it } from 'vitest';
import { LimitError, RegexError } from '../../../src/errors.js';
import { CodePointSet, compileRegex, matches, parseRegex, type RegexNode } from '../../../src/grammar/regex/index.js';

function regexError(pattern: string, flags = 'u'): RegexError {
  try {
    parseRegex(pattern, { flags });
  } catch (e) {
    if (e instanceof RegexError) return e;
    throw e;
  }
  throw new Error(`/${pattern}/${flags} parsed without error`);
}

describe('unsupported constructs throw RegexError naming the construct and its position', () => {
  const cases: [pattern: string, flags: string, construct: string, position: number][] = [
    ['(a)\\1', 'u', 'back-reference \\1', 3],
    ['(a)(b)\\2', '', 'back-reference \\2', 6],
    ['(?<x>a)\\k<x>', 'u', 'back-reference \\k<name>', 7],
    ['(?<x>a)\\k<x>', '', 'back-reference \\k<name>', 7],
    ['ab(?=c)', 'u', 'lookahead', 2],
    ['a(?!c)', '', 'lookahead', 1],
    ['(?<=a)b', 'u', 'lookbehind', 0],
    ['xy(?<!a)b', 'u', 'lookbehind', 2],
    ['\\bword', 'u', 'word boundary \\b', 0],
    ['a\\B', 'u', 'non-word boundary \\B', 1],
    ['(?m:a)', 'u', 'modifier m', 0],
    ['é😀(?=x)', 'u', 'lookahead', 3],
    ['[a-z]+\\p{Nope}', 'u', 'unicode property', 6],
    ['\\p{RGI_Emoji}', 'u', 'unicode property', 0],
  ];
  for (const [pattern, flags, construct, position] of cases) {
    it(`/${pattern}/${flags}: ${construct} at ${position}`, () => {
      const e = regexError(pattern, flags);
      expect(e.construct).toBe(construct);
      expect(e.position).toBe(position);
      expect(e.pattern).toBe(pattern);
      expect(e.message).toContain(`position ${position}`);
    });
  }

  it('flags m, y, v and unknown or repeated flags are rejected', () => {
    for (const flags of ['m', 'y', 'v', 'x', 'ii']) {
      const e = regexError('a', flags);
      expect(e.construct).toBe(`flag ${flags[0]}`);
    }
  });

  it('flags g and d are accepted (they do not change the language)', () => {
    expect(matches(compileRegex('ab', { flags: 'gdu' }), 'ab')).toBe(true);
  });
});

describe('malformed patterns throw RegexError at the culprit, as RegExp rejects them', () => {
  const cases: [pattern: string, flags: string, position: number][] = [
    ['(ab', 'u', 0],
    ['a(b(c)', 'u', 1],
    ['ab)', 'u', 2],
    ['a)', '', 1],
    ['[z-a]', 'u', 1],
    ['x[b-a]', '', 2],
    ['[abc', 'u', 0],
    ['*a', 'u', 0],
    ['a|+', 'u', 2],
    ['a**', 'u', 2],
    ['a{3,1}', 'u', 1],
    ['a{3,1}', '', 1],
    ['a{', 'u', 1],
    ['{', 'u', 0],
    ['}', 'u', 0],
    [']', 'u', 0],
    ['{2}', '', 0],
    ['^*', 'u', 1],
    ['$+', '', 1],
    ['\\', 'u', 0],
    ['a\\', '', 1],
    ['\\c', 'u', 0],
    ['\\x4', 'u', 0],
    ['\\u12', 'u', 0],
    ['\\u{110000}', 'u', 0],
    ['\\e', 'u', 0],
    ['\\-', 'u', 0],
    ['\\01', 'u', 0],
    ['(a)\\2', 'u', 3],
    ['[\\d-z]', 'u', 1],
    ['[a-\\w]', 'u', 1],
    ['(?<1a>x)', 'u', 0],
    ['(?<a>x)(?<a>y)', 'u', 7],
    ['(?P<a>x)', 'u', 0],
    ['\\p{L', 'u', 0],
    ['\\k<a>', 'u', 0],
    ['[\\k]', 'u', 1],
  ];
  for (const [pattern, flags, position] of cases) {
    it(`/${pattern}/${flags} at ${position}`, () => {
      expect(() => new RegExp(pattern, flags)).toThrow(SyntaxError);
      const e = regexError(pattern, flags);
      expect(e.position).toBe(position);
    });
  }
});

describe('valid syntax', () => {
  it('accepts every piece of the JSON Schema pattern dialect (and ES2025 pattern modifiers)', () => {
    const patterns = [
      '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$',
      '^(\\([0-9]{3}\\))?[0-9]{3}-[0-9]{4}$',
      '^\\p{Lu}\\p{Ll}+$',
      '^\\P{Script=Latin}*$',
      '\\p{General_Category=Decimal_Number}\\p{gc=Nd}\\p{sc=Grek}\\p{scx=Hira}\\p{ASCII_Hex_Digit}\\p{Any}',
      '(?<year>\\d{4})-(?<month>\\d{2})',
      '(?:a|b)+?c*?d??e{2}?f{2,}?g{2,3}?',
      '[\\b\\-\\]\\\\]',
      '\\t\\n\\v\\f\\r\\0\\cA\\cz\\x7F\\u00e9\\u{1F600}\\uD83D\\uDE00',
      '\\^\\$\\\\\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/',
      '[^]',
      '[]',
      '(?i:ab)c',
      '(?-i:ab)c',
      '(?s-i:.)',
    ];
    for (const p of patterns) expect(() => parseRegex(p, { flags: 'u' })).not.toThrow();
  });

  it('pattern modifiers (?i:...) and (?-i:...) scope case folding', () => {
    const m = compileRegex('a(?i:b)c(?-i:d)', { flags: 'u' });
    expect(matches(m, 'aBcd')).toBe(true);
    expect(matches(m, 'Abcd')).toBe(false);
    const n = compileRegex('a(?-i:b)c', { flags: 'iu' });
    expect(matches(n, 'Abc')).toBe(true);
    expect(matches(n, 'aBc')).toBe(false);
    expect(matches(n, 'abC')).toBe(true);
  });

  it('builds plain data: chars, concat, alt, repeat, anchor', () => {
    const node = parseRegex('^a[bc]{2,}|d?$', { flags: 'u' });
    const expected: RegexNode = {
      kind: 'alt',
      items: [
        {
          kind: 'concat',
          items: [
            { kind: 'anchor', which: 'start' },
            { kind: 'chars', set: CodePointSet.single(0x61) },
            { kind: 'repeat', item: { kind: 'chars', set: CodePointSet.range(0x62, 0x63) }, min: 2, max: Infinity },
          ],
        },
        {
          kind: 'concat',
          items: [
            { kind: 'repeat', item: { kind: 'chars', set: CodePointSet.single(0x64) }, min: 0, max: 1 },
            { kind: 'anchor', which: 'end' },
          ],
        },
      ],
    };
    expect(node).toEqual(expected);
  });

  it('applies flag i to sets (Unicode simple case folding) and s to the dot', () => {
    const k = parseRegex('k', { flags: 'iu' });
    expect(k).toEqual({ kind: 'chars', set: CodePointSet.fromCodePoints([0x4b, 0x6b, 0x212a]) });
    const dot = parseRegex('.', { flags: 's' });
    expect(dot).toEqual({ kind: 'chars', set: CodePointSet.all() });
  });

  it('rejects groups nested beyond the depth limit with LimitError', () => {
    const deep = '('.repeat(5000) + 'a' + ')'.repeat(5000);
    expect(() => parseRegex(deep)).toThrow(LimitError);
    const ok = '(?:'.repeat(200) + 'a' + ')'.repeat(200);
    expect(matches(compileRegex(ok), 'a')).toBe(true);
  });
});
