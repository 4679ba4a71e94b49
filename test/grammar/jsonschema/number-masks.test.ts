import { describe, expect, it } from 'vitest';
import { jsonSchemaAutomaton, type SchemaState } from '../../../src/grammar/jsonschema/index.js';
import { digitsStayViable, numberConstraint, numberViable, type NumberKeywords } from '../../../src/grammar/jsonschema/number-constraint.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { rng as prng } from '../../support/seeded-rng.js';
import { checkSchemaMasksOnRandomWalks } from './random-walk-masks.js';

/**
 * The number paths of the mask walk: digit tokens taken as a slice while no atom can die from them
 * (digitsStayViable), plain integers without text (the phases break the form), and a number finished
 * once per walk for every byte that ends it (the cursor's pushNumberEnd).
 */

const digitRuns: string[] = [];
for (let n = 0; n < 10; n++) digitRuns.push(String(n));
for (let n = 0; n < 100; n += 7) digitRuns.push(String(n).padStart(2, '0'));
for (let n = 0; n < 1000; n += 97) digitRuns.push(String(n).padStart(3, '0'));
digitRuns.push('99', '999', '00', '000', '10', '100', '12', '120', '18');

describe('digitsStayViable is sound: every run of up to k digits stays viable', () => {
  const constraints: NumberKeywords[] = [
    { integer: true, bounded: true, minimum: [0] },
    { integer: true, bounded: true, minimum: [18], maximum: [120] },
    { integer: true, bounded: true, minimum: [0], maximum: [255] },
    { integer: true, bounded: true, exclusiveMinimum: [-1000], exclusiveMaximum: [1000] },
    { integer: true, bounded: true, minimum: [-3000], maximum: [-20] },
    { integer: true, bounded: true, minimum: [4294967295] },
    { integer: true, bounded: true, maximum: [4294967295] },
    { integer: true, bounded: true, minimum: [100], exclusiveMaximum: [100.5] },
    { integer: true, bounded: true, minimum: [5], multipleOf: [3] },
    { bounded: true, minimum: [1] },
    { bounded: true, exclusiveMinimum: [0.5] },
    { bounded: true, maximum: [-2] },
    { bounded: true, minimum: [0], maximum: [1] },
    { bounded: true, minimum: [0], exclusiveMaximum: [10] },
    { bounded: true, exclusiveMinimum: [0], maximum: [10], multipleOf: [0.5] },
    { bounded: true, minimum: [-5], maximum: [5] },
    { bounded: true, minimum: [12.5], maximum: [1000] },
    { bounded: true, multipleOf: [1] },
    { bounded: true, multipleOf: [0.01], minimum: [0] },
    { bounded: true, minimum: [0], maximum: [1], multipleOf: [0.25] },
    // Where the scale must also fit the step, and where the range's ends are hit exactly.
    { bounded: true, minimum: [0.1], maximum: [10], multipleOf: [0.5] },
    { bounded: true, maximum: [191], multipleOf: [3] },
    { bounded: true, minimum: [0.5], maximum: [191], multipleOf: [3] },
    { bounded: true, exclusiveMinimum: [100], maximum: [200], multipleOf: [1] },
    { minimum: [0.1] },
    { minimum: [0], maximum: [100], multipleOf: [3] },
    { integer: true, minimum: [-10], maximum: [10] },
  ];
  const prefixes = ['-', '0', '1', '2', '9', '12', '15', '18', '25', '99', '100', '-1', '-2', '-30', '-999', '42949', '429496729', '1.', '1.5', '0.', '0.0', '-0.', '2e', '2e+', '3e-', '1234567890123456', '0.5', '0.05', '1.2', '12.5', '-0.5', '-4.9', '-5', '164', '1643723400.', '0.12345678901234567890123', '0.1234567890123456789012'];
  constraints.forEach((k, i) => {
    it(`constraint ${i}: ${JSON.stringify(k)}`, () => {
      const c = numberConstraint(k);
      for (const prefix of prefixes) {
        if (!numberViable(prefix, c)) continue;
        for (let budget = 1; budget <= 3; budget++) {
          if (!digitsStayViable(prefix, c, budget)) continue;
          for (const run of digitRuns) {
            if (run.length > budget) continue;
            // The claim covers every run; the listed ones include both ends and the middle of each length.
            expect([prefix, run, numberViable(prefix + run, c)]).toEqual([prefix, run, true]);
          }
        }
      }
    });
  });

  it('on random constraints and prefixes, for every run of up to 2 digits', () => {
    const random = prng(20261126);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const ends = [-1000, -12.5, -1, 0, 0.1, 0.5, 1, 3, 18, 100, 120, 191, 1000, 4294967295];
    const steps = [0.01, 0.25, 0.5, 1, 3, 7];
    const runs: string[] = [];
    for (let n = 0; n < 10; n++) runs.push(String(n));
    for (let n = 0; n < 100; n++) runs.push(String(n).padStart(2, '0'));
    let slices = 0;
    for (let i = 0; i < 30; i++) {
      const k: NumberKeywords = { bounded: random() < 0.8, integer: random() < 0.3 };
      if (random() < 0.6) k[random() < 0.3 ? 'exclusiveMinimum' : 'minimum'] = [pick(ends)];
      if (random() < 0.6) k[random() < 0.3 ? 'exclusiveMaximum' : 'maximum'] = [pick(ends)];
      if (random() < 0.4) k.multipleOf = [pick(steps)];
      const c = numberConstraint(k);
      for (let p = 0; p < 20; p++) {
        let prefix = random() < 0.3 ? '-' : '';
        prefix += random() < 0.2 ? '0' : String(1 + Math.floor(random() * 9)) + String(Math.floor(random() * 1000)).slice(0, Math.floor(random() * 4));
        if (random() < 0.4) prefix += '.' + String(Math.floor(random() * 1000)).slice(0, Math.floor(random() * 4));
        if (!numberViable(prefix, c)) continue;
        for (let budget = 1; budget <= 2; budget++) {
          if (!digitsStayViable(prefix, c, budget)) continue;
          slices++;
          for (const run of runs) if (run.length <= budget) expect([JSON.stringify(k), prefix, run, numberViable(prefix + run, c)]).toEqual([JSON.stringify(k), prefix, run, true]);
        }
      }
    }
    expect(slices).toBeGreaterThan(50);
  });

  it('takes the slice where it can, and not where a middle run dies', () => {
    // Plain integers from 18 to 120: after `1`, both `10` (100..109) and `19` are viable but `15` is not.
    const narrow = numberConstraint({ integer: true, bounded: true, minimum: [18], maximum: [120] });
    expect(numberViable('10', narrow) && numberViable('19', narrow) && !numberViable('15', narrow)).toBe(true);
    expect(digitsStayViable('1', narrow, 1)).toBe(false);
    expect(digitsStayViable('2', narrow, 1)).toBe(true); // 20..29
    expect(digitsStayViable('2', narrow, 2)).toBe(false); // 200 is past 120
    const nonNegative = numberConstraint({ integer: true, bounded: true, minimum: [0] });
    expect(digitsStayViable('7', nonNegative, 3)).toBe(true);
    expect(digitsStayViable('-', nonNegative, 1)).toBe(false);
    expect(digitsStayViable('1234567890123456', nonNegative, 3)).toBe(true); // 19 digits: the last ones
    const bigFloor = numberConstraint({ integer: true, bounded: true, minimum: [4294967295] });
    expect(digitsStayViable('42949', bigFloor, 3)).toBe(true); // 42949xyz reaches 4294967295 with more digits
    expect(digitsStayViable('1', numberConstraint({ bounded: true, minimum: [1] }), 3)).toBe(true);
    expect(digitsStayViable('-1', numberConstraint({ bounded: true, minimum: [1] }), 3)).toBe(false);
    expect(digitsStayViable('0.0', numberConstraint({ bounded: true, minimum: [1] }), 3)).toBe(false);
    // Two-sided ranges and multiples: one scale of the significant digits fits the whole run.
    const wholeOnly = numberConstraint({ bounded: true, multipleOf: [1] }); // ajv's limit: |x| < 1e21
    expect(digitsStayViable('164', wholeOnly, 3)).toBe(true);
    expect(digitsStayViable('1643723400.', wholeOnly, 3)).toBe(true); // 1643723400.xyz x 10^3
    const unit = numberConstraint({ bounded: true, minimum: [0], maximum: [1] });
    expect(digitsStayViable('0.5', unit, 3)).toBe(true);
    expect(digitsStayViable('7', unit, 3)).toBe(true); // 7xyz e-4
    expect(digitsStayViable('0.1234567890123456789012', unit, 2)).toBe(false); // the 24th fraction digit ends the mantissa
    const quarters = numberConstraint({ bounded: true, minimum: [0], maximum: [1], multipleOf: [0.25] });
    expect(digitsStayViable('0.2', quarters, 1)).toBe(false); // 0.21 has no multiple of 0.25 at any scale
    expect(numberViable('0.21', quarters)).toBe(false);
  });
});

function token(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

// Digit runs of 1 to 3 (so the digit budget of a slice is 3), numbers that end inside a token, and
// the structure around numbers.
const texts: string[] = [...new Set([...digitRuns, '-', '-0', '-1', '0.', '.5', '.', 'e', 'E', 'e+', 'e-', '1e', '2.5', '1,', '5}', '0]', ' ', ',', ', ', '}', ']', '[', '{', '"', '":', '"a":', '{"a":', 'null', ' 1', '12,', '7]'])];
const EOS = texts.length;
const vocabulary = vocabularyFromBytes([...texts.map(token), new Uint8Array(0)], { eosIds: [EOS] });
const SMALL = { vocabulary, texts, eos: EOS };

const schemas: [string, unknown][] = [
  ['plain integers', { type: 'array', items: { type: 'integer' }, maxItems: 6 }],
  ['plain integers or numbers', { type: 'array', items: { anyOf: [{ type: 'integer' }, { type: 'number', minimum: 5 }] }, maxItems: 6 }],
  ['integers from 0', { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 6 }],
  ['integers 18 to 120', { type: 'array', items: { type: 'integer', minimum: 18, maximum: 120 }, maxItems: 6 }],
  ['negative integers', { type: 'array', items: { type: 'integer', minimum: -3000, maximum: -20 }, maxItems: 6 }],
  ['numbers from 1', { type: 'array', items: { type: 'number', minimum: 1 }, maxItems: 6 }],
  ['numbers up to -2', { type: 'array', items: { type: 'number', maximum: -2 }, maxItems: 6 }],
  ['integer or const', { type: 'object', properties: { a: { anyOf: [{ type: 'integer' }, { const: 2.5 }] } } }],
  ['integer at the root', { type: 'integer', maximum: 1000 }],
  ['whole numbers', { type: 'array', items: { type: 'number', multipleOf: 1 }, maxItems: 6 }],
  ['numbers from 0 to 1', { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, maxItems: 6 }],
  ['multiples of 3 up to 191', { type: 'array', items: { type: 'number', minimum: 0.5, maximum: 191, multipleOf: 3 }, maxItems: 6 }],
  ['halves up to 10', { type: 'array', items: { type: 'number', exclusiveMinimum: 0, maximum: 10, multipleOf: 0.5 }, maxItems: 6 }],
];

describe('number masks equal brute force', () => {
  for (const [name, schema] of schemas) {
    it(name, () => {
      const checked = checkSchemaMasksOnRandomWalks(name, schema, SMALL, { seed: name.length * 104729, maxWhitespaceRun: 2, walks: 10, steps: 24, stopChance: 0.1, passes: 2 });
      expect(checked).toBeGreaterThan(50);
    });
  }
});

describe('plain integers without text', () => {
  function run(schema: unknown, text: string): SchemaState | undefined {
    const automaton = jsonSchemaAutomaton(schema, vocabulary, { cache: false });
    let state: SchemaState | undefined = automaton.initial;
    for (const ch of text) {
      const id = texts.indexOf(ch);
      expect(id).toBeGreaterThanOrEqual(0);
      const next = automaton.advance(state!, id);
      state = next === undefined || typeof next !== 'object' ? undefined : (next as SchemaState);
      if (state === undefined) return undefined;
    }
    return state;
  }
  function accepted(schema: unknown, text: string): boolean {
    const state = run(schema, text);
    return state !== undefined && jsonSchemaAutomaton(schema, vocabulary, { cache: false }).accepts(state);
  }

  it('keep no text, and refuse what breaks the form', () => {
    const schema = { type: 'integer' };
    const state = run(schema, '12');
    expect((state!.frame as { text: string | null }).text).toBeNull();
    for (const text of ['0', '7', '-7', '120', '1000000000000000000']) expect([text, accepted(schema, text)]).toEqual([text, true]);
    for (const text of ['-0', '1.', '1.5', '1e', '0.5', '-0.0']) expect([text, run(schema, text)]).toEqual([text, undefined]);
    expect(accepted(schema, '10000000000000000000')).toBe(false); // 20 digits
  });

  it('leave the other alternatives alive when the form breaks', () => {
    const schema = { anyOf: [{ type: 'integer' }, { type: 'number', minimum: 5 }] };
    expect(accepted(schema, '-12')).toBe(true);
    expect(accepted(schema, '12.5')).toBe(true);
    expect(accepted(schema, '2.5')).toBe(false);
    expect(accepted(schema, '-0')).toBe(false);
    expect(accepted(schema, '1e1')).toBe(true);
  });
});
