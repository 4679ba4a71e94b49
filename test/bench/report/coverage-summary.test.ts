import { describe, expect, it } from 'vitest';

import { summarizeCoverage, type CoverageRecord } from '../../../bench/report/coverage-summary.js';

describe('summarizeCoverage', () => {
  it('declared / empirical coverage, compliance and timings per subset', () => {
    const records: CoverageRecord[] = [
      { id: 'A_1', subset: 'A', declared: true, valid: true, prompt: 'schema', ttftMs: 10, tpotMs: 2, baseline: { ttftMs: 5, tpotMs: 1, outputTokens: 3 } },
      { id: 'A_2', subset: 'A', declared: true, valid: false, prompt: 'bare', ttftMs: 30, tpotMs: 4, baseline: { ttftMs: 7, tpotMs: 3, outputTokens: 3 } },
      { id: 'B_1', subset: 'B', declared: false, valid: false, prompt: 'schema', error: 'CompileError' },
      { id: 'B_2', subset: 'B', declared: true, valid: false, prompt: 'schema', unverifiable: true, ttftMs: 20 },
    ];
    const summary = summarizeCoverage(records);
    expect(summary).toMatchObject({ schemas: 4, declared: 3, valid: 1, barePrompts: 1, unverifiable: 1 });
    expect(summary.declaredCoverage).toBe(0.75);
    expect(summary.empiricalCoverage).toBe(0.25);
    expect(summary.complianceRate).toBeCloseTo(1 / 3, 12);
    expect(summary.ttftMs.count).toBe(3);
    expect(summary.ttftMs.p50).toBe(20);
    expect(summary.tpotMs.p50).toBe(3);
    expect(summary.baselineTtftMs.p50).toBe(6);
    expect(summary.subsets).toEqual({ A: { schemas: 2, declared: 2, valid: 1 }, B: { schemas: 2, declared: 1, valid: 0 } });
  });

  it('an empty run has zero rates, not NaN', () => {
    const summary = summarizeCoverage([]);
    expect([summary.declaredCoverage, summary.empiricalCoverage, summary.complianceRate]).toEqual([0, 0, 0]);
  });
});
