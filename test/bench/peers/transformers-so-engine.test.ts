import { describe, expect, it } from 'vitest';

import { runTransformersSoPeer } from '../../../bench/peers/run-peer.js';
import { tinyTokenize, tinyVocabulary } from './tiny-vocabulary.js';

describe('transformers-structured-output peer (logits processor in a worker)', () => {
  it('masks logits token by token, allows EOS only on a complete value, and refuses pattern/format', async () => {
    const instance = (text: string, valid: boolean) => ({ tokens: tinyTokenize(text), valid });
    const schema = JSON.stringify({
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'boolean' } },
      required: ['a'],
      additionalProperties: false,
    });
    const run = await runTransformersSoPeer({
      vocabulary: tinyVocabulary,
      timeoutMs: 60_000,
      schemas: [
        {
          id: 'object',
          schema,
          instances: [
            instance('{"a": 12, "b": true}', true),
            // Property order is free here (unlike XGrammar): b before a is valid.
            instance('{"b": true, "a": 3}', true),
            instance('{"a": 1.5}', false),
            instance('{"b": true}', false),
          ],
        },
        { id: 'pattern', schema: '{"type": "string", "pattern": "^a+$"}', instances: [instance('"aa"', true)] },
        { id: 'format', schema: '{"type": "string", "format": "date"}', instances: [] },
      ],
    });
    const [object, pattern, format] = run.results;
    expect(object.status).toBe('ok');
    expect(object.instances.map((result) => result.accepted)).toEqual([true, true, false, false]);
    // '{', '"a"', ': ', '1', '.', '5': "1." may still become the integer 1.0 (JSON Schema counts it as
    // an integer), so the first token out of the mask is the '5'.
    expect(object.instances[2].rejectedAt).toBe(5);
    // '{"b": true}' is a complete object but lacks "a": the closing brace is refused.
    expect(object.instances[3].rejectedAt).toBe(object.instances[3].tokens - 1);
    expect(object.ttfmMs).toBeGreaterThanOrEqual(object.compileMs!);
    expect(pattern).toMatchObject({ status: 'compileError' });
    expect(pattern.error).toMatch(/pattern cannot be enforced incrementally/);
    expect(format.error).toMatch(/format "date" cannot be enforced incrementally/);
    expect(run.summary.errorKinds).toEqual({
      'compileError: …pattern cannot be enforced incrementally and is unsupported.': 1,
      'compileError: …format "date" cannot be enforced incrementally and is unsupported.': 1,
    });
  });
});
