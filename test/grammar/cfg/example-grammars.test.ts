import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGrammar, type CompiledGrammar } from '../../../src/grammar/cfg/index.js';
import { repoRoot } from '../../support/shared-data.js';
import { rng } from '../../support/seeded-rng.js';

function load(file: string): CompiledGrammar {
  const source = readFileSync(resolve(repoRoot, 'schemas', 'grammars', file), 'utf8');
  const grammar = compileGrammar(source, { syntax: file.endsWith('.lark') ? 'lark' : 'gbnf', sourceName: file });
  expect(grammar.warnings).toEqual([]);
  return grammar;
}

const STRING_PIECES = ['a', 'Z', ' ', 'é', '中', '😀', '\\n', '\\"', '\\\\', '\\/', '\\u00e9', '\\uD83D\\uDE00', '\u007f', '\\t', '\\b'];
const WHITESPACE = ['', '', '', ' ', '\n', '\t', '\r\n  '];

/** Random JSON text with varied whitespace, escapes, non-ASCII, and every number form. */
function randomJson(random: () => number, depth: number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const ws = () => pick(WHITESPACE);
  const string = () => `"${Array.from({ length: Math.floor(random() * 4) }, () => pick(STRING_PIECES)).join('')}"`;
  const number = () => pick(['0', '-0', '12', '-7', '3.25', '1e5', '-2.5E-3', '6.02e+23', '10', '0.5']);
  const r = random();
  if (depth <= 0 || r < 0.35) return pick([string, number, () => 'true', () => 'false', () => 'null'])();
  if (r < 0.65) {
    const n = Math.floor(random() * 4);
    return `[${ws()}${Array.from({ length: n }, () => randomJson(random, depth - 1) + ws()).join(`,${ws()}`)}]`;
  }
  const n = Math.floor(random() * 4);
  return `{${ws()}${Array.from({ length: n }, () => `${string()}${ws()}:${ws()}${randomJson(random, depth - 1)}${ws()}`).join(`,${ws()}`)}}`;
}

/** One random edit: delete, insert or replace a character, with JSON-relevant characters. */
function corrupt(text: string, random: () => number): string {
  const chars = [...text];
  const pos = Math.floor(random() * (chars.length + 1));
  const noise = [',', ':', '"', '{', '}', '[', ']', '0', '1', '-', '.', 'e', ' ', '\\', 'x', 'n', '\u0001', '+'];
  const c = noise[Math.floor(random() * noise.length)];
  const op = random();
  if (op < 0.35 && chars.length > 0) chars.splice(Math.min(pos, chars.length - 1), 1);
  else if (op < 0.7) chars.splice(pos, 0, c);
  else if (chars.length > 0) chars[Math.min(pos, chars.length - 1)] = c;
  return chars.join('');
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('schemas/grammars', () => {
  for (const file of ['json.gbnf', 'json.lark']) {
    it(`${file} accepts exactly what JSON.parse accepts (random documents and random corruptions)`, () => {
      const grammar = load(file);
      const random = rng(file.length * 1000 + 7);
      let valid = 0;
      let invalid = 0;
      for (let k = 0; k < 400; k++) {
        const doc = `${pick(random, WHITESPACE)}${randomJson(random, 4)}${pick(random, WHITESPACE)}`;
        expect(parses(doc), doc).toBe(true);
        expect(grammar.matches(doc), doc).toBe(true);
        valid++;
        for (let e = 0; e < 3; e++) {
          const bad = corrupt(doc, random);
          const expected = parses(bad);
          expect(grammar.matches(bad), JSON.stringify(bad)).toBe(expected);
          if (!expected) {
            invalid++;
            // A rejected document is rejected at the first byte that no JSON text can continue.
          }
        }
      }
      expect(valid).toBe(400);
      expect(invalid).toBeGreaterThan(600);
      for (const [text, ok] of [
        ['', false],
        [' ', false],
        ['01', false],
        ['1.', false],
        ['.5', false],
        ['+1', false],
        ['"\\x41"', false],
        ['"a\u0000"', false],
        ['"\\u12"', false],
        ['[1,]', false],
        ['{"a":1,}', false],
        ["{'a':1}", false],
        ['nul', false],
        ['[]]', false],
        ['"\u007f\u00a0\u2028"', true],
        ['-0.0e-0', true],
        ['  {"": [ ]}\n', true],
      ] as const) {
        expect(grammar.matches(text), JSON.stringify(text)).toBe(ok);
        expect(parses(text), JSON.stringify(text)).toBe(ok);
      }
    });
  }

  it('json.gbnf: a viable prefix is exactly a prefix of some JSON text', () => {
    const grammar = load('json.gbnf');
    const random = rng(99);
    for (let k = 0; k < 100; k++) {
      const doc = randomJson(random, 4);
      const bytes = new TextEncoder().encode(doc);
      for (let i = 0; i <= bytes.length; i++) expect(grammar.isPrefix(bytes.subarray(0, i)), doc.slice(0, i)).toBe(true);
    }
    for (const dead of ['{"a" 1', '[1 2', '{,', '"\\q', 'tru e', '01', '-a', '[}']) expect(grammar.isPrefix(dead), dead).toBe(false);
  });

  it('arithmetic.gbnf and arithmetic.lark: precedence-shaped expressions', () => {
    const gbnf = load('arithmetic.gbnf');
    const lark = load('arithmetic.lark');
    for (const text of ['1', '1+2*3', ' (1 + 2) * -3.5 ', '((2))', '-(-1)', '2*3/4-5+6', '1.5 * ( 2 - 3 )']) {
      expect(gbnf.matches(text), text).toBe(true);
      expect(lark.matches(text), text).toBe(true);
    }
    for (const text of ['', '1+', '*2', '(1', '1)', '1 2', '1..5', '(+1)', '1 + * 2']) {
      expect(gbnf.matches(text), text).toBe(false);
      expect(lark.matches(text), text).toBe(false);
    }
    // The Lark version also has variables and right-associative powers.
    expect(lark.matches('x ^ 2 ^ y - a_1 * (b + 3)')).toBe(true);
    expect(lark.matches('x ^')).toBe(false);
  });

  it('c-like.lark: declarations, functions, statements, expressions', () => {
    const c = load('c-like.lark');
    const good = [
      'int main(void) { return 0; }',
      `/* globals */
const char *names[3] = {"a", "b", "c"};
unsigned long count = 0x1Fu, limit;
struct node *head;

// recursion and control flow
int fact(int n) {
  if (n <= 1) return 1; else return n * fact(n - 1);
}

double mean(double *xs, int n) {
  double sum = 0.0;
  for (int_i = 0; int_i < n; int_i++) sum += xs[int_i];
  while (n > 0 && sum != 0) { n--; continue; }
  do { sum = sum / 2; } while (sum > 1e3);
  return n ? sum / n : -1.5f;
}

void f(void) { int x = (int) 3.5; char c = '\\n'; x = x << 2 | ~x & 7 ^ !c; p->next = &x; ; }`,
      'int a, b = 1, c[2];',
      'int f(int a, char *b) { if (a) if (b) a = 1; else a = 2; }',
      'int f() { // comment int y;\n }',
      'int f() { x = y++ + z; return x+++y; }',
    ];
    for (const text of good) expect(c.matches(text), text).toBe(true);
    const bad = [
      'int if;',
      'int f() { x = = 3; }',
      'int f( { }',
      'int x = 1',
      'return 0;',
      'int f() { int 3x; }',
      'int f() { else x; }',
      'int f() { x = while; }',
      'int f() { /* unterminated }',
      'intx = 1;',
      'int f() { x = y++z; }',
      'int f() { // comment int y; }',
    ];
    for (const text of bad) expect(c.matches(text), text).toBe(false);
  });
});

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}
