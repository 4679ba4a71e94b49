import { summarize, type Distribution } from './percentile.js';

/**
 * The records of an end-to-end coverage run (bench/coverage.ts) and their summary, apart from the run
 * itself so that the report generator reads journals without loading a model runtime.
 */
/** One schema's end-to-end result (a journal line). */
export interface CoverageRecord {
  id: string;
  subset: string;
  /** The schema compiled (declared coverage). */
  declared: boolean;
  /** generate() returned and ajv accepted the value (empirical coverage). */
  valid: boolean;
  /** 'schema': the prompt describes the schema; 'bare': it did not fit the context and was left out. */
  prompt: 'schema' | 'bare';
  /** Why the output is missing or invalid: compile error, no valid output, ran out of tokens, ajv errors. */
  error?: string;
  /** ajv could not compile the schema: the output could not be checked independently (counted invalid). */
  unverifiable?: boolean;
  promptTokens?: number;
  outputTokens?: number;
  /** Constrained: ms from the call to the first token (compile + prefill + first step), and per later token. */
  ttftMs?: number;
  tpotMs?: number;
  /** The same messages and budget, unconstrained. */
  baseline?: { ttftMs: number; tpotMs?: number; outputTokens: number };
}

export interface CoverageSummary {
  schemas: number;
  declared: number;
  valid: number;
  declaredCoverage: number;
  empiricalCoverage: number;
  /** valid / declared. */
  complianceRate: number;
  /** Schemas whose prompt left the schema description out (context too small). */
  barePrompts: number;
  unverifiable: number;
  ttftMs: Distribution;
  tpotMs: Distribution;
  baselineTtftMs: Distribution;
  baselineTpotMs: Distribution;
  subsets: Record<string, { schemas: number; declared: number; valid: number }>;
}

export function summarizeCoverage(records: readonly CoverageRecord[]): CoverageSummary {
  const subsets: CoverageSummary['subsets'] = {};
  for (const record of records) {
    const subset = (subsets[record.subset] ??= { schemas: 0, declared: 0, valid: 0 });
    subset.schemas++;
    if (record.declared) subset.declared++;
    if (record.valid) subset.valid++;
  }
  const declared = records.filter((record) => record.declared).length;
  const valid = records.filter((record) => record.valid).length;
  const values = (pick: (record: CoverageRecord) => number | undefined) =>
    records.map(pick).filter((value): value is number => value !== undefined && Number.isFinite(value));
  return {
    schemas: records.length,
    declared,
    valid,
    declaredCoverage: records.length === 0 ? 0 : declared / records.length,
    empiricalCoverage: records.length === 0 ? 0 : valid / records.length,
    complianceRate: declared === 0 ? 0 : valid / declared,
    barePrompts: records.filter((record) => record.prompt === 'bare').length,
    unverifiable: records.filter((record) => record.unverifiable === true).length,
    ttftMs: summarize(values((record) => record.ttftMs)),
    tpotMs: summarize(values((record) => record.tpotMs)),
    baselineTtftMs: summarize(values((record) => record.baseline?.ttftMs)),
    baselineTpotMs: summarize(values((record) => record.baseline?.tpotMs)),
    subsets: Object.fromEntries(Object.entries(subsets).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

