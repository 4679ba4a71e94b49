import { scoreTexts, type Reward, type RewardCall } from '../rewards/reward.js';

/**
 * The reward as one search run calls it: texts of a step are scored in at most two batched calls
 * (finished texts, then unfinished prefixes), each distinct text at most once per run and variant
 * (lookaheads and rollouts often reach the same text), and the work is counted.
 */
export class RewardScorer {
  /** Texts actually scored (cache misses). */
  calls = 0;
  /** Calls of `reward.score`. */
  batches = 0;
  /** Wall time inside the reward. */
  seconds = 0;
  private readonly cache = new Map<string, number>();

  constructor(
    readonly reward: Reward,
    private readonly call: Omit<RewardCall, 'partial'>,
  ) {}

  /** Scores `texts[i]` as unfinished when `partial[i]`, else as finished. */
  async score(texts: readonly string[], partial: readonly boolean[]): Promise<Float64Array> {
    const out = new Float64Array(texts.length);
    for (const variant of [false, true]) {
      const missing: string[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < texts.length; i++) {
        if (partial[i] !== variant) continue;
        const key = keyOf(texts[i], variant);
        if (!this.cache.has(key) && !seen.has(key)) {
          seen.add(key);
          missing.push(texts[i]);
        }
      }
      if (missing.length > 0) {
        const started = performance.now();
        const scores = await scoreTexts(this.reward, missing, { ...this.call, partial: variant });
        this.seconds += (performance.now() - started) / 1000;
        this.calls += missing.length;
        this.batches++;
        for (let i = 0; i < missing.length; i++) this.cache.set(keyOf(missing[i], variant), scores[i]);
      }
      for (let i = 0; i < texts.length; i++) if (partial[i] === variant) out[i] = this.cache.get(keyOf(texts[i], variant))!;
    }
    return out;
  }
}

function keyOf(text: string, partial: boolean): string {
  return (partial ? 'p' : 'f') + text;
}
