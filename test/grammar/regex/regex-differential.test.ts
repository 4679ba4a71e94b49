import { describe, expect, it } from 'vitest';
import { compileRegex, matches, parseRegex, printRegex } from '../../../src/grammar/regex/index.js';
import { mutate, randomPattern, randomString, rng, sample, type Rng } from './random-regex.js';

/**
 * The compiled DFA against JavaScript's own RegExp (Unicode mode) on random patterns and on strings
 * sampled from each pattern and then mutated (so most of them nearly match). 'search' semantics is
 * RegExp.prototype.test; 'full' is /^(?:p)$/.
 */

interface Mismatch {
  pattern: string;
  flags: string;
  semantics: string;
  text: string;
  ours: boolean;
  js: boolean;
}

/**
 * RegExp backtracks: nested quantifiers like (?:(a*)+)* take exponential time on long inputs, so the
 * oracle only sees short strings (8 code points cover every construct of the generated patterns).
 */
function truncate(s: string): string {
  return [...s].slice(0, 8).join('');
}

function strings(r: Rng, pattern: string, flags: string, count: number): string[] {
  // Word boundaries have no RegexNode form: sample from the pattern without them.
  const node = parseRegex(pattern.replace(/\\[bB]/g, ''), { flags });
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = r() < 0.85 ? sample(r, node) : undefined;
    out.push(truncate(mutate(r, s ?? randomString(r, 6))));
  }
  // Search semantics: the match embedded in other text.
  out.push(`x${out[0]}é`, `${out[1]}\n`);
  return out;
}

function runDifferential(
  seed: number,
  patterns: number,
  flagSets: readonly string[],
  wordBoundaries = false,
): { checks: number; mismatches: Mismatch[] } {
  const r = rng(seed);
  const mismatches: Mismatch[] = [];
  let checks = 0;
  for (let i = 0; i < patterns; i++) {
    const pattern = randomPattern(r, 2, wordBoundaries);
    const flags = flagSets[i % flagSets.length];
    const texts = strings(r, pattern, flags, 8);
    for (const semantics of ['search', 'full'] as const) {
      const machine = compileRegex(pattern, { flags, semantics });
      const js = new RegExp(semantics === 'full' ? `^(?:${pattern})$` : pattern, flags);
      for (const text of texts) {
        checks++;
        const ours = matches(machine, text);
        const expected = js.test(text);
        if (ours !== expected) mismatches.push({ pattern, flags, semantics, text, ours, js: expected });
      }
    }
  }
  return { checks, mismatches };
}

describe('regex DFA vs RegExp (differential)', () => {
  it('agrees on random patterns and near-matching strings, flag u', () => {
    const { checks, mismatches } = runDifferential(1, 400, ['u']);
    expect(checks).toBeGreaterThan(7_000);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('agrees with flags i, s and both (Unicode simple case folding, dotAll)', () => {
    const { checks, mismatches } = runDifferential(2, 400, ['iu', 'su', 'isu']);
    expect(checks).toBeGreaterThan(7_000);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('agrees with word boundaries \\b \\B (flags u, su)', () => {
    const { checks, mismatches } = runDifferential(4, 250, ['u', 'su'], true);
    expect(checks).toBeGreaterThan(4_000);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('printRegex round-trips: the printed tree matches the same strings', () => {
    const r = rng(3);
    const mismatches: string[] = [];
    for (let i = 0; i < 200; i++) {
      const pattern = randomPattern(r);
      const flags = i % 2 === 0 ? 'u' : 'iu';
      const printed = printRegex(parseRegex(pattern, { flags }));
      const a = new RegExp(`^(?:${pattern})$`, flags);
      const b = compileRegex(printed, { flags: 'u' });
      for (const text of strings(r, pattern, flags, 4)) {
        if (a.test(text) !== matches(b, text)) mismatches.push(`${pattern} -> ${printed} on ${JSON.stringify(text)}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});

describe('hand-picked patterns vs RegExp', () => {
  const texts = ['', 'a', 'ab', 'abc', 'aaa', 'A', 'ABC', '1', '12', '123', '2024-01-31', '-', ' ', '\n', 'é', 'É', '😀', 'x😀y',
    'ſ', 'K', 'k', 'σς', 'ΣΣ', 'hello world', 'foo@bar.com', '\u2028', '{}', '[a]', '\\', 'a.b', '\t'];
  const patterns: [string, string][] = [
    ['^\\d{4}-\\d{2}-\\d{2}$', 'u'],
    ['^[a-z]+$', 'u'],
    ['^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$', 'u'],
    ['a|^b|c$', 'u'],
    ['(?:)', 'u'],
    ['[]', 'u'],
    ['[^]', 'u'],
    ['^$', 'u'],
    ['$^', 'u'],
    ['a$b', 'u'],
    ['(^a|b)+', 'u'],
    ['(a|$)(b|^)', 'u'],
    ['\\p{Lu}\\p{Ll}*', 'u'],
    ['\\P{L}+', 'u'],
    ['\\p{Script=Greek}+', 'iu'],
    ['[\\w-]+', 'iu'],
    ['\\W', 'iu'],
    ['[^k]', 'iu'],
    ['[^\\W]', 'iu'],
    ['\\u{1F600}|\\uD83D\\uDE00', 'u'],
    ['[\\u{0}-\\u{10FFFF}]', 'u'],
    ['.+', 'su'],
    ['.+', 'u'],
    ['[\\s\\S]', 'u'],
    ['\\cJ|\\x41|\\u0042|\\0', 'u'],
    ['(a*)*b', 'u'],
    ['(a?){3}a{3}', 'u'],
    ['a{0}', 'u'],
    ['a{2,}?', 'u'],
    ['\\/\\^\\$', 'u'],
    ['[\\b]', 'u'],
    ['[\\-a]', 'u'],
    ['ΣΑΣ', 'iu'],
    ['ß', 'iu'],
    ['\\p{Ll}', 'iu'],
    ['\\P{Lu}', 'iu'],
    // Annex B syntax without 'u' (strings are BMP-only here: see below).
    ['a{,5}', ''],
    ['a{', ''],
    [']', ''],
    ['}', ''],
    ['\\p{L}', ''],
    ['[\\d-z]', ''],
    ['\\c', ''],
    ['[\\c1]', ''],
    ['\\1', ''],
    ['\\08', ''],
    ['\\101', ''],
    ['\\8', ''],
    ['(a)\\10', ''],
    ['\\k', ''],
    ['\\u{2}', ''],
    ['\\x4', ''],
    ['\\a\\e\\y', ''],
  ];
  for (const [pattern, flags] of patterns) {
    it(`/${pattern}/${flags}`, () => {
      for (const semantics of ['search', 'full'] as const) {
        const machine = compileRegex(pattern, { flags, semantics });
        const js = new RegExp(semantics === 'full' ? `^(?:${pattern})$` : pattern, flags);
        for (const text of texts) {
          // Without 'u', JavaScript matches astral characters as two surrogates; we match code points.
          if (!flags.includes('u') && /[\u{10000}-\u{10FFFF}]/u.test(text)) continue;
          expect([semantics, text, matches(machine, text)]).toEqual([semantics, text, js.test(text)]);
        }
      }
    });
  }
});
