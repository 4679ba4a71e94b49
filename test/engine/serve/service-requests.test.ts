import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { parseGenerateRequest } from '../../../src/engine/serve/service-requests.js';

const limits = { maxTokens: 100, maxParticles: 8 };

describe('POST /v1/generate: the json output options', () => {
  it('passes every JSON option through, numbers included', () => {
    const request = parseGenerateRequest(
      { prompt: 'x', schema: { type: 'integer' }, json: { whitespace: 'compact', propertyOrder: 'schema', maxWhitespaceRun: 4, strict: false, numbers: 'exact' } },
      limits,
    );
    expect(request.json).toEqual({ whitespace: 'compact', propertyOrder: 'schema', maxWhitespaceRun: 4, strict: false, numbers: 'exact' });
  });

  it('refuses an unknown numbers form, naming the field', () => {
    const parse = () => parseGenerateRequest({ prompt: 'x', schema: { type: 'integer' }, json: { numbers: 'loose' } }, limits);
    expect(parse).toThrow(InputError);
    expect(parse).toThrow(/numbers/);
  });
});
