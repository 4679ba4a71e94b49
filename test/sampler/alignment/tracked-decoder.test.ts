import { describe, expect, it } from 'vitest';
import { TrackedDecoder } from '../../../src/sampler/alignment/tracked-decoder.js';
import { hashedLogits, nextLogProbs, toyDecoder } from '../toys.js';

describe('TrackedDecoder', () => {
  it('counts passes and sequence-tokens, applies the run temperature, and releases what is left', async () => {
    const logitsOf = hashedLogits(4, 3, 2);
    const inner = toyDecoder(logitsOf, 4, [3]);
    const tracked = new TrackedDecoder(inner, { temperature: 0.5 });
    const { sequence, logProbs } = await tracked.prefill([0, 1, 2]);
    const expected = nextLogProbs((p) => Array.from(logitsOf(p), (x) => x / 0.5), [0, 1, 2], [3]);
    for (let t = 0; t < 4; t++) expect(logProbs[t]).toBeCloseTo(expected[t], 12);
    const child = tracked.fork(sequence);
    await tracked.step([sequence, child], [0, 1]);
    await tracked.step([], []);
    // A call's own temperature wins; undefined fields fall back to the run's.
    const [row] = await tracked.step([child], [2], { temperature: 1, signal: undefined });
    const plain = nextLogProbs(logitsOf, [0, 1, 2, 1, 2], [3]);
    for (let t = 0; t < 4; t++) expect(row[t]).toBeCloseTo(plain[t], 12);
    expect(tracked.steps).toBe(3);
    expect(tracked.tokens).toBe(3 + 2 + 1);
    expect(inner.liveSequences).toBe(2);
    tracked.release(child);
    tracked.release(child); // a second release of the same handle is a no-op
    tracked.releaseAll();
    expect(inner.liveSequences).toBe(0);
    expect(tracked.liveSequences).toBe(0);
  });
});
