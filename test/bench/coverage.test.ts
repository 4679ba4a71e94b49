import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ajvValidator, coverageOfSchema } from '../../bench/coverage.js';
import { loadModel, type Model } from '../../src/engine/generate/model.js';

describe('coverage: the independent ajv check', () => {
  it('picks the dialect by $schema and asserts formats', () => {
    const modern = ajvValidator({ type: 'object', prefixItems: [], properties: { d: { type: 'string', format: 'date' } } });
    if ('error' in modern) throw new Error(modern.error);
    expect(modern({ d: '2024-02-29' }).ok).toBe(true);
    expect(modern({ d: '2024-02-30' }).ok).toBe(false);
    // draft-07 `items` array = tuple (in 2020-12 it would be one schema for every item, an invalid one).
    const legacy = ajvValidator({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: [{ type: 'integer' }], additionalItems: false });
    if ('error' in legacy) throw new Error(legacy.error);
    expect(legacy([1]).ok).toBe(true);
    expect(legacy([1, 2]).ok).toBe(false);
    expect('error' in ajvValidator({ $ref: 'http://example.com/nowhere.json' })).toBe(true);
  });
});

describe('coverage of a schema on the default model', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel();
  });
  afterAll(async () => {
    await model.dispose();
  });

  it('declared, generated under the constraint, validated by ajv, timed against the unconstrained run', async () => {
    // A closed, short language: whatever the tiny model prefers, the output is complete within the budget
    // (an open object lets it write until the budget runs out, which is the model's doing, not the harness's).
    const schema = { enum: ['red', 'green', 'blue'] };
    const record = await coverageOfSchema(model, 'S_1.json', 'S', schema, 40);
    expect(record).toMatchObject({ id: 'S_1.json', subset: 'S', declared: true, prompt: 'schema' });
    expect(record.error).toBeUndefined();
    expect(record.valid).toBe(true);
    expect(record.outputTokens).toBeGreaterThan(0);
    expect(record.ttftMs).toBeGreaterThan(0);
    expect(record.baseline?.ttftMs).toBeGreaterThan(0);
  }, 60_000);

  it('a schema the compiler refuses is not declared', async () => {
    const record = await coverageOfSchema(model, 'S_2.json', 'S', { $ref: 'http://example.com/elsewhere.json' }, 8);
    expect(record.declared).toBe(false);
    expect(record.valid).toBe(false);
    expect(record.error).toMatch(/CompileError/);
  }, 60_000);
});
