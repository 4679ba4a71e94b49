import { describe, expect, it } from 'vitest';
import { FunctionDecoder } from '../../../src/engine/decoder/function-decoder.js';
import { CHAT_TOKENS, DEFAULT_CHAT_TEMPLATE } from '../../../src/engine/prompts/chat-format.js';
import { jsonSchemaPrompt } from '../../../src/engine/prompts/json-schema-prompt.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { InputError, Model, generate, keywordCoverage, weightedSum } from '../../../src/index.js';

/**
 * The settings README.md documents for every generate() call, each shown to do what it says: `system`,
 * `schemaPrompt`, `messages`, `chatTemplate`, `temperature`, `seed`, `sampler: 'sample'` with
 * `topK` / `topP`, and `search` with rewards from the public entry. (`maxTokens`, `signal` and the
 * samplers' results are in generate.test.ts.)
 *
 * The model is a byte-level toy (token 0 = EOS, 1 + b = byte b) whose next-token logits are a function
 * of the text written after the prompt's last `<|assistant|>`; bytes it does not name get -30. It
 * records every prompt it is given, so the prompt a setting produces is read back exactly.
 */
function toyModel(next: (written: string) => Record<string, number>): { model: Model; prompts: string[] } {
  const tokens = [new Uint8Array(0), ...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b))];
  const vocabulary = vocabularyFromBytes(tokens, { eosIds: [0] });
  const prompts: string[] = [];
  const decoder = new FunctionDecoder(
    (prefix) => {
      const text = String.fromCharCode(...prefix.map((t) => t - 1));
      const at = text.lastIndexOf(CHAT_TOKENS.assistant);
      const written = at < 0 ? '' : text.slice(at + CHAT_TOKENS.assistant.length);
      if (written === '') prompts.push(text);
      const logits = new Float64Array(257).fill(-30);
      for (const [ch, logit] of Object.entries(next(written))) logits[ch === '' ? 0 : 1 + ch.charCodeAt(0)] = logit;
      return logits;
    },
    { vocabSize: 257, eosIds: [0], maxLength: 4096 },
  );
  return { model: Model.fromParts({ decoder, vocabulary, chatTemplate: DEFAULT_CHAT_TEMPLATE, name: 'toy' }), prompts };
}

/** Spells `answer`, then EOS. */
const spelling = (answer: string) => toyModel((written) => (written.length < answer.length ? { [answer[written.length]]: 0 } : { '': 0 }));

/** One byte, 'a' or 'b' with odds 3 : 1, then EOS: p(a) = 3^(1/T) / (3^(1/T) + 1) at temperature T. */
const coin = () => toyModel((written): Record<string, number> => (written === '' ? { a: Math.log(3), b: 0 } : { '': 0 }));

const enumSchema = { enum: ['a', 'b'] } as const;
const chat = (role: 'system' | 'user' | 'assistant', content: string) => `${CHAT_TOKENS[role]}${content}${CHAT_TOKENS.end}`;

describe('prompt settings', () => {
  it('system: a system message after the schema description; schemaPrompt: false leaves the description out', async () => {
    const { model, prompts } = spelling('"a"');
    const described = jsonSchemaPrompt(enumSchema, '')[0].content;
    const withBoth = await generate({ model, schema: enumSchema, prompt: 'q', system: 'Be brief.', sampler: 'greedy' });
    expect(withBoth.value).toBe('a');
    expect(prompts.at(-1)).toBe(`${chat('system', `${described}\n\nBe brief.`)}${chat('user', 'q')}${CHAT_TOKENS.assistant}`);
    await generate({ model, schema: enumSchema, prompt: 'q', system: 'Be brief.', schemaPrompt: false, sampler: 'greedy' });
    expect(prompts.at(-1)).toBe(`${chat('system', 'Be brief.')}${chat('user', 'q')}${CHAT_TOKENS.assistant}`);
    await generate({ model, schema: enumSchema, prompt: 'q', schemaPrompt: false, sampler: 'greedy' });
    expect(prompts.at(-1)).toBe(`${chat('user', 'q')}${CHAT_TOKENS.assistant}`);
  });

  it('messages instead of prompt: the conversation in order, one system message (the setting first), never both', async () => {
    const { model, prompts } = spelling('a');
    const messages = [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'u1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'u2' },
    ] as const;
    await generate({ model, regex: /a/, messages, system: 'Extra.', sampler: 'greedy' });
    expect(prompts.at(-1)).toBe(`${chat('system', 'Extra.\n\nS')}${chat('user', 'u1')}${chat('assistant', 'a1')}${chat('user', 'u2')}${CHAT_TOKENS.assistant}`);
    await expect(generate({ model, regex: /a/, messages, prompt: 'q' })).rejects.toThrow(InputError);
  });

  it('chatTemplate: false sends the messages as raw text; a string is a template of its own', async () => {
    const { model, prompts } = spelling('a');
    // The contents joined, no markers; the tokenizer's special tokens (none in this vocabulary) aside.
    prompts.length = 0;
    const raw = await generate({ model, regex: /a/, prompt: 'q', system: 'S', chatTemplate: false, sampler: 'greedy' });
    expect(raw.value).toBe('a');
    // Without the assistant marker the toy model records every step; the first is the prompt.
    expect(prompts[0]).toBe('S\n\nq');
    expect(raw.usage.promptTokens).toBe('S\n\nq'.length);
    await generate({ model, regex: /a/, prompt: 'q', chatTemplate: '{% for m in messages %}[{{ m.content }}]{% endfor %}<|assistant|>', sampler: 'greedy' });
    expect(prompts.at(-1)).toBe('[q]<|assistant|>');
  });
});

describe('sampling settings', () => {
  it('temperature divides the logits: the output is drawn from, and scored by, the tempered model', async () => {
    const { model } = coin();
    // log p_T of the byte (out of 'a' = ln 3, 'b' = 0 and 255 logits of -30), then of EOS (0 against 256 of -30).
    const logSumExp = (logits: readonly number[], t: number) => Math.log(logits.reduce((sum, l) => sum + Math.exp(l / t), 0));
    const rest = (n: number) => new Array<number>(n).fill(-30);
    const expected = (byte: string, t: number) =>
      (byte === 'a' ? Math.log(3) / t : 0) - logSumExp([Math.log(3), 0, ...rest(255)], t) - logSumExp([0, ...rest(256)], t);
    for (const temperature of [0.5, 1, 2]) {
      const result = await generate({ model, regex: /[ab]/, prompt: 'x', sampler: 'masked', temperature, seed: 1 });
      expect(result.logProb, `T = ${temperature}`).toBeCloseTo(expected(result.value, temperature), 9);
    }
    const count = async (temperature: number) => {
      let as = 0;
      for (let seed = 0; seed < 60; seed++) if ((await generate({ model, regex: /[ab]/, prompt: 'x', sampler: 'masked', temperature, seed })).value === 'a') as++;
      return as;
    };
    // p(a) is 0.9 at T = 0.5 and 0.63 at T = 2: over the same 60 seeds, colder picks 'a' more often.
    const cold = await count(0.5);
    const hot = await count(2);
    expect(cold).toBeGreaterThan(hot + 6);
    expect(cold).toBeGreaterThan(45);
  });

  it('seed: 0 by default (the same call gives the same output); other seeds give other draws', async () => {
    const { model } = coin();
    const outputs = new Set<string>();
    for (let seed = 0; seed < 12; seed++) outputs.add((await generate({ model, regex: /[ab]/, prompt: 'x', seed })).value);
    expect([...outputs].sort()).toEqual(['a', 'b']);
    const unseeded = await Promise.all([0, 1, 2].map(() => generate({ model, regex: /[ab]/, prompt: 'x' })));
    const zero = await generate({ model, regex: /[ab]/, prompt: 'x', seed: 0 });
    for (const result of unseeded) expect(result.tokens).toEqual(zero.tokens);
  });

  it("topK / topP truncate the 'sample' sampler (chosen when they are given) and are refused by the exact samplers", async () => {
    const { model } = coin();
    for (let seed = 0; seed < 12; seed++) {
      // p(a) = 0.75: top-1 and nucleus 0.5 keep only 'a'.
      expect((await generate({ model, regex: /[ab]/, prompt: 'x', topK: 1, seed })).value).toBe('a');
      expect((await generate({ model, regex: /[ab]/, prompt: 'x', sampler: 'sample', topP: 0.5, seed })).value).toBe('a');
    }
    await expect(generate({ model, regex: /[ab]/, prompt: 'x', sampler: 'awrs', topK: 1 })).rejects.toThrow(/topK and topP apply to the "sample" sampler only/);
  });
});

describe('search settings', () => {
  it("search: { kind, reward } takes the public rewards, and a weighted sum's weights can change per call", async () => {
    const { model } = coin();
    // The model prefers 'a' (3 : 1); each term rewards one letter.
    const reward = weightedSum([
      { reward: keywordCoverage(['a'], { match: 'substring', name: 'has-a' }), weight: 1 },
      { reward: keywordCoverage(['b'], { match: 'substring', name: 'has-b' }), weight: 1 },
    ]);
    for (const kind of ['deal', 'tqstar'] as const) {
      const search = { kind, reward, topK: 2 };
      expect((await generate({ model, regex: /[ab]/, prompt: 'x', search: { ...search, rewardWeights: { 'has-a': 0 } } })).value, kind).toBe('b');
      expect((await generate({ model, regex: /[ab]/, prompt: 'x', search: { ...search, rewardWeights: { 'has-b': 0 } } })).value, kind).toBe('a');
    }
    const best = await generate({ model, regex: /[ab]/, prompt: 'x', search: { kind: 'deal', reward, rewardWeights: { 'has-a': 0 } } });
    expect(best.reward).toBe(1);
  });
});
