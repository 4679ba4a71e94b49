import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../src/engine/generate/generate.js';
import { Model } from '../../../src/engine/generate/model.js';
import type { SamplerKind } from '../../../src/sampler/run-sampler.js';
import { defaultModelDir, exampleSchemas, independentValidator, jsonMindedModel, propertyNames } from './fixtures.js';

/**
 * Issue 6: generate over every schema of schemas/examples (and our own) with each constrained sampler:
 * every run returns a value, and 100% of the values validate, checked by an independent ajv; the value
 * is exactly JSON.parse(text), and text is exactly the decoded tokens.
 */
const SAMPLERS: readonly SamplerKind[] = ['greedy', 'sample', 'masked', 'awrs', 'smc'];
const schemas = exampleSchemas();

describe('generate() over every example schema, every sampler (toy byte model)', () => {
  for (const { name, schema } of schemas) {
    it(`${name}`, async () => {
      const model = jsonMindedModel({ names: propertyNames(schema) });
      const valid = independentValidator(schema);
      for (const sampler of SAMPLERS) {
        for (const seed of [1, 2]) {
          const result = await generate({
            model,
            schema: schema as Record<string, unknown>,
            prompt: `Give an example (${name}).`,
            sampler,
            seed,
            topK: sampler === 'sample' ? 20 : undefined,
            particles: sampler === 'smc' ? 3 : undefined,
            maxTokens: 400,
          });
          const where = `${sampler} seed ${seed}: ${result.text}`;
          expect(valid(result.value), where).toBe(true);
          expect(result.value, where).toEqual(JSON.parse(result.text));
          expect(model.vocabulary.decode(result.tokens)).toBe(result.text);
          expect(result.finishReason).toBe('stop');
          expect(result.usage.completionTokens).toBe(result.tokens.length);
          expect(model.constraints.size).toBe(1);
          if (sampler === 'smc') {
            expect(result.particles).toHaveLength(3);
            expect(result.particles!.reduce((sum, p) => sum + p.weight, 0)).toBeCloseTo(1, 12);
            expect(Number.isFinite(result.logZ)).toBe(true);
          } else {
            expect(result.particles).toBeUndefined();
          }
        }
      }
    });
  }

});

describe('generate() on an ONNX model (the trained default model: tokenizer, chat template, worker thread)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await Model.load(defaultModelDir);
  });
  afterAll(async () => {
    await model?.dispose();
  });

  const cases = schemas.filter((s) => ['enum', 'integer range'].includes(s.name));
  for (const { name, schema } of cases) {
    it(`${name}: every constrained sampler returns a valid value`, async () => {
      const valid = independentValidator(schema);
      for (const sampler of SAMPLERS) {
        const result = await generate({ model, schema: schema as Record<string, unknown>, prompt: 'An example, please.', sampler, maxTokens: 300, json: { whitespace: 'compact' } });
        expect(valid(result.value), `${sampler}: ${result.text}`).toBe(true);
        expect(result.value).toEqual(JSON.parse(result.text));
      }
    });
  }
});
