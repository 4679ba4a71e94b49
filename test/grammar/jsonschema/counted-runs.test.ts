import { describe, expect, it } from 'vitest';
import { CountedRuns, RUN_DEPTH_CAP, runCovers, type RunSpans } from '../../../src/grammar/jsonschema/counted-runs.js';
import { checkSchemaMasksOnRandomWalks, smallVocabulary } from './random-walk-masks.js';

/**
 * Counted runs (counted-runs.ts): from a state of `[a-z]{1,255}`-like automata, the byte classes that
 * lead through one same state per length without killing an atom, and how deep. The body walk and the
 * horizon classes skip trie subtrees inside such a run; random walks check those masks against brute
 * force.
 */

const NO_DEATHS = new Uint32Array(1);
const DEAD = Uint32Array.of(1);

/** `[a-c]{0,limit}` then `-` then anything: states 0..limit count letters, limit + 1 is after the dash. */
function countedAutomaton(limit: number) {
  const dash = limit + 1;
  const dead = limit + 2;
  return {
    step(state: number, byte: number): number {
      if (state === dead) return dead;
      if (state === dash) return dash;
      if (byte === 0x2d) return dash;
      if (byte >= 0x61 && byte <= 0x63) return state < limit ? state + 1 : dead;
      return dead;
    },
    deadAt: (state: number) => (state === dead ? DEAD : NO_DEATHS),
  };
}

function spanList(spans: RunSpans): [string, number][] {
  const out: [string, number][] = [];
  for (let k = 0; k < spans.depths.length; k++) {
    let bytes = '';
    for (let b = 0; b < 256; b++) if ((spans.bytes[k * 8 + (b >>> 5)] >>> (b & 31)) & 1) bytes += String.fromCharCode(b);
    out.push([bytes, spans.depths[k]]);
  }
  return out;
}

describe('counted runs', () => {
  it('count the room left in a counted repetition', () => {
    const runs = new CountedRuns(countedAutomaton(5));
    expect(spanList(runs.spans(0))).toEqual([['abc', 5]]);
    expect(spanList(runs.spans(3))).toEqual([['abc', 2]]);
    // At the limit every letter kills; the dash leads to a state where every byte loops.
    expect(spanList(runs.spans(5))).toEqual([['-', RUN_DEPTH_CAP]]);
  });

  it('treat a loop as unbounded', () => {
    const runs = new CountedRuns(countedAutomaton(5));
    // After the dash every byte loops.
    const [[bytes, depth]] = spanList(runs.spans(6));
    expect(depth).toBe(RUN_DEPTH_CAP);
    expect(bytes).toContain('a');
    expect(bytes).toContain('-');
    expect(bytes).not.toContain('"');
    expect(bytes).not.toContain('\\');
  });

  it('shrink their byte sets as they deepen', () => {
    // Two steps in which `x` and `a` both count, then only `a` counts for 4 more.
    const automaton = {
      step(state: number, byte: number): number {
        if (state >= 6) return 7;
        if (byte === 0x61 || (byte === 0x78 && state < 2)) return state + 1;
        return 7;
      },
      deadAt: (state: number) => (state === 7 ? DEAD : NO_DEATHS),
    };
    const runs = new CountedRuns(automaton);
    expect(spanList(runs.spans(0))).toEqual([
      ['ax', 2],
      ['a', 6],
    ]);
  });

  it('answer a later state exactly after an earlier state stopped short of its run', () => {
    // 0 -a,b-> 1 -b,c-> 2 -c-> 3 -c-> 4 -c-> 5, where every byte kills.
    const classes = ['ab', 'bc', 'c', 'c', 'c', ''];
    const automaton = {
      step: (state: number, byte: number) => (state < 6 && classes[state].includes(String.fromCharCode(byte)) ? state + 1 : 6),
      deadAt: (state: number) => (state === 6 ? DEAD : NO_DEATHS),
    };
    const runs = new CountedRuns(automaton);
    // From 0 only `b` goes on past one byte, and no byte past two: its answer stops at state 2.
    expect(spanList(runs.spans(0))).toEqual([
      ['ab', 1],
      ['b', 2],
    ]);
    expect(spanList(runs.spans(1))).toEqual([
      ['bc', 1],
      ['c', 4],
    ]);
    expect(spanList(runs.spans(2))).toEqual([['c', 3]]);
  });

  it('cover a subtree only when its bytes are in a span deep enough', () => {
    const runs = new CountedRuns(countedAutomaton(5));
    const below = new Uint32Array(16);
    below[8 + (0x61 >>> 5)] |= 1 << (0x61 & 31);
    below[8 + (0x62 >>> 5)] |= 1 << (0x62 & 31);
    expect(runCovers(runs.spans(0), below, 1, 5)).toBe(true);
    expect(runCovers(runs.spans(0), below, 1, 6)).toBe(false);
    expect(runCovers(runs.spans(3), below, 1, 2)).toBe(true);
    expect(runCovers(runs.spans(3), below, 1, 3)).toBe(false);
    below[8 + (0x2d >>> 5)] |= 1 << (0x2d & 31);
    expect(runCovers(runs.spans(0), below, 1, 1)).toBe(false);
  });
});

// Letter runs of many lengths, with the bytes that end or break a run below them (`.`, `@`, `-`, a
// quote), so that the walks meet subtrees inside a run, ones that reach past it, and ones that leave it.
const texts: string[] = [];
for (let b = 0x20; b < 0x7f; b++) if (b !== 0x5c) texts.push(String.fromCharCode(b));
const letters = 'abcdefghijklmnopqrstuvwx';
for (let n = 2; n <= letters.length; n += n < 8 ? 1 : 4) texts.push(letters.slice(0, n), letters.slice(0, n) + '"', letters.slice(0, n) + '",');
texts.push('ab.', 'ab.c', 'ab@', 'ab@cd', 'abc-', 'abc-d', 'a-b', 'a--b', 'ABC', 'AbC1', '0123456789', '01234', 'x1y2');
texts.push('jo.do', 'ex@am', '.com', 'le.co', 'ple', 'exam', 'mple');
texts.push('"', 'a"', 'ab",', '", "', '"]', '"}', '{"', '": "', '": 1', ', "', '":', '"a', '"ab');
const SMALL = smallVocabulary(texts);

const schemas: [string, unknown][] = [
  ['a counted value pattern', { type: 'array', items: { type: 'string', pattern: '^[0-9a-zA-Z_-]{1,12}$' }, maxItems: 3 }],
  ['a count with a lower bound', { type: 'array', items: { type: 'string', pattern: '^[a-z0-9]{5,9}$' }, maxItems: 3 }],
  ['counted keys of a closed object', { type: 'object', patternProperties: { '^[0-9a-zA-Z_-]{1,12}$': { type: 'integer' } }, additionalProperties: false, maxProperties: 3 }],
  [
    'counted keys beside declared ones',
    { type: 'object', properties: { abc: { type: 'integer' }, ab: { type: 'string' } }, patternProperties: { '^[a-z]{2,6}$': {} }, additionalProperties: false, maxProperties: 4 },
  ],
  ['emails', { type: 'array', items: { type: 'string', format: 'email' }, maxItems: 3 }],
  ['host names', { type: 'array', items: { type: 'string', format: 'hostname' }, maxItems: 3 }],
  // One pattern dies at a digit or past 4 letters, the other lives on: a survived death, then runs.
  ['two counts under anyOf', { type: 'array', items: { anyOf: [{ type: 'string', pattern: '^[a-z]{1,4}$' }, { type: 'string', pattern: '^[a-z0-9]{3,14}$' }] }, maxItems: 3 }],
  ['a count under a shorter maxLength', { type: 'array', items: { type: 'string', pattern: '^[a-z-]{1,20}$', maxLength: 7 }, maxItems: 3 }],
  ['an unanchored count', { type: 'array', items: { type: 'string', pattern: '[a-f]{3}' }, maxItems: 3 }],
];

describe('masks with counted runs equal brute force', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      const checked = checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 7919, maxWhitespaceRun: 1, walks: 60, steps: 24, stopChance: 0.03, passes: 1 });
      expect(checked).toBeGreaterThan(300);
    });
  }
});
