import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AbortError,
  CompileError,
  GrammarError,
  IncompleteOutputError,
  InputError,
  LimitError,
  Model,
  ModelLoadError,
  NoValidOutputError,
  RegexError,
  generate,
  isPartialOf,
  loadModel,
  streamGenerate,
} from '../../../src/index.js';
import { disposeSharedModels } from '../../../src/engine/generate/model.js';
import { CHAT_TOKENS, renderChat } from '../../../src/engine/prompts/chat-format.js';
import { jsonSchemaPrompt } from '../../../src/engine/prompts/json-schema-prompt.js';
import { keywordCoverage } from '../../../src/sampler/rewards/index.js';
import { defaultModelDir, jsonMindedModel } from './fixtures.js';

const person = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 10 }, age: { type: 'integer', minimum: 0, maximum: 99 } },
  required: ['name', 'age'],
  additionalProperties: false,
} as const;

describe('prompts', () => {
  it('sends exactly the format the default model was trained on: schema system message + user prompt, chat template', async () => {
    const model = jsonMindedModel();
    let promptTokens = 0;
    const stream = streamGenerate({ model, schema: person, prompt: 'Ada, 36.' });
    const result = await stream.result;
    promptTokens = result.usage.promptTokens;
    const expectedText = renderChat(jsonSchemaPrompt(person, 'Ada, 36.'));
    expect(model.encodePrompt(jsonSchemaPrompt(person, 'Ada, 36.')).text).toBe(expectedText);
    // The toy vocabulary has one token per byte.
    expect(promptTokens).toBe(Buffer.byteLength(expectedText));
  });

  it('merges a caller system message after the schema description, and raw mode skips the template', () => {
    const model = jsonMindedModel();
    const encoded = model.encodePrompt([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
    expect(encoded.text).toBe(`${CHAT_TOKENS.system}Be brief.${CHAT_TOKENS.end}${CHAT_TOKENS.user}hi${CHAT_TOKENS.end}${CHAT_TOKENS.assistant}`);
    expect(model.encodePrompt([{ role: 'user', content: 'hi' }], { chatTemplate: false }).text).toBe('hi');
  });

  it('free text with no chat template sends the raw prompt', async () => {
    const model = jsonMindedModel();
    const result = await generate({ model, prompt: 'abc', chatTemplate: false, maxTokens: 3, sampler: 'greedy' });
    expect(result.usage.promptTokens).toBe(3);
    expect(typeof result.value).toBe('string');
    expect(result.value).toBe(result.text);
  });
});

describe('results', () => {
  const model = jsonMindedModel();

  it('returns the parsed value of a zod schema through zod (defaults and transforms apply)', async () => {
    const schema = z.strictObject({ name: z.string().max(5), tags: z.array(z.string()).max(2) }).transform((v) => ({ ...v, count: v.tags.length }));
    const result = await generate({ model, schema, prompt: 'x', sampler: 'greedy' });
    expect(result.value.count).toBe(result.value.tags.length);
    expect(JSON.parse(result.text)).toEqual({ name: result.value.name, tags: result.value.tags });
  });

  it('is reproducible: the same seed gives the same output, and SMC reports particles, weights and log Z', async () => {
    const a = await generate({ model, schema: person, prompt: 'x', sampler: 'smc', particles: 4, seed: 7 });
    const b = await generate({ model, schema: person, prompt: 'x', sampler: 'smc', particles: 4, seed: 7 });
    expect(b.text).toBe(a.text);
    expect(a.particles).toHaveLength(4);
    expect(a.posterior!.reduce((s, p) => s + p.probability, 0)).toBeCloseTo(1, 12);
    expect(a.particles!.some((p) => p.text === a.text)).toBe(true);
    expect(a.logZ).toBeLessThanOrEqual(0);
  });

  it('gives grammar and regex outputs as strings in their language', async () => {
    const regex = await generate({ model, regex: /[a-c]{2,4}-[0-9]/, prompt: 'code', sampler: 'masked' });
    expect(regex.value).toMatch(/^[a-c]{2,4}-[0-9]$/);
    const grammar = await generate({ model, grammar: 'root ::= "yes" | "no" | "maybe"', prompt: 'ok?', sampler: 'awrs' });
    expect(['yes', 'no', 'maybe']).toContain(grammar.value);
    const lark = await generate({ model, grammar: { source: 'start: "(" NUMBER ")"\n%import common.NUMBER', syntax: 'lark' }, prompt: 'n', sampler: 'greedy' });
    // Lark's common.NUMBER: INT, or a DECIMAL (1.5, 1., .5) with an optional exponent.
    expect(lark.value).toMatch(/^\((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\)$/);
  });

  it('runs reward-guided search (DeAL and Transfer Q*) under the same constraint', async () => {
    const reward = keywordCoverage(['blue']);
    const schema = { enum: ['red', 'green', 'blue'] } as const;
    const deal = await generate({ model, schema, prompt: 'a color', search: { kind: 'deal', reward, beamWidth: 2, topK: 3, lookahead: 6 } });
    expect(deal.value).toBe('blue');
    expect(deal.reward).toBe(1);
    const tq = await generate({ model, schema, prompt: 'a color', search: { kind: 'tqstar', reward, topK: 3, rollouts: 2, alpha: 50 } });
    expect(tq.value).toBe('blue');
    await expect(generate({ model, schema, prompt: 'x', sampler: 'smc', search: { kind: 'deal', reward } })).rejects.toThrow(InputError);
  });

  it('reuses one compiled constraint per schema and model', async () => {
    const fresh = jsonMindedModel();
    await generate({ model: fresh, schema: person, prompt: 'a', sampler: 'greedy' });
    await generate({ model: fresh, schema: { ...person }, prompt: 'b', sampler: 'greedy' });
    await generate({ model: fresh, regex: 'a+', prompt: 'c', sampler: 'greedy' });
    expect(fresh.constraints.size).toBe(2);
  });
});

describe('streaming', () => {
  const model = jsonMindedModel();

  it('text deltas concatenate to the text, and every partial is a prefix of the final value', async () => {
    for (const sampler of ['awrs', 'masked', 'greedy', 'smc'] as const) {
      for (const seed of [0, 1, 2]) {
        const item = z.strictObject({ id: z.number().int(), label: z.string().max(6) });
        const schema = z.strictObject({ items: z.array(item).min(1), done: z.boolean() });
        const stream = streamGenerate({ model, schema, prompt: 'list', sampler, seed, particles: sampler === 'smc' ? 2 : undefined });
        let text = '';
        const partials: unknown[] = [];
        for await (const part of stream) {
          expect(part.delta.length).toBeGreaterThan(0);
          text += part.delta;
          expect(part.text).toBe(text);
          if ('partial' in part) partials.push(part.partial);
        }
        const result = await stream.result;
        expect(text).toBe(result.text);
        expect(partials.length).toBeGreaterThan(0);
        for (const partial of partials) expect(isPartialOf(partial, result.value), `${JSON.stringify(partial)} -> ${result.text}`).toBe(true);
        expect(partials[partials.length - 1]).toEqual(result.value);
        // The views replay the same stream.
        const deltas: string[] = [];
        for await (const delta of stream.textStream) deltas.push(delta);
        expect(deltas.join('')).toBe(result.text);
        const objects: unknown[] = [];
        for await (const object of stream.partialObjectStream) objects.push(object);
        expect(objects).toEqual(partials);
      }
    }
  });

  it('streams plain text token by token as it is generated', async () => {
    const stream = streamGenerate({ model, prompt: 'x', maxTokens: 5, sampler: 'greedy', chatTemplate: false });
    const deltas: string[] = [];
    for await (const delta of stream.textStream) deltas.push(delta);
    const result = await stream.result;
    expect(deltas.join('')).toBe(result.text);
    expect(deltas.length).toBe(result.tokens.length);
  });

  it('an iterator throws the error generate() would throw', async () => {
    const stream = streamGenerate({ model, schema: person, prompt: 'x', maxTokens: 3 });
    await expect(
      (async () => {
        for await (const part of stream) void part;
      })(),
    ).rejects.toThrow(IncompleteOutputError);
    await expect(stream.result).rejects.toThrow(IncompleteOutputError);
  });
});

describe('typed errors', () => {
  const model = jsonMindedModel();

  it('CompileError carries the JSON pointer of the keyword formwork cannot compile', async () => {
    // Lookbehind (`(?<=a)b`) compiles now: exactly, as a check of the complete string (coverage
    // 'completion-check'). A quantifier with its bounds out of order is refused by every reading.
    const error = await generate({ model, prompt: 'x', schema: { type: 'object', properties: { a: { type: 'string', pattern: 'a{2,1}' } } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompileError);
    expect((error as CompileError).pointer).toBe('/properties/a');
    expect((error as CompileError).keyword).toBe('pattern');
  });

  it('GrammarError and RegexError say where the grammar or pattern is wrong', async () => {
    const grammar = await generate({ model, prompt: 'x', grammar: 'root ::= "a" missing' }).catch((e: unknown) => e);
    expect(grammar).toBeInstanceOf(GrammarError);
    expect((grammar as GrammarError).line).toBe(1);
    const regex = await generate({ model, prompt: 'x', regex: 'a(b' }).catch((e: unknown) => e);
    expect(regex).toBeInstanceOf(RegexError);
  });

  it('IncompleteOutputError carries the partial text and the usage when maxTokens runs out', async () => {
    const error = await generate({ model, prompt: 'x', schema: person, maxTokens: 4, sampler: 'greedy' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncompleteOutputError);
    const incomplete = error as IncompleteOutputError;
    expect(incomplete.tokens).toHaveLength(4);
    expect(incomplete.text).toBe(model.vocabulary.decode(incomplete.tokens));
    expect(incomplete.usage.completionTokens).toBe(4);
    expect(incomplete.usage.promptTokens).toBeGreaterThan(0);
  });

  it('free text that reaches maxTokens is a result with finishReason "length", not an error', async () => {
    const result = await generate({ model: jsonMindedModel({ eosBias: -50 }), prompt: 'x', maxTokens: 6, sampler: 'greedy' });
    expect(result.finishReason).toBe('length');
    expect(result.tokens).toHaveLength(6);
  });

  it('NoValidOutputError when every continuation dies (a keyword checked when the value completes)', async () => {
    const impossible = { type: 'array', items: { const: 'a' }, minItems: 2, maxItems: 2, uniqueItems: true };
    for (const sampler of ['greedy', 'awrs', 'smc'] as const) {
      const error = await generate({ model, prompt: 'x', schema: impossible, sampler }).catch((e: unknown) => e);
      expect(error, sampler).toBeInstanceOf(NoValidOutputError);
      expect((error as NoValidOutputError).reason).toBe('dead');
    }
  });

  it('NoValidOutputError (invalid) when zod refuses a value the JSON Schema allowed', async () => {
    const schema = z.object({ word: z.string().max(4) }).refine((v) => v.word === 'never', 'word must be "never"');
    const error = await generate({ model, prompt: 'x', schema, sampler: 'greedy' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoValidOutputError);
    expect((error as NoValidOutputError).reason).toBe('invalid');
    expect((error as NoValidOutputError).errors.join()).toContain('word must be "never"');
  });

  it('LimitError when the prompt does not fit the context; InputError for malformed calls', async () => {
    await expect(generate({ model: jsonMindedModel({ maxLength: 64 }), prompt: 'x'.repeat(100) })).rejects.toThrow(LimitError);
    await expect(generate({ model, prompt: 'x', schema: person, regex: 'a' } as never)).rejects.toThrow(InputError);
    await expect(generate({ model, prompt: 'x', messages: [] })).rejects.toThrow(InputError);
    await expect(generate({ model } as never)).rejects.toThrow(InputError);
    await expect(generate({ model, prompt: 'x', maxTokens: 0 })).rejects.toThrow(InputError);
    await expect(generate({ model, prompt: 'x', sampler: 'awrs', topP: 0.9 })).rejects.toThrow(InputError);
  });

  it('ModelLoadError for a directory that is not a model', async () => {
    await expect(loadModel('/nonexistent/formwork-model')).rejects.toThrow(ModelLoadError);
    await expect(generate({ model: '/nonexistent/formwork-model', prompt: 'x' })).rejects.toThrow(ModelLoadError);
  });
});

describe('abort', () => {
  it('an aborted signal stops generation at the next token with AbortError', async () => {
    const model = jsonMindedModel({ eosBias: -50 });
    const controller = new AbortController();
    let tokensAfterAbort = 0;
    const stream = streamGenerate({ model, prompt: 'x', maxTokens: 10_000, signal: controller.signal });
    let seen = 0;
    const consumed = (async () => {
      for await (const delta of stream.textStream) {
        void delta;
        if (controller.signal.aborted) tokensAfterAbort++;
        if (++seen === 20) controller.abort();
      }
    })();
    await expect(consumed).rejects.toThrow(AbortError);
    await expect(stream.result).rejects.toThrow(AbortError);
    expect(tokensAfterAbort).toBeLessThanOrEqual(1);
    expect((model.decoder as unknown as { liveSequences: number }).liveSequences).toBe(0);
  });

  it('an already aborted signal rejects before any work', async () => {
    const model = jsonMindedModel();
    await expect(generate({ model, prompt: 'x', signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    expect((model.decoder as unknown as { forwardPasses: number }).forwardPasses).toBe(0);
  });
});

describe('models from directories', () => {
  const dir = defaultModelDir;
  afterAll(async () => {
    await disposeSharedModels();
  });

  it('loads the chat template from tokenizer_config.json and renders it as the default format does', async () => {
    const model = await Model.load(dir);
    try {
      const messages = jsonSchemaPrompt(person, 'Ada, 36.');
      const encoded = model.encodePrompt(messages);
      expect(encoded.text).toBe(renderChat(messages));
      // Special-token strings of the template are the tokenizer's special tokens, not their bytes.
      expect(encoded.ids[0]).toBe(1);
      expect(encoded.ids[encoded.ids.length - 1]).toBe(3);
      const result = await generate({ model, schema: { enum: ['yes', 'no'] }, prompt: 'ok?', sampler: 'greedy' });
      expect(['yes', 'no']).toContain(result.value);
    } finally {
      await model.dispose();
    }
  });

  it('a directory named in generate() is loaded once and shared by later calls', async () => {
    const a = await generate({ model: dir, regex: '[0-9]{3}', prompt: 'n', sampler: 'greedy' });
    const b = await generate({ model: dir, regex: '[0-9]{3}', prompt: 'n', sampler: 'greedy' });
    expect(a.text).toMatch(/^[0-9]{3}$/);
    expect(b.text).toBe(a.text);
  });

  it('the abort of one caller does not break the shared load for the others', async () => {
    const aborted = generate({ model: dir, prompt: 'x', maxTokens: 2, signal: AbortSignal.abort() });
    await expect(aborted).rejects.toThrow(AbortError);
    const ok = await generate({ model: dir, prompt: 'x', maxTokens: 2, sampler: 'greedy' });
    expect(ok.tokens).toHaveLength(2);
  });
});
