import { describe, expect, it } from 'vitest';
import { InputError, LimitError } from '../../../src/errors.js';
import { compileRegex, intersectRegex, matches, type RegexMachine } from '../../../src/grammar/regex/index.js';
import { pick, rng } from './random-regex.js';

/** Patterns over {a, b}: every completion of an {a, b} prefix is an {a, b} string. */
const POOL = ['[ab]*a[ab]', '(ab)*', 'a{2,4}b?', '[ab]{3}', 'b*ab*', '(a|bb)+', 'a*', 'b+', '(aa|b){2,}', '[ab]{0,5}', 'ab?a', '(a|b)*bb'];

function walk(m: RegexMachine, text: string): number | undefined {
  let s: number | undefined = m.initial;
  for (let i = 0; i < text.length && s !== undefined; i++) s = m.step(s, text.charCodeAt(i));
  return s;
}

/** All {a,b} strings up to length n. */
function words(n: number): string[] {
  const out = [''];
  for (let i = 0; i < out.length; i++) if (out[i].length < n) out.push(`${out[i]}a`, `${out[i]}b`);
  return out;
}

describe('intersectRegex', () => {
  it('accepts exactly what every machine accepts (differential vs the components and RegExp)', () => {
    const r = rng(21);
    const texts = words(7);
    for (let trial = 0; trial < 40; trial++) {
      const a = pick(r, POOL);
      const b = pick(r, POOL);
      const m = intersectRegex([compileRegex(a), compileRegex(b)]);
      const ra = new RegExp(`^(?:${a})$`, 'u');
      const rb = new RegExp(`^(?:${b})$`, 'u');
      const wrong = texts.filter((t) => matches(m, t) !== (ra.test(t) && rb.test(t)));
      expect([a, b, wrong]).toEqual([a, b, []]);
    }
  });

  it('never walks into a dead end: a step is defined exactly when a completion exists', () => {
    const r = rng(22);
    const prefixes = words(5);
    const suffixes = words(8);
    for (let trial = 0; trial < 40; trial++) {
      const a = pick(r, POOL);
      const b = pick(r, POOL);
      const m = intersectRegex([compileRegex(a), compileRegex(b)]);
      const re = [new RegExp(`^(?:${a})$`, 'u'), new RegExp(`^(?:${b})$`, 'u')];
      const wrong = prefixes.filter((p) => {
        const completable = suffixes.some((s) => re.every((x) => x.test(p + s)));
        const s = walk(m, p);
        return (s !== undefined && m.canContinue(s)) !== completable;
      });
      expect([a, b, wrong]).toEqual([a, b, []]);
    }
  });

  it('an empty intersection is dead from the start; a hopeless branch is cut at once', () => {
    const empty = intersectRegex([compileRegex('a+'), compileRegex('b+')]);
    expect(empty.canContinue(empty.initial)).toBe(false);
    expect(empty.step(empty.initial, 0x61)).toBeUndefined();
    // Length 3..5 letters AND contains q: after five letters without q there is no way out.
    const m = intersectRegex([compileRegex('[a-z]{3,5}'), compileRegex('q', { semantics: 'search' })]);
    const four = walk(m, 'abcd')!;
    expect(m.step(four, 0x65)).toBeUndefined();
    expect(m.forcedBytes(four)).toEqual(Uint8Array.of(0x71));
    expect(m.isFinalOnly(walk(m, 'abcdq')!)).toBe(true);
  });

  it('pattern AND format AND length, the JSON Schema use', () => {
    const pattern = compileRegex('^[A-Z]', { semantics: 'search', flags: 'u' });
    const date = compileRegex('\\d{4}-\\d{2}-\\d{2}|[A-Z][a-z]+', { flags: 'u' });
    const length = compileRegex('[^]{3,6}', { flags: 'u' });
    const m = intersectRegex([pattern, date, length]);
    expect(matches(m, 'Hello')).toBe(true);
    expect(matches(m, 'Helloooo')).toBe(false);
    expect(matches(m, '2024-01-01')).toBe(false);
    expect(matches(m, 'hello')).toBe(false);
    expect(walk(m, 'Hellooo')).toBeUndefined();
    // Intersections nest.
    const nested = intersectRegex([m, compileRegex('.*o', { flags: 'u' })]);
    expect(matches(nested, 'Hello')).toBe(true);
    expect(matches(nested, 'Help')).toBe(false);
  });

  it('cursor agrees with step', () => {
    const m = intersectRegex([compileRegex('[ab]*a[ab]'), compileRegex('(a|bb)+')]);
    const c = m.cursor(m.initial);
    let s: number | undefined = m.initial;
    for (const byte of [0x61, 0x62, 0x62, 0x61, 0x61]) {
      const next: number | undefined = m.step(s!, byte);
      expect(c.push(byte)).toBe(next !== undefined);
      if (next === undefined) break;
      s = next;
      expect(c.accepts()).toBe(m.accepts(s));
    }
  });

  it('bounded by maxStates; rejects foreign machines', () => {
    const m = intersectRegex([compileRegex('[ab]*a[ab]{14}'), compileRegex('[ab]*')], { maxStates: 1000 });
    let text = '';
    const r = rng(4);
    for (let i = 0; i < 3000; i++) text += r() < 0.5 ? 'a' : 'b';
    expect(() => matches(m, text)).toThrow(LimitError);
    const foreign = { ...compileRegex('a') } as RegexMachine;
    expect(() => intersectRegex([foreign, compileRegex('a')])).toThrow(InputError);
  });
});
