import { describe, expect, it } from 'vitest';
import { GrammarError, LimitError } from '../../../src/errors.js';
import { compileGrammar, compileGrammarIR, parseGbnf, type GrammarIR } from '../../../src/grammar/cfg/index.js';
import { CodePointSet } from '../../../src/grammar/regex/index.js';
import { referenceRecognizer } from './reference-recognizer.js';
import { rng } from '../../support/seeded-rng.js';

/** A random GBNF grammar over a, b, c: recursion (left, right, middle), nullable rules, classes, counts. */
function randomGbnf(random: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const names = ['root', 'r1', 'r2', 'r3'].slice(0, 2 + Math.floor(random() * 3));
  const atom = (depth: number): string => {
    const r = random();
    if (r < 0.3) return pick(['"a"', '"b"', '"ab"', '"ba"', '""', '"c"']);
    if (r < 0.42) return pick(['[ab]', '[^a]', '.', '[a-b]', '[c]']);
    if (r < 0.7) return pick(names);
    if (depth > 0) return `(${alternatives(depth - 1)})`;
    return '"a"';
  };
  const postfix = (depth: number): string => {
    const a = atom(depth);
    const r = random();
    if (r < 0.6) return a;
    return a + pick(['*', '+', '?', '{2}', '{0,2}', '{1,3}', '{2,}']);
  };
  const sequence = (depth: number): string => Array.from({ length: Math.floor(random() * 3) + (random() < 0.1 ? 0 : 1) }, () => postfix(depth)).join(' ');
  const alternatives = (depth: number): string => Array.from({ length: 1 + Math.floor(random() * 3) }, () => sequence(depth)).join(' | ');
  return names.map((n) => `${n} ::= ${alternatives(2)}`).join('\n');
}

function allStrings(alphabet: string, maxLength: number): string[] {
  const out = [''];
  let layer = [''];
  for (let len = 1; len <= maxLength; len++) {
    layer = layer.flatMap((s) => [...alphabet].map((c) => s + c));
    out.push(...layer);
  }
  return out;
}

describe('grammar machine (Earley over lexemes) against an independent recognizer', () => {
  it('random character-level grammars: same language on every string up to length 3 and on longer samples', () => {
    const random = rng(12345);
    const strings = allStrings('abc', 3);
    let compiled = 0;
    let emptyLanguages = 0;
    for (let g = 0; g < 100; g++) {
      const source = randomGbnf(random);
      const ir = parseGbnf(source);
      const reference = referenceRecognizer(ir);
      const samples = [...strings];
      for (let k = 0; k < 25; k++) samples.push(Array.from({ length: 4 + Math.floor(random() * 4) }, () => 'abc'[Math.floor(random() * 3)]).join(''));
      let grammar;
      try {
        grammar = compileGrammar(source, { syntax: 'gbnf' });
      } catch (e) {
        expect(e, source).toBeInstanceOf(GrammarError);
        if ((e as GrammarError).message.includes('empty language')) {
          emptyLanguages++;
          for (const s of samples) expect(reference(s), `${source}\non ${JSON.stringify(s)}`).toBe(false);
        }
        continue;
      }
      compiled++;
      const accepted = new Set<string>();
      for (const s of samples) {
        const expected = reference(s);
        expect(grammar.matches(s), `${source}\non ${JSON.stringify(s)}`).toBe(expected);
        if (expected) accepted.add(s);
      }
      // Every prefix of an accepted string is a viable prefix; the machine must not die on it.
      for (const s of accepted) for (let k = 0; k <= s.length; k++) expect(grammar.isPrefix(s.slice(0, k)), `${source}\nprefix of ${s}`).toBe(true);
    }
    expect(compiled).toBeGreaterThan(60);
    expect(emptyLanguages).toBeGreaterThan(0);
  });

  it('left recursion, right recursion and nullable chains', () => {
    const g = compileGrammar(
      `root ::= left ";" right ";" mid
left ::= left "a" | ""
right ::= "b" right | ""
mid ::= "(" mid ")" | n
n ::= n2 n2
n2 ::= "" | "x"`,
      { syntax: 'gbnf' },
    );
    const reference = referenceRecognizer(parseGbnf(`root ::= left ";" right ";" mid
left ::= left "a" | ""
right ::= "b" right | ""
mid ::= "(" mid ")" | n
n ::= n2 n2
n2 ::= "" | "x"`));
    for (const s of ['aaa;bb;((x))', ';;', ';;xx', ';;xxx', 'a;b;(()', ';;((xx))', 'aa;;()', ';b;(x']) {
      expect(g.matches(s), s).toBe(reference(s));
    }
    expect(g.matches('a'.repeat(500) + ';' + 'b'.repeat(500) + ';' + '('.repeat(200) + 'x' + ')'.repeat(200))).toBe(true);
  });

  it('highly ambiguous grammars stay polynomial (S -> S S | a)', () => {
    const g = compileGrammar('root ::= root root | "a" | ""', { syntax: 'gbnf' });
    expect(g.matches('a'.repeat(150))).toBe(true);
    expect(g.matches('a'.repeat(150) + 'b')).toBe(false);
  });

  it('states are immutable and shared: forks and rollbacks for free, equal configurations are one object', () => {
    const g = compileGrammar('root ::= "[" root "]" | "x"', { syntax: 'gbnf' });
    const a = g.run(g.initial, '[[x')!;
    const b = g.run(a, ']]')!;
    const c = g.run(a, ']')!;
    expect(g.accepts(b)).toBe(true);
    expect(g.accepts(a)).toBe(false);
    expect(g.accepts(c)).toBe(false);
    expect(g.run(a, ']]')).toBe(b); // same configuration, same object (the mask key)
    expect(g.step(c, 0x5d)).toBe(b);
    expect(g.run(g.initial, '[[x')).toBe(a); // a is unchanged by the steps taken from it
    expect(g.maskKey(a)).toBe(a);
    // Interning: the state inside two brackets is the same object however it was reached.
    expect(g.run(g.initial, '[[')).toBe(g.run(g.run(g.initial, '[')!, '['));
  });

  it('interning tables that start afresh when full (tiny maxInternedStates) change no answer', () => {
    const source = 'root ::= ws (item ws)*\nitem ::= [a-c]+ | "(" ws (item ws)* ")" | [0-9]+ ("." [0-9]+)?\nws ::= [ ]*';
    const roomy = compileGrammar(source, { syntax: 'gbnf' });
    const tiny = compileGrammar(source, { syntax: 'gbnf', limits: { maxInternedStates: 3 } });
    const random = rng(11);
    for (let k = 0; k < 300; k++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 14) }, () => ' ()abc1.9x'[Math.floor(random() * 10)]).join('');
      expect(tiny.matches(text)).toBe(roomy.matches(text));
      expect(tiny.isPrefix(text)).toBe(roomy.isPrefix(text));
    }
    // A state from before a reset stays valid, and stepping it again gives an equivalent state.
    const held = tiny.run(tiny.initial, '(a (1.')!;
    for (let k = 0; k < 20; k++) tiny.run(tiny.initial, `(${'b'.repeat(k)} ${k}`);
    expect(tiny.accepts(tiny.run(held, '5))')!)).toBe(true);
    expect(tiny.run(held, ')')).toBeUndefined();
  });

  it('the cursor agrees with step on random walks', () => {
    const g = compileGrammar('root ::= ws (item ws)*\nitem ::= [a-c]+ | "(" ws (item ws)* ")"\nws ::= [ ]*', { syntax: 'gbnf' });
    const random = rng(7);
    for (let walk = 0; walk < 200; walk++) {
      let state = g.initial;
      const cursor = g.cursor(state);
      const path = [state];
      for (let k = 0; k < 12; k++) {
        const byte = ' ()abcd'.charCodeAt(Math.floor(random() * 7));
        const next = g.step(state, byte);
        expect(cursor.push(byte)).toBe(next !== undefined);
        if (next === undefined) continue;
        state = next;
        path.push(state);
        expect(cursor.accepts()).toBe(g.accepts(state));
        if (random() < 0.3 && path.length > 1) {
          cursor.pop();
          path.pop();
          state = path[path.length - 1];
          expect(cursor.accepts()).toBe(g.accepts(state));
        }
      }
    }
  });

  it('compiles programmatic IR (how generated grammars come in)', () => {
    const digit = { kind: 'chars', set: CodePointSet.range(0x30, 0x39) } as const;
    const ir: GrammarIR = {
      start: 'list',
      rules: [
        { name: 'list', body: { kind: 'seq', items: [{ kind: 'lexeme', name: 'NUM' }, { kind: 'repeat', min: 0, max: Infinity, item: { kind: 'seq', items: [{ kind: 'lexeme', name: 'COMMA' }, { kind: 'lexeme', name: 'NUM' }] } }] } },
      ],
      lexemes: [
        { name: 'NUM', regex: { kind: 'repeat', item: digit, min: 1, max: Infinity } },
        { name: 'COMMA', regex: { kind: 'chars', set: CodePointSet.single(0x2c) }, literal: ',' },
        { name: 'SP', regex: { kind: 'chars', set: CodePointSet.single(0x20) }, ignore: true },
      ],
    };
    const g = compileGrammarIR(ir);
    expect(g.matches('1, 22 ,333')).toBe(true);
    expect(g.matches('1,,2')).toBe(false);
    expect(() => compileGrammarIR(ir, { start: 'nope' })).toThrow(/unknown start rule "nope"/);
  });

  it('huge grammars compile within limits, and past them fail with a LimitError naming the limit', () => {
    // 1500 rules in a chain of alternatives and recursion: compiles and parses.
    const rules = Array.from({ length: 1500 }, (_, i) => `r${i} ::= "k${i}" ${i + 1 < 1500 ? `r${i + 1}?` : ''} | "(" r${i} ")"`);
    const big = compileGrammar(`root ::= r0\n${rules.join('\n')}`, { syntax: 'gbnf' });
    expect(big.matches('k0k1k2')).toBe(true);
    expect(big.matches('(k0k1)')).toBe(true);
    expect(big.matches('k0k2')).toBe(false);
    const limitOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(LimitError);
        return (e as LimitError).limit;
      }
      return undefined;
    };
    const source = `root ::= r0\n${rules.join('\n')}`;
    expect(limitOf(() => compileGrammar(source, { syntax: 'gbnf', limits: { maxSourceLength: 1000 } }))).toBe('maxSourceLength');
    expect(limitOf(() => compileGrammar(source, { syntax: 'gbnf', limits: { maxLexemes: 100 } }))).toBe('maxLexemes');
    expect(limitOf(() => compileGrammar(source, { syntax: 'gbnf', limits: { maxGrammarSymbols: 5000 } }))).toBe('maxGrammarSymbols');
    expect(limitOf(() => compileGrammar('root ::= [a-z]{1,200} [a-y]{1,200} "z"', { syntax: 'gbnf', limits: { maxLexerStates: 50 } }).matches('a'.repeat(150) + 'z'))).toBe(
      'maxStates',
    );
  });

  it('bounds the work of one byte: too many lexer hypotheses or Earley items is a LimitError', () => {
    // Right recursion over a lexeme that can end anywhere: every split of a run of a's leaves a lexeme
    // open from a different Earley set, so hypotheses grow with the run.
    const g = compileGrammar('root ::= x root | ""\nx ::= "a"+', { syntax: 'gbnf', limits: { maxLexerHypotheses: 4 } });
    expect(g.matches('aa')).toBe(true);
    expect(() => g.matches('aaaaaaaa')).toThrow(LimitError);
    // Left recursion reaches the same sets at every split, so nothing grows.
    const left = compileGrammar('root ::= root x | ""\nx ::= "a"+', { syntax: 'gbnf', limits: { maxLexerHypotheses: 4 } });
    expect(left.matches('a'.repeat(100))).toBe(true);
    const ambiguous = 'root ::= e\ne ::= e "+" e | e "*" e | "(" e ")" | "x"';
    expect(compileGrammar(ambiguous, { syntax: 'gbnf', limits: { maxEarleyItems: 40 } }).matches('x+x*(x+x)*x')).toBe(true);
    expect(() => compileGrammar(ambiguous, { syntax: 'gbnf', limits: { maxEarleyItems: 4 } }).matches('x+x*(x+x)*x')).toThrow(LimitError);
  });
});
