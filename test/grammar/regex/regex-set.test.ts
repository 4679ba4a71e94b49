import { describe, expect, it } from 'vitest';
import { compileRegex, compileRegexSet, parseRegex, type RegexMachine } from '../../../src/grammar/regex/index.js';
import { rng } from './random-regex.js';

/** A lexer's terminals: keywords (one case-insensitive), identifiers, numbers, strings, whitespace. */
const TERMINALS = [
  'select',
  parseRegex('from', { flags: 'i' }),
  '[A-Za-z_][A-Za-z0-9_]*',
  '-?\\d+(\\.\\d+)?',
  '"([^"\\\\]|\\\\.)*"',
  '\\s+',
  '<=|>=|<>|<|>|=',
  'a{2,3}',
  '[]',
  'é+',
];

function bytes(s: string): number[] {
  return [...new TextEncoder().encode(s)];
}

describe('RegexSet', () => {
  const set = compileRegexSet(TERMINALS);
  const machines: RegexMachine[] = TERMINALS.map((p) => compileRegex(p));

  it('accepting and alive agree with the individual machines after every byte', () => {
    const r = rng(5);
    const pieces = ['select', 'SELECT', 'FROM', 'from', 'x1', '_', '-', '12', '.5', '"a\\"b"', '"', ' ', '\n', '<', '=', '>', 'a', 'aa', 'é', '\\', '😀'];
    let checked = 0;
    for (let trial = 0; trial < 400; trial++) {
      let text = '';
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) text += pieces[Math.floor(r() * pieces.length)];
      let s = set.initial;
      let ms: (number | undefined)[] = machines.map((m) => m.initial);
      for (const b of bytes(text)) {
        s = set.step(s, b);
        ms = ms.map((state, i) => (state === undefined ? undefined : machines[i].step(state, b)));
        const alive = ms.flatMap((state, i) => (state !== undefined ? [i] : []));
        const accepting = ms.flatMap((state, i) => (state !== undefined && machines[i].accepts(state) ? [i] : []));
        if (alive.length === 0) {
          expect(s).toBe(-1);
          break;
        }
        expect(set.alive(s)).toEqual(alive);
        expect(set.accepting(s)).toEqual(accepting);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('reports size and the initial state (an impossible pattern is never alive)', () => {
    expect(set.size).toBe(TERMINALS.length);
    expect(set.alive(set.initial)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9]);
    expect(set.accepting(set.initial)).toEqual([]);
  });

  it('longest-match lexing with the set', () => {
    const text = 'SELECT x1 FROM t WHERE a >= -1.5';
    const input = bytes(text);
    const tokens: [string, number][] = [];
    let pos = 0;
    while (pos < input.length) {
      let s = set.initial;
      let best: [end: number, pattern: number] | undefined;
      for (let i = pos; i < input.length; i++) {
        s = set.step(s, input[i]);
        if (s < 0) break;
        const acc = set.accepting(s);
        if (acc.length > 0) best = [i + 1, acc[0]];
      }
      expect(best).toBeDefined();
      tokens.push([new TextDecoder().decode(Uint8Array.from(input.slice(pos, best![0]))), best![1]]);
      pos = best![0];
    }
    expect(tokens.filter(([, p]) => p !== 5)).toEqual([
      ['SELECT', 2],
      ['x1', 2],
      ['FROM', 1],
      ['t', 2],
      ['WHERE', 2],
      ['a', 2],
      ['>=', 6],
      ['-1.5', 3],
    ]);
  });

  it('an empty set is dead from the start', () => {
    const none = compileRegexSet([]);
    expect(none.size).toBe(0);
    expect(none.alive(none.initial)).toEqual([]);
    expect(none.step(none.initial, 0x61)).toBe(-1);
  });

  it('search semantics applies to every pattern', () => {
    const s = compileRegexSet(['ab', '^c'], { semantics: 'search' });
    let st = s.initial;
    for (const b of bytes('xab')) st = s.step(st, b);
    expect(s.accepting(st)).toEqual([0]);
    expect(s.alive(st)).toEqual([0]);
  });
});
