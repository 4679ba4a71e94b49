import { describe, expect, it } from 'vitest';
import { CompileError, InputError, RegexError } from '../../../src/errors.js';
import { jsonValidity } from '../../../src/sampler/rewards/json-validity.js';
import { keywordCoverage } from '../../../src/sampler/rewards/keyword-coverage.js';
import { countWords, lengthTarget } from '../../../src/sampler/rewards/length-target.js';
import { regexMatch } from '../../../src/sampler/rewards/regex-match.js';
import { scoreTexts, textReward, type Reward, type RewardCall } from '../../../src/sampler/rewards/reward.js';
import { weightedSum } from '../../../src/sampler/rewards/weighted-sum.js';

const final = (reward: Reward, texts: string[], call: RewardCall = {}) => reward.score(texts, call);
const partial = (reward: Reward, texts: string[]) => reward.score(texts, { partial: true });

describe('keywordCoverage', () => {
  it('scores the share of keywords present, each once, matched at word starts by default', async () => {
    const reward = keywordCoverage(['dog', 'ball', 'park']);
    expect(await final(reward, ['', 'The dog', 'Dogs chase a ball in the park.', 'a hotdog', 'dog dog dog', 'PARK ballet'])).toEqual([
      0,
      1 / 3,
      1,
      0,
      1 / 3,
      2 / 3, // "ballet" starts with "ball" (word-prefix), "PARK" matches case-insensitively
    ]);
    expect(await partial(reward, ['The dog and the ba'])).toEqual([1 / 3]);
  });

  it('honours the match mode and case sensitivity', async () => {
    expect(await final(keywordCoverage(['dog'], { match: 'word' }), ['dogs', 'dog.', 'a dog'])).toEqual([0, 1, 1]);
    expect(await final(keywordCoverage(['dog'], { match: 'substring' }), ['hotdog', 'cat'])).toEqual([1, 0]);
    expect(await final(keywordCoverage(['Dog'], { caseSensitive: true }), ['dog', 'Dog'])).toEqual([0, 1]);
    expect(await final(keywordCoverage(['c++', 'a.b']), ['I like c++ and a.b', 'axb'])).toEqual([1, 0]); // regex metacharacters are literal
    expect(await final(keywordCoverage(['café']), ['Un café noir', 'cafés'])).toEqual([1, 1]);
  });

  it('refuses an empty keyword list or an empty keyword', () => {
    expect(() => keywordCoverage([])).toThrow(InputError);
    expect(() => keywordCoverage(['dog', ' '])).toThrow(InputError);
  });
});

describe('lengthTarget', () => {
  it('is 1 on target and falls linearly to 0 at the tolerance', async () => {
    const reward = lengthTarget({ target: 4 });
    expect(await final(reward, ['one two three four', 'one two', 'a b c d e f', 'a b c d e f g h i j'])).toEqual([1, 0.5, 0.5, 0]);
    const chars = lengthTarget({ target: 10, unit: 'characters', tolerance: 5 });
    expect(await final(chars, ['0123456789', '01234567', 'héllo wörld!'])).toEqual([1, 1 - 2 / 5, 1 - 2 / 5]);
  });

  it('scores a prefix with the best score a completion can still reach', async () => {
    const reward = lengthTarget({ target: 4 });
    expect(await partial(reward, ['one', 'one two three four', 'a b c d e f'])).toEqual([1, 1, 0.5]);
  });

  it('counts words as runs of non-whitespace', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('  a  b\n\tc ')).toBe(3);
    expect(countWords('well-known, isn\'t it?')).toBe(3);
  });

  it('refuses a non-positive target or tolerance', () => {
    expect(() => lengthTarget({ target: 0 })).toThrow(InputError);
    expect(() => lengthTarget({ target: 3, tolerance: -1 })).toThrow(InputError);
  });
});

describe('regexMatch', () => {
  it('scores full matches, and prefixes by whether a match is still reachable', async () => {
    const reward = regexMatch('[A-Z][a-z]+ \\d{2,3}');
    expect(await final(reward, ['Anna 12', 'Anna 1234', 'anna 12', 'Anna 12 '])).toEqual([1, 0, 0, 0]);
    expect(await partial(reward, ['', 'Ann', 'Anna 1', 'Anna 1234', 'anna'])).toEqual([1, 1, 1, 0, 0]);
  });

  it('supports search semantics and flags', async () => {
    expect(await final(regexMatch('cat', { semantics: 'search' }), ['a cat here', 'dog'])).toEqual([1, 0]);
    expect(await final(regexMatch('cat', { flags: 'i' }), ['CAT', 'cats'])).toEqual([1, 0]);
  });

  it('throws RegexError for constructs a DFA cannot match', () => {
    expect(() => regexMatch('(a)\\1')).toThrow(RegexError);
  });
});

describe('jsonValidity', () => {
  const schema = {
    type: 'object',
    properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
    required: ['name'],
    additionalProperties: false,
  };

  it('scores 1 exactly for documents valid against the schema', async () => {
    const reward = jsonValidity(schema);
    expect(
      await final(reward, ['{"name": "Ann"}', ' {"name": "Ann", "age": 3}\n', '{"age": 3}', '{"name": "Ann", "age": -1}', '{"name": "Ann"', '{"name": "Ann", "x": 1}', '']),
    ).toEqual([1, 1, 0, 0, 0, 0, 0]);
  });

  it('scores prefixes by whether a valid document can still follow', async () => {
    const reward = jsonValidity(schema);
    expect(await partial(reward, ['', '{', '{"name": "A', '{"age": -1', '[', '{"name": "Ann"}', '{"x'])).toEqual([1, 1, 1, 0, 0, 1, 0]);
  });

  it('accepts any JSON without a schema, and reads draft-07 documents', async () => {
    expect(await final(jsonValidity(), ['[1, {"a": null}]', 'nul', '"x"'])).toEqual([1, 0, 1]);
    const draft7 = jsonValidity({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: [{ type: 'number' }], additionalItems: false });
    expect(await final(draft7, ['[1]', '[1, 2]', '["a"]'])).toEqual([1, 0, 0]);
    const draft4 = jsonValidity({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'string', format: 'email' });
    expect(await final(draft4, ['"a@b.org"', '"nope"'])).toEqual([1, 0]);
  });

  it('throws CompileError for a schema ajv rejects', () => {
    expect(() => jsonValidity({ type: 'strange' })).toThrow(CompileError);
  });
});

describe('weightedSum', () => {
  const a = textReward('a', { final: (t) => (t.includes('a') ? 1 : 0), partial: () => 0.5 });
  const b = textReward('b', { final: (t) => t.length });

  it('adds weighted terms, final and partial', async () => {
    const sum = weightedSum([
      { reward: a, weight: 2 },
      { reward: b, weight: -0.5 },
    ]);
    expect(await final(sum, ['abc', 'xy'])).toEqual([2 - 1.5, -1]);
    expect(await partial(sum, ['abc'])).toEqual([1 - 1.5]);
  });

  it('takes weights per call, by term name, without computing zero-weight terms', async () => {
    let calls = 0;
    const counted = textReward('counted', {
      final: () => {
        calls++;
        return 1;
      },
    });
    const sum = weightedSum([
      { reward: a, weight: 1 },
      { reward: counted, weight: 1, name: 'c' },
    ]);
    expect(await final(sum, ['a', 'b'])).toEqual([2, 1]);
    expect(calls).toBe(2);
    expect(await final(sum, ['a', 'b'], { weights: { c: 0, a: 3 } })).toEqual([3, 0]);
    expect(calls).toBe(2);
    await expect(final(sum, ['a'], { weights: { zzz: 1 } })).rejects.toThrow(InputError);
    await expect(final(sum, ['a'], { weights: { a: Number.NaN } })).rejects.toThrow(InputError);
  });

  it('refuses duplicate term names', () => {
    expect(() => weightedSum([{ reward: a, weight: 1 }, { reward: a, weight: 2 }])).toThrow(InputError);
  });
});

describe('scoreTexts', () => {
  it('rejects rewards that return the wrong count or NaN, naming the reward', async () => {
    const short: Reward = { name: 'short', score: async () => [1] };
    const nan: Reward = { name: 'nan', score: async (texts) => texts.map(() => Number.NaN) };
    await expect(scoreTexts(short, ['x', 'y'])).rejects.toThrow(/reward "short"/);
    await expect(scoreTexts(nan, ['x'])).rejects.toThrow(/reward "nan"/);
    const rejecting: Reward = { name: 'no', score: async (texts) => texts.map(() => -Infinity) };
    expect(await scoreTexts(rejecting, ['x'])).toEqual([-Infinity]);
  });
});
