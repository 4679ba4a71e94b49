import { describe, expect, it } from 'vitest';
import { generate } from '../../../src/engine/generate/generate.js';
import { keywordCoverage } from '../../../src/sampler/rewards/index.js';
import { jsonMindedModel, maskFuelsOf } from './fixtures.js';

const colors = { enum: ['red', 'green', 'blue'] } as const;

describe('generate() maskFuel', () => {
  it('reaches the token automaton of a regex, grammar and schema constraint, and the output stays exact', async () => {
    const model = jsonMindedModel();
    let regex = '';
    const regexFuels = await maskFuelsOf(async () => {
      ({ text: regex } = await generate({ model, regex: /[a-c]{2,4}-[0-9]/, prompt: 'code', sampler: 'masked', maskFuel: 5 }));
    });
    expect(regex).toMatch(/^[a-c]{2,4}-[0-9]$/);
    expect(regexFuels.length).toBeGreaterThan(0);
    expect(new Set(regexFuels)).toEqual(new Set([5]));

    let value: unknown;
    const schemaFuels = await maskFuelsOf(async () => {
      const result = await generate({ model, schema: colors, prompt: 'a color', sampler: 'greedy', maskFuel: 0 });
      value = result.value;
    });
    expect(['red', 'green', 'blue']).toContain(value);
    expect(new Set(schemaFuels)).toEqual(new Set([0]));

    const grammarFuels = await maskFuelsOf(() => generate({ model, grammar: 'root ::= "yes" | "no"', prompt: 'ok?', sampler: 'masked', maskFuel: 1 }));
    expect(new Set(grammarFuels)).toEqual(new Set([1]));

    // Without the option, the compiled constraint's own limit (none).
    const defaultFuels = await maskFuelsOf(() => generate({ model, regex: /[a-c]{2,4}-[0-9]/, prompt: 'code', sampler: 'masked' }));
    expect(new Set(defaultFuels)).toEqual(new Set([Infinity]));
  });

  it('reaches the search (DeAL) as well', async () => {
    const model = jsonMindedModel();
    const reward = keywordCoverage(['blue']);
    let value: unknown;
    const fuels = await maskFuelsOf(async () => {
      const result = await generate({ model, schema: colors, prompt: 'a color', maskFuel: 3, search: { kind: 'deal', reward, beamWidth: 2, topK: 3, lookahead: 6 } });
      value = result.value;
    });
    expect(value).toBe('blue');
    expect(fuels.length).toBeGreaterThan(0);
    expect(new Set(fuels)).toEqual(new Set([3]));
  });

  it('refuses a negative fuel with InputError', async () => {
    await expect(generate({ model: jsonMindedModel(), regex: 'a+', prompt: 'x', maskFuel: -1 })).rejects.toThrow(/maskFuel must be a number >= 0/);
  });
});
