import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cCorpusPath, generateCPrograms } from '../../bench/grammar-c-corpus.js';
import { corpusPath, generateJsonCorpus } from '../../bench/grammar-corpus.js';
import { SeededRandom } from '../../bench/seeded-random.js';

describe('SeededRandom', () => {
  it('regenerates the checked-in benchmark corpora exactly (the sequence is part of the data)', () => {
    expect(generateJsonCorpus()).toEqual(JSON.parse(readFileSync(corpusPath, 'utf8')));
    expect(generateCPrograms()).toEqual(JSON.parse(readFileSync(cCorpusPath, 'utf8')));
  });

  it('draws in range and treats seed 0 as seed 1 (xorshift has no zero state)', () => {
    const r = new SeededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      const k = r.int(-2, 3);
      expect(Number.isInteger(k) && k >= -2 && k <= 3).toBe(true);
      expect(r.float(1, 2, 2)).toBeGreaterThanOrEqual(1);
    }
    const zero = new SeededRandom(0);
    const one = new SeededRandom(1);
    expect([zero.next(), zero.next()]).toEqual([one.next(), one.next()]);
  });
});
