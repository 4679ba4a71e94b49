import type { DecodeOptions, Decoder } from './decoder.js';

export interface GreedyResult {
  /** Generated ids (the prompt excluded), ending with EOS when the model chose it. */
  readonly tokens: number[];
  /** Log-probabilities of the token after the prompt (before the first generated token). */
  readonly promptLogProbs: Float64Array;
  /** Whether generation stopped at EOS (false: stopped at maxTokens or the model's maximum length). */
  readonly stoppedAtEos: boolean;
}

/**
 * Argmax decoding (ties to the lowest id, as torch.argmax): the reference behaviour a converted model
 * must reproduce token for token, and the `--sampler greedy` of the CLI.
 */
export async function greedyDecode(
  decoder: Decoder,
  promptIds: readonly number[],
  maxTokens: number,
  options: Pick<DecodeOptions, 'signal'> = {},
): Promise<GreedyResult> {
  const { sequence, logProbs } = await decoder.prefill(promptIds, { signal: options.signal });
  const tokens: number[] = [];
  let row = logProbs;
  try {
    while (tokens.length < maxTokens) {
      const next = argmax(row);
      tokens.push(next);
      if (next === decoder.eosId) return { tokens, promptLogProbs: logProbs, stoppedAtEos: true };
      // prompt + generated stays within maxLength, as transformers' max_length counts it.
      if (tokens.length === maxTokens || sequence.length + 1 >= decoder.maxLength) break;
      [row] = await decoder.step([sequence], [next], { signal: options.signal });
    }
    return { tokens, promptLogProbs: logProbs, stoppedAtEos: false };
  } finally {
    decoder.release(sequence);
  }
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
