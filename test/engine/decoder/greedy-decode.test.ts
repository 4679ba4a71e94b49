import { describe, expect, it } from 'vitest';
import { FunctionDecoder } from '../../../src/engine/decoder/function-decoder.js';
import { argmax, greedyDecode } from '../../../src/engine/decoder/greedy-decode.js';

/** Next token = (last + 1) mod 6 most likely; EOS (id 0) after token 4. */
const counting = (prefix: readonly number[]) => {
  const logits = new Array(6).fill(0);
  const last = prefix[prefix.length - 1];
  logits[last === 4 ? 0 : (last + 1) % 6] = 5;
  return logits;
};

describe('greedyDecode', () => {
  it('follows the argmax, stops at EOS (included) and releases its sequence', async () => {
    const decoder = new FunctionDecoder(counting, { vocabSize: 6, eosIds: [0] });
    const result = await greedyDecode(decoder, [1], 10);
    expect(result.tokens).toEqual([2, 3, 4, 0]);
    expect(result.stoppedAtEos).toBe(true);
    expect(result.promptLogProbs[2]).toBeGreaterThan(result.promptLogProbs[3]);
    expect(decoder.liveSequences).toBe(0);
    expect(decoder.forwardPasses).toBe(4); // prefill + 3 steps: no forward pass after the last token
  });

  it('stops at maxTokens and at the model maximum length', async () => {
    const decoder = new FunctionDecoder(counting, { vocabSize: 6, eosIds: [0], maxLength: 3 });
    expect((await greedyDecode(decoder, [1], 1)).tokens).toEqual([2]);
    const capped = await greedyDecode(decoder, [1], 10);
    expect(capped.tokens).toEqual([2, 3]); // prompt + generated = maxLength

    expect(capped.stoppedAtEos).toBe(false);
  });

  it('breaks ties toward the lowest id, as torch.argmax does', () => {
    expect(argmax([0, 3, 3, 1])).toBe(1);
    expect(argmax(Float64Array.of(-Infinity, -2, -1))).toBe(2);
  });
});
