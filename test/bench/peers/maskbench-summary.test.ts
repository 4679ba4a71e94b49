import { describe, expect, it } from 'vitest';

import { errorKind, schemaOutcome, summarizeSchemaResults } from '../../../bench/peers/maskbench-summary.js';
import type { PeerSchemaResult } from '../../../bench/peers/peer-protocol.js';

const instance = (valid: boolean, accepted: boolean, tokens = 4) => ({ valid, accepted, rejectedAt: accepted ? -1 : 1, tokens });

describe('MaskBench summary', () => {
  const results: PeerSchemaResult[] = [
    { id: 'pass', status: 'ok', compileMs: 2, ttfmMs: 3, maskUs: [10, 20], advanceUs: [1], instances: [instance(true, true), instance(false, false)] },
    { id: 'no-tests', status: 'ok', compileMs: 4, ttfmMs: 5, maskUs: [], instances: [] },
    // Both kinds of error: the invalid acceptance decides.
    { id: 'both', status: 'ok', compileMs: 6, ttfmMs: 7, maskUs: [30], instances: [instance(true, false), instance(false, true)] },
    { id: 'strict', status: 'ok', compileMs: 8, ttfmMs: 9, maskUs: [40, 50], instances: [instance(true, false, 10)] },
    { id: 'refused', status: 'compileError', error: '$.properties.x.pattern cannot be enforced incrementally', maskUs: [], instances: [] },
    { id: 'refused2', status: 'compileError', error: '$.pattern cannot be enforced incrementally', maskUs: [], instances: [] },
    { id: 'slow', status: 'timeout', error: 'no result within 60000 ms; the worker was killed', maskUs: [], instances: [] },
    { id: 'dead', status: 'crash', error: 'the worker died (exit code null, signal SIGSEGV)', maskUs: [], instances: [] },
  ];

  it('gives each schema exactly one outcome', () => {
    expect(results.map(schemaOutcome)).toEqual([
      'passing',
      'passing',
      'invalidAccepted',
      'validRejected',
      'compileError',
      'compileError',
      'timeout',
      'crash',
    ]);
  });

  it('counts schemas, instances and tokens and summarises only compiled schemas\' times', () => {
    const summary = summarizeSchemaResults(results);
    expect(summary).toMatchObject({
      schemas: 8,
      passing: 2,
      invalidAccepted: 1,
      validRejected: 1,
      compileErrors: 2,
      timeouts: 1,
      crashes: 1,
      instances: { valid: 3, invalid: 2, validRejected: 2, invalidAccepted: 1 },
      tokens: 26,
    });
    expect(summary.schemas).toBe(
      summary.passing + summary.invalidAccepted + summary.validRejected + summary.compileErrors + summary.timeouts + summary.crashes,
    );
    expect(summary.compileMs).toMatchObject({ count: 4, p50: 5, max: 8, mean: 5 });
    expect(summary.maskUs).toMatchObject({ count: 5, p50: 30, max: 50, mean: 30 });
    expect(summary.advanceUs).toMatchObject({ count: 1, p50: 1 });
    expect(summary.errorKinds).toEqual({
      'compileError: …pattern cannot be enforced incrementally': 2,
      'timeout: no result within N ms; the worker was killed': 1,
      'crash: the worker died (exit code null, signal SIGSEGV)': 1,
    });
  });

  it('normalises error messages into kinds', () => {
    expect(errorKind('Unsupported type "strin"')).toBe('Unsupported type "strin"');
    expect(errorKind('$.properties["a b"]: unsupported JSON Schema keyword "x-kubernetes-patch-strategy".')).toBe(
      '…: unsupported JSON Schema keyword "x-kubernetes-patch-strategy".',
    );
    expect(errorKind('Invalid value "not a keyword at all" at 3')).toBe('Invalid value "…" at N');
    expect(errorKind('Regex parsing error at position 3: Lookbehind is not supported yet.\nstack')).toBe(
      'Regex parsing error at position N: Lookbehind is not supported yet.',
    );
    expect(errorKind('$.format "email" cannot be enforced incrementally')).toBe('…format "email" cannot be enforced incrementally');
  });
});
