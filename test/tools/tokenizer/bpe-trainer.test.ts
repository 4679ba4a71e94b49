import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { CHAT_TOKENS, DEFAULT_CHAT_TEMPLATE, renderChat } from '../../../src/engine/prompts/chat-format.js';
import { trainBpe, type BpeTrainingResult } from '../../../tools/tokenizer/bpe-trainer.js';
import { preTokenize, splitSpecial } from '../../../tools/tokenizer/pre-tokenizer.js';
import { byteLevelString, tokenizerFiles } from '../../../tools/tokenizer/tokenizer-files.js';

const text = (t: BpeTrainingResult, sym: number): string => new TextDecoder().decode(t.tokens[sym]);

/** Reference BPE encoding: merge the lowest-ranked adjacent pair (leftmost first) until none applies. */
function referenceEncode(trained: BpeTrainingResult, chunk: string): string[] {
  const rank = new Map(trained.merges.map(([a, b], i) => [`${byteLevelString(trained.tokens[a]!)} ${byteLevelString(trained.tokens[b]!)}`, i]));
  let parts = Array.from(new TextEncoder().encode(chunk), (b) => byteLevelString(Uint8Array.of(b)));
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = rank.get(`${parts[i]} ${parts[i + 1]}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return parts;
    parts = [...parts.slice(0, best), parts[best]! + parts[best + 1]!, ...parts.slice(best + 2)];
  }
}

describe('trainBpe', () => {
  it('merges the most frequent pair first, counting chunk frequencies', () => {
    // "ab" occurs 5+3 = 8 times, "bc" 3 times, then "abc" (ab + c) 3 times.
    const trained = trainBpe(new Map([['ab', 5], ['abc', 3], ['x', 1]]), { vocabSize: 258 });
    expect(trained.merges.map(([a, b]) => `${text(trained, a)}+${text(trained, b)}`)).toEqual(['a+b', 'ab+c']);
    expect(trained.tokens.slice(256).map((t) => new TextDecoder().decode(t))).toEqual(['ab', 'abc']);
  });

  it('breaks ties by the smaller pair and is independent of insertion order', () => {
    const a = trainBpe(new Map([['xy', 2], ['pq', 2]]), { vocabSize: 257 });
    const b = trainBpe(new Map([['pq', 2], ['xy', 2]]), { vocabSize: 257 });
    expect(a).toEqual(b);
    expect(text(a, a.merges[0]![0])).toBe('p');
  });

  it('stops below minFrequency and never merges across chunks', () => {
    const trained = trainBpe(new Map([['ab', 1], ['cd', 1]]), { vocabSize: 300 });
    expect(trained.merges).toEqual([]);
    const t2 = trainBpe(new Map([['a', 9], ['b', 9]]), { vocabSize: 300 });
    expect(t2.merges).toEqual([]);
  });

  it('handles overlapping repeats ("aaaa" is two "aa", not three)', () => {
    const trained = trainBpe(new Map([['aaaa', 4]]), { vocabSize: 258 });
    expect(trained.tokens.slice(256).map((t) => new TextDecoder().decode(t))).toEqual(['aa', 'aaaa']);
  });
});

describe('tokenizerFiles', () => {
  const docs = [
    renderChat([{ role: 'system', content: 'Answer with JSON only. Schema: {"type":"object","properties":{"name":{"type":"string"}}}' }, { role: 'user', content: 'Name: Ann Lee' }]) +
      '{"name": "Ann Lee"}' + CHAT_TOKENS.end,
    'Once upon a time, Ann walked 1234567 steps to the café — naïve résumé ✓.\n\n  Indented line\ttab' + CHAT_TOKENS.endOfText,
    '{\n  "a": [1, 2.5, -3e10, true, null],\n  "b": {"c": "d\\n\\"e\\""}\n}' + CHAT_TOKENS.endOfText,
  ];
  const specials: readonly string[] = Object.values(CHAT_TOKENS);
  const chunks = new Map<string, number>();
  for (const doc of docs) {
    for (const segment of splitSpecial(doc, specials)) {
      if (specials.includes(segment)) continue;
      for (const chunk of preTokenize(segment)) chunks.set(chunk, (chunks.get(chunk) ?? 0) + 1);
    }
  }
  const trained = trainBpe(chunks, { vocabSize: 256 + 60, minFrequency: 1 });
  const files = tokenizerFiles(trained, { specials, eosToken: CHAT_TOKENS.end, padToken: CHAT_TOKENS.endOfText, chatTemplate: DEFAULT_CHAT_TEMPLATE, modelMaxLength: 512 });
  const tokenizer = new Tokenizer(files.tokenizer, files.config);

  it('loads in @huggingface/tokenizers with the special tokens at ids 0..4', () => {
    specials.forEach((s, id) => expect(tokenizer.token_to_id(s)).toBe(id));
    expect(tokenizer.encode(`${CHAT_TOKENS.user}hi${CHAT_TOKENS.end}`, { add_special_tokens: false }).ids[0]).toBe(2);
  });

  it('round-trips every document byte for byte', () => {
    for (const doc of docs) {
      const ids = tokenizer.encode(doc, { add_special_tokens: false }).ids;
      expect(tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false })).toBe(doc);
    }
  });

  it('encodes exactly as the trainer segments (pre-tokenizer regex and merge ranks agree)', () => {
    for (const doc of docs) {
      const expected: string[] = [];
      for (const segment of splitSpecial(doc, specials)) {
        if (specials.includes(segment)) expected.push(segment);
        else for (const chunk of preTokenize(segment)) expected.push(...referenceEncode(trained, chunk));
      }
      expect(tokenizer.encode(doc, { add_special_tokens: false }).tokens).toEqual(expected);
    }
  });
});
