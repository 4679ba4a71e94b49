import { describe, expect, it } from 'vitest';
import { LimitError, RegexError } from '../../../src/errors.js';
import {
  ByteSet,
  CodePointSet,
  compileRegex,
  concatNode,
  literalNode,
  matches,
  parseRegex,
  repeatNode,
  type RegexMachine,
} from '../../../src/grammar/regex/index.js';
import { rng } from './random-regex.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function run(m: RegexMachine, bytes: ArrayLike<number>): number | undefined {
  let s: number | undefined = m.initial;
  for (let i = 0; i < bytes.length && s !== undefined; i++) s = m.step(s, bytes[i]);
  return s;
}

function acceptsBytes(m: RegexMachine, bytes: ArrayLike<number>): boolean {
  const s = run(m, bytes);
  return s !== undefined && m.accepts(s);
}

describe('UTF-8: the machine reads bytes and never accepts invalid UTF-8', () => {
  const anything = compileRegex('[^]*', { flags: 'u' });
  const searchAny = compileRegex('', { semantics: 'search' });
  const invalid: [string, number[]][] = [
    ['stray continuation byte', [0x80]],
    ['overlong 2-byte NUL', [0xc0, 0x80]],
    ['overlong 2-byte', [0xc1, 0xbf]],
    ['overlong 3-byte', [0xe0, 0x80, 0x80]],
    ['overlong 4-byte', [0xf0, 0x8f, 0xbf, 0xbf]],
    ['surrogate U+D800', [0xed, 0xa0, 0x80]],
    ['surrogate U+DFFF', [0xed, 0xbf, 0xbf]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['byte F5', [0xf5, 0x80, 0x80, 0x80]],
    ['byte FF', [0xff]],
    ['truncated 3-byte', [0xe2, 0x82]],
    ['truncated 4-byte', [0xf0, 0x9f, 0x98]],
    ['lead byte then ASCII', [0xc3, 0x41]],
  ];
  for (const [why, bytes] of invalid) {
    it(`rejects ${why}`, () => {
      for (const m of [anything, searchAny]) {
        expect(acceptsBytes(m, bytes)).toBe(false);
        expect(acceptsBytes(m, [0x61, ...bytes, 0x61])).toBe(false);
      }
    });
  }

  it('accepts every valid encoding boundary', () => {
    for (const cp of [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff]) {
      const bytes = utf8(String.fromCodePoint(cp));
      expect(acceptsBytes(anything, bytes)).toBe(true);
      expect(acceptsBytes(searchAny, bytes)).toBe(true);
    }
  });

  it('a dead step is reported at the first invalid byte (surrogate lead E D A0)', () => {
    const s = run(anything, [0xed]);
    expect(s).toBeDefined();
    expect(anything.step(s!, 0xa0)).toBeUndefined();
    expect(anything.step(s!, 0x9f)).toBeDefined();
  });

  it('matches() rejects a text with a lone surrogate (it has no UTF-8 encoding)', () => {
    expect(matches(anything, 'a\ud800b')).toBe(false);
    expect(matches(anything, 'a\udc00')).toBe(false);
    expect(matches(anything, 'a\ud83d\ude00')).toBe(true);
  });

  it('a bytes node reads raw, non-UTF-8 bytes', () => {
    const m = compileRegex(concatNode([literalNode('a'), { kind: 'bytes', set: ByteSet.range(0x80, 0xff) }]));
    expect(acceptsBytes(m, [0x61, 0xff])).toBe(true);
    expect(acceptsBytes(m, [0x61, 0x41])).toBe(false);
  });
});

describe('states: dead ends, final states, forced bytes, cursors', () => {
  it('step returns undefined as soon as no completion exists (dead ends are exact)', () => {
    // After "a", the only continuations are "b" then "c"; "ab" is live, "ax" is dead.
    const m = compileRegex('abc|abd|x[^]*', { flags: 'u' });
    const a = m.step(m.initial, 0x61)!;
    expect(m.canContinue(a)).toBe(true);
    expect(m.step(a, 0x78)).toBeUndefined();
    // $ followed by more text can never match: "a$b" has no completion at all.
    const never = compileRegex('a$b', { semantics: 'search' });
    expect(never.canContinue(never.initial)).toBe(false);
    expect(never.step(never.initial, 0x61)).toBeUndefined();
    // An empty class makes the whole concatenation impossible.
    const empty = compileRegex('a[]');
    expect(empty.canContinue(empty.initial)).toBe(false);
  });

  it('isFinalOnly: accepting and nothing may follow', () => {
    const m = compileRegex('ab?');
    const a = m.step(m.initial, 0x61)!;
    expect(m.accepts(a)).toBe(true);
    expect(m.isFinalOnly(a)).toBe(false);
    const ab = m.step(a, 0x62)!;
    expect(m.isFinalOnly(ab)).toBe(true);
    expect(m.isFinalOnly(m.initial)).toBe(false);
  });

  it('forcedBytes follows the only possible continuation until a choice or acceptance', () => {
    const m = compileRegex('\\{"name": ?"[a-z]+"\\}', { flags: 'u' });
    expect(new TextDecoder().decode(m.forcedBytes(m.initial))).toBe('{"name":');
    const euro = compileRegex('x€|x€y');
    expect([...euro.forcedBytes(euro.initial)]).toEqual([0x78, 0xe2, 0x82, 0xac]);
    const ab = compileRegex('a|b');
    expect(ab.forcedBytes(ab.initial).length).toBe(0);
  });

  it('maskKey is the state; equal futures share a state (search: all matched states merge)', () => {
    const m = compileRegex('ab', { semantics: 'search' });
    const s1 = run(m, utf8('xxab'))!;
    const s2 = run(m, utf8('abyyy€'))!;
    expect(m.maskKey(s1)).toBe(s1);
    expect(s1).toBe(s2);
    expect(m.accepts(s1)).toBe(true);
  });

  it('loopClasses reports the vocabulary slices a state provably loops on', () => {
    const digits = compileRegex('[0-9]*');
    expect(digits.loopClasses(digits.initial)).toEqual(['digits']);
    // The closing quote is the one byte of the slice's complement that leaves the loop.
    const body = compileRegex('[^"\\\\\\x00-\\x1f]*"', { flags: 'u' });
    expect(body.loopClasses(body.initial)).toEqual(['digits', 'json-string-body']);
    const any = compileRegex('a', { semantics: 'search' });
    const matched = run(any, utf8('a'))!;
    expect([...any.loopClasses(matched)].sort()).toEqual(['digits', 'json-string-body', 'json-whitespace']);
    const ascii = compileRegex('[ -~]*');
    expect(ascii.loopClasses(ascii.initial)).not.toContain('json-string-body');
  });

  it('cursor agrees with step/accepts on a depth-first walk', () => {
    const m = compileRegex('(?:[a-c]é|\\d{2,3})+', { flags: 'u' });
    const r = rng(7);
    const alphabet = [0x61, 0x62, 0x64, 0x31, 0xc3, 0xa9, 0x80];
    for (let trial = 0; trial < 300; trial++) {
      const c = m.cursor(m.initial);
      const states: number[] = [m.initial];
      for (let k = 0; k < 12; k++) {
        if (states.length > 1 && r() < 0.25) {
          c.pop();
          states.pop();
          continue;
        }
        const byte = alphabet[Math.floor(r() * alphabet.length)];
        const next = m.step(states[states.length - 1], byte);
        expect(c.push(byte)).toBe(next !== undefined);
        if (next !== undefined) states.push(next);
        expect(c.accepts()).toBe(m.accepts(states[states.length - 1]));
      }
    }
  });
});

describe('word boundaries (compileRegex on pattern text)', () => {
  it('match like RegExp', () => {
    const cases: [string, 'search' | 'full'][] = [
      ['\\bfoo\\b', 'search'],
      ['\\Boo', 'search'],
      ['foo\\b.*', 'full'],
      ['[a-z]+\\b', 'search'],
      ['\\b\\B', 'search'],
      ['^\\b', 'search'],
    ];
    const texts = ['foo', 'food', 'a foo b', 'foo.', 'xfoo', 'é foo', 'fooé', '', ' ', 'abc def', '_foo_', 'foo bar'];
    for (const [pattern, semantics] of cases) {
      const m = compileRegex(pattern, { semantics });
      const js = new RegExp(semantics === 'full' ? `^(?:${pattern})$` : pattern, 'u');
      expect([pattern, texts.filter((t) => matches(m, t) !== js.test(t))]).toEqual([pattern, []]);
    }
  });

  it('dead ends stay exact: an unsatisfiable boundary kills the state at once', () => {
    const never = compileRegex('a\\bb');
    expect(never.canContinue(never.initial)).toBe(false);
    const searchNever = compileRegex('x\\b[a-z]', { semantics: 'search' });
    expect(searchNever.canContinue(searchNever.initial)).toBe(false);
    const m = compileRegex('a\\b[ .]?c?');
    const a = m.step(m.initial, 0x61)!;
    expect(m.accepts(a)).toBe(true);
    expect(m.step(a, 0x63)).toBeUndefined(); // "ac" has no boundary between a and c
    expect(m.step(a, 0x20)).toBeDefined();
  });

  it('parseRegex (the RegexNode IR) still rejects them; flag i is unsupported', () => {
    expect(() => parseRegex('\\bx')).toThrow(RegexError);
    expect(() => compileRegex('\\bx', { flags: 'i' })).toThrow(RegexError);
  });
});

describe('exact liveness (brute force over a three-letter alphabet)', () => {
  /** All strings over {a, b, space} up to length n. */
  function words(n: number): string[] {
    const out = [''];
    for (let i = 0; i < out.length; i++) if (out[i].length < n) out.push(`${out[i]}a`, `${out[i]}b`, `${out[i]} `);
    return out;
  }
  const TERMS = ['a', 'b', ' ', '\\b', '\\B', '^', '$', '(?:a|b )', '[ab]', ' ?', 'a*', '(?:\\ba)+'];

  it('a state is reachable exactly when some continuation matches (anchors, word boundaries)', () => {
    const r = rng(31);
    const prefixes = words(3);
    const suffixes = words(5);
    for (let trial = 0; trial < 40; trial++) {
      let pattern = '';
      for (let k = 0; k < 3; k++) pattern += TERMS[Math.floor(r() * TERMS.length)];
      if (r() < 0.3) pattern += `|${TERMS[Math.floor(r() * TERMS.length)]}`;
      for (const semantics of ['full', 'search'] as const) {
        const m = compileRegex(pattern, { semantics });
        const js = new RegExp(semantics === 'full' ? `^(?:${pattern})$` : pattern, 'u');
        const wrong = prefixes.filter((p) => {
          const s = run(m, utf8(p));
          const live = s !== undefined && m.canContinue(s);
          return live !== suffixes.some((x) => js.test(p + x));
        });
        expect([pattern, semantics, wrong]).toEqual([pattern, semantics, []]);
      }
    }
  });
});

describe('limits: counted repetition never hangs', () => {
  it('a{1000} works (one state per position)', () => {
    const m = compileRegex('a{1000}');
    expect(matches(m, 'a'.repeat(1000))).toBe(true);
    expect(matches(m, 'a'.repeat(999))).toBe(false);
    expect(matches(m, 'a'.repeat(1001))).toBe(false);
  });

  it('(a|b){0,100000} compiles lazily and fails with LimitError past maxStates', () => {
    const m = compileRegex('(a|b){0,100000}', { maxStates: 5000 });
    expect(matches(m, 'ab'.repeat(1000))).toBe(true);
    expect(() => matches(m, 'ab'.repeat(5000))).toThrow(LimitError);
    const e = (() => {
      try {
        matches(m, 'ab'.repeat(5000));
      } catch (err) {
        return err as LimitError;
      }
    })();
    expect(e?.limit).toBe('maxStates');
  });

  it('a repetition too large to build fails fast with LimitError (NFA budget)', () => {
    expect(() => compileRegex('((a{1000}){1000}){1000}')).toThrow(LimitError);
    expect(() => compileRegex('a{99999999999999999999}')).toThrow(LimitError);
    expect(() => compileRegex(repeatNode(literalNode('ab'), 0, 10_000_000))).toThrow(LimitError);
  });

  it('an exponential DFA (the n-th letter from the end) hits maxStates instead of exhausting memory', () => {
    const m = compileRegex('[ab]*a[ab]{20}', { maxStates: 2000 });
    const r = rng(11);
    let text = '';
    for (let i = 0; i < 4000; i++) text += r() < 0.5 ? 'a' : 'b';
    expect(() => matches(m, text)).toThrow(LimitError);
  });

  it('time is linear: a classic ReDoS pattern on a long near-match', () => {
    const m = compileRegex('(a+)+$', { semantics: 'search' });
    const text = 'a'.repeat(50_000) + '!';
    expect(matches(m, text)).toBe(false);
    expect(matches(m, 'a'.repeat(50_000))).toBe(true);
  });
});

describe('RegexNode input', () => {
  it('compiles nodes built by other modules; flag i folds their sets', () => {
    const node = concatNode([literalNode('Select'), repeatNode({ kind: 'chars', set: CodePointSet.range(0x30, 0x39) }, 1, 3)]);
    const m = compileRegex(node);
    expect(matches(m, 'Select42')).toBe(true);
    expect(matches(m, 'SELECT42')).toBe(false);
    const mi = compileRegex(node, { flags: 'i' });
    expect(matches(mi, 'SELECT42')).toBe(true);
    expect(matches(mi, 'ſelect1')).toBe(true);
    expect(matches(mi, 'SELECT')).toBe(false);
  });
});
