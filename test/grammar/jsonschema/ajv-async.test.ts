import { describe, expect, it } from 'vitest';
import { compileJsonSchema } from '../../../src/grammar/jsonschema/index.js';
import { referenceValidator } from '../../../src/grammar/jsonschema/reference-validator.js';

/**
 * `$async: true` (an ajv extension, found in real schemas of JSONSchemaBench) makes ajv return a
 * Promise; the final validation must still decide synchronously and never read the Promise as "valid".
 */
describe('schemas marked $async for ajv', () => {
  const schema = { $async: true, type: 'object', properties: { n: { type: 'integer', minimum: 3 } }, required: ['n'] };

  it('are validated like any schema: the keyword has no validation meaning', () => {
    const compiled = compileJsonSchema(schema);
    expect(compiled.referenceAvailable()).toBe(true);
    expect(compiled.validate({ n: 4 })).toBe(true);
    expect(compiled.validate({ n: 2 })).toBe(false);
    expect(compiled.validate({})).toBe(false);
  });

  it('the reference validator answers true/false, not a Promise', () => {
    const ref = referenceValidator(schema, '2020-12', undefined);
    expect(ref.validate({ n: 4 })).toBe(true);
    expect(ref.validate({ n: 2 })).toBe(false);
  });

  it('the machine does not accept a document the reference validator rejects', () => {
    const compiled = compileJsonSchema({ $async: true, type: 'string', not: { const: 'x' } });
    expect(compiled.validate('y')).toBe(true);
    expect(compiled.validate('x')).toBe(false);
  });
});
