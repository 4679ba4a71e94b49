import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  listMaskbenchFiles,
  maskbenchSubset,
  readMaskbenchEntry,
  tokenizeMaskbenchEntry,
} from '../../../bench/peers/maskbench-files.js';
import { sharedData, skipUnlessSharedData } from '../../support/shared-data.js';

describe('MaskBench files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'formwork-maskbench-'));
    const names = ['BFCL_java_0.json', 'BFCL_java_1.json', 'Github_easy---o1.json', 'Github_easy---o2.json', 'Glaiveai2K---x_1.json', 'Snowplow---sp_1.json'];
    for (const name of names) {
      writeFileSync(
        join(dir, name),
        JSON.stringify({ description: name, meta: {}, schema: { type: 'object' }, tests: [{ description: 't', valid: true, data: {} }] }),
      );
    }
    writeFileSync(join(dir, 'README.md'), 'not data');
    writeFileSync(
      join(dir, 'Kubernetes---kb_1.json'),
      '{"description": "d", "meta": {}, "schema": {"properties": {"2": {"minimum": 1.50}, "1": {}}},\n' +
        ' "tests": [{"description": "a", "valid": true, "data": {"2": 2.0, "1": "caf\\u00e9", "x": 1e20}},' +
        ' {"description": "b", "valid": false, "data": [1, 2]}]}',
    );
    mkdirSync(join(dir, 'sub'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names subsets the way the benchmark groups them', () => {
    expect(maskbenchSubset('Github_easy---o10307.json')).toBe('Github_easy');
    expect(maskbenchSubset('Glaiveai2K---calculate_area_12.json')).toBe('Glaiveai2K');
    expect(maskbenchSubset('BFCL_parallel_multiple_3.json')).toBe('BFCL');
  });

  it('lists JSON files sorted, spreads a --limit sample over all of them, and filters one subset', () => {
    expect(listMaskbenchFiles(dir)).toHaveLength(7);
    expect(listMaskbenchFiles(dir, { limit: 3 })).toEqual(['BFCL_java_0.json', 'Github_easy---o1.json', 'Glaiveai2K---x_1.json']);
    expect(listMaskbenchFiles(dir, { subset: 'Github_easy' })).toEqual(['Github_easy---o1.json', 'Github_easy---o2.json']);
  });

  it('keeps the schema text as written and re-serializes instances as Python did', () => {
    const entry = readMaskbenchEntry(dir, 'Kubernetes---kb_1.json');
    expect(entry.subset).toBe('Kubernetes');
    expect(entry.schemaText).toBe('{"properties":{"2":{"minimum":1.50},"1":{}}}');
    expect(entry.instances).toEqual([
      { text: '{"2": 2.0, "1": "caf\\u00e9", "x": 1e+20}', valid: true },
      { text: '[1, 2]', valid: false },
    ]);
    const schema = tokenizeMaskbenchEntry(entry, (text) => [...text].map((character) => character.charCodeAt(0)));
    expect(schema.instances[1]).toEqual({ tokens: [91, 49, 44, 32, 50, 93], valid: false });
  });

  describe.skipIf(skipUnlessSharedData('jsonschemabench/maskbench-dev'))('on maskbench-dev', () => {
    it('reads all 3,125 files across the subsets', () => {
      const names = listMaskbenchFiles(sharedData('jsonschemabench/maskbench-dev'));
      expect(names).toHaveLength(3125);
      const subsets = new Set(names.map(maskbenchSubset));
      expect([...subsets].sort()).toEqual([
        'BFCL',
        'Github_easy',
        'Github_hard',
        'Github_medium',
        'Github_trivial',
        'Github_ultra',
        'Glaiveai2K',
        'Handwritten',
        'JME',
        'JsonSchemaStore',
        'Kubernetes',
        'MCPspec',
        'Snowplow',
        'Synthesized',
        'WashingtonPost',
      ]);
    });
  });
});
