import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareWithRatchet, ratchetPath, runJsts, type JstsResults } from '../../../bench/jsts.js';
import { ciSubset, maskBenchFiles, ratchetFile, runMaskBench, type SchemaOutcome } from '../../../bench/maskbench.js';
import { loadVocabulary } from '../../../src/grammar/vocab/load-vocabulary.js';
import { sharedData, skipUnlessSharedData } from '../../support/shared-data.js';

/**
 * Conformance ratchets: the checked-in outcome of every JSON Schema Test Suite test and of every
 * MaskBench dev schema. Any regression fails; improvements are printed so the files can be updated
 * (npx tsx bench/jsts.ts --write-ratchet [--draft 7]; npx tsx bench/maskbench.ts --write-ratchet).
 */
const skip = skipUnlessSharedData('json-schema-test-suite') || skipUnlessSharedData('tokenizers/llama3');

describe.skipIf(skip)('JSON Schema Test Suite ratchet (Llama-3 tokens)', () => {
  const vocabulary = skip ? undefined : loadVocabulary(sharedData('tokenizers/llama3'));

  for (const draft of ['2020-12', '7'] as const) {
    it(`draft ${draft}`, () => {
      // Single-token checks everywhere, full masks (and their agreement with advance) on every 25th test.
      const { summary, results } = runJsts({ vocabulary, draft, mask: 'allows', maskEvery: 25 });
      const expected = JSON.parse(readFileSync(ratchetPath(draft), 'utf8')) as JstsResults;
      const { regressions, improvements, missing } = compareWithRatchet(results, expected);
      if (improvements.length > 0) console.log(`[ratchet] ${improvements.length} improvements in draft ${draft}, update the ratchet:\n${improvements.join('\n')}`);
      expect(regressions).toEqual([]);
      expect(missing).toEqual([]);
      expect(summary.falsePositive).toBe(0);
      expect(summary.maskMismatch).toBe(0);
    });
  }
});

const skipBench = skipUnlessSharedData('jsonschemabench/maskbench-dev') || skipUnlessSharedData('tokenizers/llama3');

describe.skipIf(skipBench)('MaskBench ratchet (fixed CI subset of maskbench-dev)', () => {
  it('no schema regresses, nothing invalid is accepted', () => {
    const dir = sharedData('jsonschemabench/maskbench-dev');
    const files = ciSubset(maskBenchFiles(dir));
    const vocabulary = loadVocabulary(sharedData('tokenizers/llama3'));
    const { summary, results } = runMaskBench({ dir, vocabulary, files, mask: 'allows', maskEvery: 5 });
    expect(existsSync(ratchetFile)).toBe(true);
    const expected = JSON.parse(readFileSync(ratchetFile, 'utf8')) as Record<string, SchemaOutcome>;
    const regressions: string[] = [];
    const improvements: string[] = [];
    for (const r of results) {
      const before = expected[r.file];
      if (before === r.outcome) continue;
      (r.outcome === 'pass' ? improvements : regressions).push(`${r.file}: ${before} -> ${r.outcome}`);
    }
    if (improvements.length > 0) console.log(`[ratchet] ${improvements.length} MaskBench improvements:\n${improvements.join('\n')}`);
    expect(regressions).toEqual([]);
    expect(summary.invalidAccepted).toBe(0);
    expect(summary.maskMismatch).toBe(0);
  });
});
