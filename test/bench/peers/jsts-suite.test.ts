import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readTestSuite, summarizeJsts } from '../../../bench/peers/jsts-suite.js';
import type { PeerSchemaResult } from '../../../bench/peers/peer-protocol.js';
import { sharedData, skipUnlessSharedData } from '../../support/shared-data.js';

describe('JSON Schema Test Suite reader and compliance', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'formwork-jsts-'));
    const draft = join(dir, 'tests', 'draft2020-12');
    mkdirSync(join(draft, 'optional', 'format'), { recursive: true });
    writeFileSync(
      join(draft, 'anyOf.json'),
      JSON.stringify([
        { description: 'g0', schema: { anyOf: [{ type: 'integer' }, { minimum: 2 }] }, tests: [{ description: 'a', data: 1, valid: true }, { description: 'b', data: 1.5, valid: false }] },
        { description: 'g1', schema: true, tests: [{ description: 'c', data: { b: 1, a: [1.0] }, valid: true }] },
      ]),
    );
    writeFileSync(
      join(draft, 'optional', 'format', 'date.json'),
      JSON.stringify([{ description: 'g', schema: { format: 'date' }, tests: [{ description: 'd', data: '2020-01-01', valid: true }] }]),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads groups per keyword category with compact JSON instances', () => {
    const groups = readTestSuite(dir);
    expect(groups.map((group) => group.id)).toEqual(['anyOf#0', 'anyOf#1', 'optional/format/date#0']);
    expect(groups[0].schemaText).toBe('{"anyOf":[{"type":"integer"},{"minimum":2}]}');
    expect(groups[1].tests[0].text).toBe('{"b":1,"a":[1]}');
    expect(readTestSuite(dir, { optional: false })).toHaveLength(2);
  });

  it('counts a group as compliant only when every test is right', () => {
    const groups = readTestSuite(dir);
    const results: PeerSchemaResult[] = [
      { id: 'anyOf#0', status: 'ok', maskUs: [], instances: [{ valid: true, accepted: true, rejectedAt: -1, tokens: 1 }, { valid: false, accepted: true, rejectedAt: -1, tokens: 3 }] },
      { id: 'anyOf#1', status: 'ok', maskUs: [], instances: [{ valid: true, accepted: true, rejectedAt: -1, tokens: 9 }] },
      { id: 'optional/format/date#0', status: 'compileError', error: 'format', maskUs: [], instances: [] },
    ];
    expect(summarizeJsts(groups, results)).toEqual({
      tests: 4,
      pass: 2,
      falsePositive: 1,
      falseNegative: 0,
      compileError: 1,
      groups: 3,
      compliantGroups: 1,
      categories: {
        anyOf: { groups: 2, compliantGroups: 1, share: 0.5, tests: 3, pass: 2 },
        'optional/format/date': { groups: 1, compliantGroups: 0, share: 0, tests: 1, pass: 0 },
      },
    });
  });

  describe.skipIf(skipUnlessSharedData('json-schema-test-suite'))('on the real suite', () => {
    it('finds every draft 2020-12 group and test', () => {
      const groups = readTestSuite(sharedData('json-schema-test-suite'));
      expect(groups).toHaveLength(461);
      expect(groups.reduce((sum, group) => sum + group.tests.length, 0)).toBe(2225);
      expect(new Set(groups.map((group) => group.category)).has('optional/format/email')).toBe(true);
    });
  });
});
