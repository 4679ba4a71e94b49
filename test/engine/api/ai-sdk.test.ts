import { generateObject, generateText, NoObjectGeneratedError, streamObject, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formwork } from '../../../src/engine/ai-sdk/formwork-provider.js';
import { generate } from '../../../src/index.js';
import { independentValidator, jsonMindedModel } from './fixtures.js';

/**
 * The Vercel AI SDK (ai 6.x) driving formwork through its LanguageModelV3 provider: generateObject's
 * JSON response format becomes the exact JSON Schema automaton, so the object always validates.
 */
describe('formwork() as an AI SDK provider', () => {
  const local = jsonMindedModel();
  const model = formwork(local);

  it('generateObject with a zod schema returns a valid object, with usage', async () => {
    const schema = z.strictObject({ city: z.string().max(8), rooms: z.number().int().min(1).max(9), garden: z.boolean() });
    for (const seed of [1, 2, 3]) {
      const { object, usage, finishReason, response } = await generateObject({ model, schema, prompt: 'A house.', seed });
      expect(schema.safeParse(object).success).toBe(true);
      expect(independentValidator(z.toJSONSchema(schema))(object)).toBe(true);
      expect(finishReason).toBe('stop');
      expect(usage.inputTokens).toBeGreaterThan(0);
      expect(usage.outputTokens).toBeGreaterThan(0);
      expect(response.modelId).toBe('json-minded');
    }
  });

  it('temperature 0 is greedy: the same object generate() gives with sampler greedy', async () => {
    const schema = z.strictObject({ label: z.enum(['alpha', 'beta', 'gamma']), n: z.number().int() });
    const viaSdk = await generateObject({ model, schema, prompt: 'pick', temperature: 0 });
    const direct = await generate({ model: local, schema, prompt: 'pick', sampler: 'greedy' });
    expect(viaSdk.object).toEqual(direct.value);
  });

  it('streamObject yields partial objects that grow into the final one', async () => {
    const schema = z.strictObject({ tags: z.array(z.enum(['red', 'green'])).min(2).max(3), note: z.string().max(5) });
    const result = streamObject({ model, schema, prompt: 'tags', seed: 4 });
    const partials: unknown[] = [];
    for await (const partial of result.partialObjectStream) partials.push(partial);
    const object = await result.object;
    expect(schema.safeParse(object).success).toBe(true);
    expect(partials.length).toBeGreaterThan(1);
    expect(partials[partials.length - 1]).toEqual(object);
  });

  it('generateText and streamText run free text; maxOutputTokens bounds it', async () => {
    const free = formwork(jsonMindedModel({ eosBias: -50 }));
    const text = await generateText({ model: free, prompt: 'Say something.', maxOutputTokens: 7 });
    expect(text.finishReason).toBe('length');
    expect(text.usage.outputTokens).toBe(7);
    const stream = streamText({ model: free, prompt: 'Say something.', maxOutputTokens: 5 });
    let joined = '';
    for await (const delta of stream.textStream) joined += delta;
    expect(joined).toBe(await stream.text);
    expect((await stream.usage).outputTokens).toBe(5);
  });

  it('an object cut off by maxOutputTokens is the AI SDK NoObjectGeneratedError (finish reason length)', async () => {
    const schema = z.strictObject({ a: z.string(), b: z.string() });
    const error = await generateObject({ model, schema, prompt: 'x', maxOutputTokens: 3 }).catch((e: unknown) => e);
    expect(NoObjectGeneratedError.isInstance(error)).toBe(true);
    expect((error as NoObjectGeneratedError).finishReason).toBe('length');
  });

  it('reports unsupported settings as warnings instead of ignoring them silently', async () => {
    const result = await generateText({ model, prompt: 'x', maxOutputTokens: 2, stopSequences: ['\n'], presencePenalty: 0.5 });
    const features = result.warnings?.map((w) => ('feature' in w ? w.feature : w.type));
    expect(features).toEqual(expect.arrayContaining(['stopSequences', 'presencePenalty']));
  });
});
