import { describe, expect, it } from 'vitest';
import { RegexError } from '../../../src/errors.js';
import { compileRegex, complementRegex, matches, type RegexMachine } from '../../../src/grammar/regex/index.js';
import { ALPHABET, int, pick, rng } from './random-regex.js';

function walk(m: RegexMachine, text: string): number | undefined {
  let s: number | undefined = m.initial;
  for (const b of new TextEncoder().encode(text)) {
    if (s === undefined) break;
    s = m.step(s, b);
  }
  return s;
}

describe('lookahead at the edges of a pattern (compiled as intersection and complement)', () => {
  const cases: [pattern: string, flags: string, semantics: 'search' | 'full'][] = [
    ['^(?=.*\\d)(?=.*[a-z])(?=.*[A-Z]).{8,}$', 'u', 'search'],
    ['^(?!pattern$).*$', 'u', 'search'],
    ['^(?![ \\t\\n]*\\(default(.*)\\))[\\s\\S]*', 'u', 'search'],
    ['((?:[^/]*/)*)(?=\\.(yaml|yml|json))', 'u', 'search'],
    ['^(?!.*://)(?=.{1,25}$)((.{1,6}\\.){1,4}[a-z0-9-]+\\.?)$', 'u', 'search'],
    ['(?=.*\\d).{3}', 'u', 'full'],
    ['(?!ab)[a-c]{2}', 'iu', 'full'],
    ['^(?=a)', '', 'search'],
    ['^(?!a)(?!b)', 'u', 'search'],
    ['x(?=y$)', 'u', 'search'],
  ];
  const texts = ['pattern', 'patterns', 'Pattern', 'x', ' (default 3)', '(default)', 'abc', 'a/b/c.json', 'a/b.yml', 'a.txt',
    'Passw0rd', 'password1', 'PASSWORD1x', 'a1b', 'ab', 'AB', 'ca', 'example.com', 'http://x.com', 'a.b.c.d', '', 'xy', 'xyz', 'b'];
  for (const [pattern, flags, semantics] of cases) {
    it(`/${pattern}/${flags} (${semantics}) agrees with RegExp`, () => {
      const m = compileRegex(pattern, { flags, semantics });
      const js = new RegExp(semantics === 'full' ? `^(?:${pattern})$` : pattern, flags);
      const r = rng(pattern.length);
      const more = Array.from({ length: 200 }, () => {
        let s = pick(r, texts);
        for (let k = int(r, 0, 2); k > 0; k--) s += pick(r, ALPHABET);
        return s;
      });
      const wrong = [...texts, ...more].filter((t) => matches(m, t) !== js.test(t));
      expect(wrong).toEqual([]);
    });
  }

  it('the result never walks into a dead end (password rule: length left for the missing classes)', () => {
    const m = compileRegex('^(?=.*\\d)(?=.*[A-Z]).{3}$', { flags: 'u', semantics: 'search' });
    // "ab" leaves one character for both a digit and a capital: dead.
    expect(walk(m, 'ab')).toBeUndefined();
    expect(walk(m, 'a1')).toBeDefined();
    expect(m.forcedBytes(walk(m, 'a1')!).length).toBe(0);
  });

  it('other positions still throw RegexError with the position in the whole pattern', () => {
    const inGroup = (() => {
      try {
        compileRegex('^(?!a)b(c(?=d))', { flags: 'u', semantics: 'search' });
      } catch (e) {
        return e as RegexError;
      }
    })();
    expect(inGroup).toBeInstanceOf(RegexError);
    expect(inGroup!.position).toBe(9);
    expect(inGroup!.pattern).toBe('^(?!a)b(c(?=d))');
    expect(() => compileRegex('a(?!b)', { semantics: 'search' })).toThrow(RegexError);
    expect(() => compileRegex('(?=a)b|c', { semantics: 'full' })).toThrow(RegexError);
    expect(() => compileRegex('(?=a)b', { semantics: 'search' })).toThrow(RegexError);
  });
});

describe('complementRegex', () => {
  it('accepts exactly the valid UTF-8 texts the machine rejects', () => {
    const base = compileRegex('[a-c]+é?', { flags: 'u' });
    const not = complementRegex(base);
    for (const t of ['', 'a', 'abc', 'abcé', 'é', 'x', 'aé', 'aéé', '😀']) expect(matches(not, t)).toBe(!matches(base, t));
    // Invalid UTF-8 is still rejected.
    expect(walk(not, '')).toBeDefined();
    expect(not.step(not.initial, 0xff)).toBeUndefined();
    // The complement of everything is empty.
    const none = complementRegex(compileRegex('[^]*', { flags: 'u' }));
    expect(none.canContinue(none.initial)).toBe(false);
  });
});
