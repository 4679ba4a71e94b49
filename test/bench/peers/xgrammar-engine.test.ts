import { describe, expect, it } from 'vitest';

import { loadPeerTokenizer } from '../../../bench/peers/peer-tokenizer.js';
import { runXGrammarPeer } from '../../../bench/peers/run-peer.js';
import { sharedData, skipUnlessSharedData } from '../../support/shared-data.js';
import { tinyTokenize, tinyVocabulary } from './tiny-vocabulary.js';

const OBJECT_SCHEMA = JSON.stringify({
  type: 'object',
  properties: { a: { type: 'integer' }, b: { type: 'boolean' } },
  required: ['a'],
  additionalProperties: false,
});

describe('XGrammar peer (web-xgrammar WASM in a worker)', () => {
  it('forces instances token by token: in-mask checks, EOS at the end, and survives a WASM abort', async () => {
    const instance = (text: string, valid: boolean) => ({ tokens: tinyTokenize(text), valid });
    const run = await runXGrammarPeer({
      vocabulary: tinyVocabulary,
      timeoutMs: 60_000,
      schemas: [
        {
          id: 'object',
          schema: OBJECT_SCHEMA,
          instances: [
            instance('{"a": 12}', true),
            instance('{"a": 12, "b": true}', true),
            instance('{"a": 1.5}', false),
            instance('{"a": 1', false),
          ],
        },
        // XGrammar aborts its WASM module on an unknown type; the worker is replaced.
        { id: 'unsupported', schema: '{"type": "strin"}', instances: [instance('"x"', true)] },
        { id: 'after-abort', schema: OBJECT_SCHEMA, instances: [instance('{"a": 7}', true)] },
      ],
    });
    const [object, unsupported, afterAbort] = run.results;
    expect(object.status).toBe('ok');
    expect(object.instances.map((result) => result.accepted)).toEqual([true, true, false, false]);
    // '{', '"a"', ': ', '1', '.' -> the '.' (token 4) is outside the mask of an integer.
    expect(object.instances[2].rejectedAt).toBe(4);
    // Every token of '{"a": 1' is allowed, but EOS is not: rejectedAt = number of tokens.
    expect(object.instances[3].rejectedAt).toBe(object.instances[3].tokens);
    expect(object.compileMs).toBeGreaterThan(0);
    expect(object.ttfmMs).toBeGreaterThanOrEqual(object.compileMs!);
    // One mask per forced token after the first (the first one is the time to first mask), plus the EOS check.
    const masks = (tokens: number, rejectedAt: number) => (rejectedAt === -1 ? tokens + 1 : rejectedAt + 1);
    const expectedMasks = object.instances.reduce((sum, result) => sum + masks(result.tokens, result.rejectedAt), 0) - 1;
    expect(object.maskUs).toHaveLength(expectedMasks);
    expect(unsupported.status).toBe('compileError');
    expect(unsupported.error).toMatch(/Unsupported type/);
    expect(afterAbort.status).toBe('ok');
    expect(afterAbort.instances[0].accepted).toBe(true);
    expect(run.restarts).toBe(1);
    expect(run.engine.label).toMatch(/^web-xgrammar 0\.1\.\d+ \(JSON-Schema-compliant \(non-strict\) mode, any whitespace\)$/);
  });

  it('in strict mode, rejects what the schema does not list (additional properties)', async () => {
    const open = JSON.stringify({ type: 'object', properties: { a: { type: 'integer' } } });
    const schemas = [{ id: 'open', schema: open, instances: [{ tokens: tinyTokenize('{"a": 1, "b": 2}'), valid: true }] }];
    const compliant = await runXGrammarPeer({ vocabulary: tinyVocabulary, schemas });
    const strict = await runXGrammarPeer({ vocabulary: tinyVocabulary, schemas, xgrammar: { strictMode: true } });
    expect(compliant.results[0].instances[0].accepted).toBe(true);
    expect(strict.results[0].instances[0].accepted).toBe(false);
  });

  describe.skipIf(skipUnlessSharedData('tokenizers/llama3'))('with the Llama-3 tokenizer', () => {
    it('accepts a valid instance and rejects an invalid one', async () => {
      const tokenizer = loadPeerTokenizer(sharedData('tokenizers/llama3'));
      const run = await runXGrammarPeer({
        tokenizerDir: sharedData('tokenizers/llama3'),
        schemas: [
          {
            id: 'object',
            schema: OBJECT_SCHEMA,
            instances: [
              { tokens: tokenizer.encode('{"a": 12, "b": true}'), valid: true },
              { tokens: tokenizer.encode('{"a": "12"}'), valid: false },
            ],
          },
        ],
      });
      expect(run.engine.options).toMatchObject({ eosId: 128009, vocabSize: 128256, vocabType: 'byte_level' });
      expect(run.results[0].instances.map((result) => result.accepted)).toEqual([true, false]);
      expect(run.summary.passing).toBe(1);
    });
  });
});
