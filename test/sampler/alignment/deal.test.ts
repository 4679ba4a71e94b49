import { describe, expect, it } from 'vitest';
import { AbortError, InputError } from '../../../src/errors.js';
import { runDeal, type DealOptions } from '../../../src/sampler/alignment/deal.js';
import { textCritic, textPredicate } from '../../../src/sampler/potential/text-potential.js';
import { textReward } from '../../../src/sampler/rewards/reward.js';
import { weightedSum } from '../../../src/sampler/rewards/weighted-sum.js';
import { runSampler } from '../../../src/sampler/run-sampler.js';
import { hashedLogits, TokenDfa, toyDecoder } from '../toys.js';
import { allowedBy, bMinusC, completeSequences, EOS, noRepeats, recording, sequenceLogProb, textOf, vocabulary } from './alignment-toys.js';

const PROMPT = [2];

function deal(overrides: Partial<DealOptions> & { logitsOf: (prefix: readonly number[]) => ArrayLike<number> }) {
  const { logitsOf, ...rest } = overrides;
  const decoder = toyDecoder(logitsOf, 4, [EOS]);
  const options: DealOptions = { decoder, promptIds: PROMPT, reward: bMinusC, maxTokens: 4, vocabulary, ...rest };
  return { decoder, result: runDeal(options) };
}

describe('runDeal', () => {
  it('with b = k = 1 and l = 0 is constrained greedy decoding, step for step', async () => {
    for (let seed = 1; seed <= 8; seed++) {
      for (const constrained of [false, true]) {
        const logitsOf = hashedLogits(4, seed, 2);
        const constraint = constrained ? noRepeats() : undefined;
        const { decoder, result } = deal({ logitsOf, constraint, beamWidth: 1, topK: 1, lookahead: 0, maxTokens: 6, lambda: 5 });
        const r = await result;
        const greedyDecoder = toyDecoder(logitsOf, 4, [EOS]);
        const greedy = await runSampler({ decoder: greedyDecoder, promptIds: PROMPT, constraint, sampler: 'greedy', maxTokens: 6 });
        expect(r.tokens, `seed ${seed}`).toEqual(greedy.tokens);
        expect(r.finishReason).toBe(greedy.finishReason);
        expect(r.logProb).toBeCloseTo(greedy.logProb, 12);
        expect(r.usage.decoderSteps).toBe(greedy.usage.decoderSteps);
        expect(decoder.forwardPasses).toBe(greedyDecoder.forwardPasses);
        expect(decoder.liveSequences).toBe(0);
      }
    }
  });

  it('with an unbounded beam over every token returns the exhaustive maximiser of log p + lambda * reward', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      for (const constrained of [false, true]) {
        for (const lambda of [0.5, 4]) {
          const logitsOf = hashedLogits(4, seed, 2);
          const automaton = noRepeats();
          let best = { objective: -Infinity, tokens: [] as number[], stopped: false };
          for (const { tokens, stopped } of completeSequences([0, 1, 2], 3)) {
            if (constrained && !allowedBy(automaton, tokens, stopped)) continue;
            const objective = sequenceLogProb(logitsOf, PROMPT, tokens, stopped) + (lambda * ([...textOf(tokens)].filter((c) => c === 'b').length - [...textOf(tokens)].filter((c) => c === 'c').length)) / 3;
            if (objective > best.objective) best = { objective, tokens, stopped };
          }
          for (const lookahead of [0, 2, Infinity]) {
            const { decoder, result } = deal({ logitsOf, constraint: constrained ? noRepeats() : undefined, beamWidth: Infinity, topK: Infinity, lookahead, maxTokens: 3, lambda });
            const r = await result;
            const where = `seed ${seed} constrained ${constrained} lambda ${lambda} l ${lookahead}`;
            expect(r.tokens, where).toEqual(best.tokens);
            expect(r.finishReason, where).toBe(best.stopped ? 'stop' : 'length');
            expect(r.logWeight, where).toBeCloseTo(best.objective, 12);
            expect(decoder.liveSequences).toBe(0);
          }
        }
      }
    }
  });

  it('looks ahead: a candidate the reward only pays for later wins with l > 0 and loses with l = 0', async () => {
    // After the prompt: a 0.6, b 0.4; after "a": EOS; after "b": b 0.7 / EOS 0.3; after "bb": EOS.
    const table: Record<string, number[]> = {
      '': [0.6, 0.4, 0, 0],
      a: [0.05, 0.05, 0, 0.9],
      b: [0, 0.7, 0, 0.3],
      bb: [0, 0, 0, 1],
    };
    const logitsOf = (prefix: readonly number[]) => (table[textOf(prefix.slice(1))] ?? [0, 0, 0, 1]).map(Math.log);
    const wantsBB = textReward('bb', { final: (t) => (t.includes('bb') ? 1 : 0) });
    const blind = await deal({ logitsOf, reward: wantsBB, beamWidth: 1, topK: 2, lookahead: 0, lambda: 1 }).result;
    expect(blind.text).toBe('a');
    expect(blind.reward).toBe(0);
    const seeing = await deal({ logitsOf, reward: wantsBB, beamWidth: 1, topK: 2, lookahead: 2, lambda: 1, trace: true }).result;
    expect(seeing.text).toBe('bb');
    expect(seeing.finishReason).toBe('stop');
    expect(seeing.reward).toBe(1);
    expect(seeing.logWeight).toBeCloseTo(Math.log(0.4 * 0.7 * 1) + 1, 12);
    const first = seeing.trace![0].candidates;
    expect(first.map((c) => [textOf(c.tokens), textOf(c.lookahead), c.rewardFinal, c.reward, c.kept])).toEqual([
      ['a', '', true, 0, false],
      ['b', 'b', true, 1, true],
    ]);
    expect(first[1].score).toBeCloseTo(Math.log(0.4) + 1, 12);
  });

  it('never lets the constraint be violated: not by outputs, candidates or lookaheads', async () => {
    // The reward pays for exactly what the constraint forbids (repeated letters).
    const repeats = recording(textReward('repeats', { final: (t) => (t.match(/(.)\1/g) ?? []).length }));
    for (let seed = 1; seed <= 6; seed++) {
      for (const superset of [false, true]) {
        // A superset mask also offers the forbidden repeat: search must confirm its choices.
        const automaton = superset
          ? new TokenDfa(vocabulary, (s, t) => (t < 3 && s !== t + 1 ? t + 1 : undefined), (s) => s === 0 || s === 1, { superset: (s) => (s > 0 ? [s - 1] : []) })
          : noRepeats();
        const { decoder, result } = deal({ logitsOf: hashedLogits(4, seed, 3), constraint: automaton, reward: repeats, beamWidth: 3, topK: 3, lookahead: 3, maxTokens: 6, lambda: 50, trace: true });
        const r = await result;
        expect(allowedBy(noRepeats(), r.tokens, r.finishReason === 'stop')).toBe(true);
        for (const step of r.trace!) for (const c of step.candidates) expect(allowedBy(noRepeats(), [...c.tokens, ...c.lookahead], false)).toBe(true);
        expect(decoder.liveSequences).toBe(0);
      }
    }
    expect(repeats.seen.length).toBeGreaterThan(50);
    for (const { text } of repeats.seen) expect(text).not.toMatch(/(.)\1/);
  });

  it('runs the lookaheads of all candidates as one batched decoder step per depth', async () => {
    // No EOS ever: every lookahead runs its full length, so the count is exact.
    const base = hashedLogits(4, 9, 2);
    const logitsOf = (prefix: readonly number[]) => {
      const logits = Array.from(base(prefix));
      logits[EOS] = -Infinity;
      return logits;
    };
    const { decoder, result } = deal({ logitsOf, beamWidth: 2, topK: 3, lookahead: 3, maxTokens: 6 });
    const r = await result;
    // Prefill, then per position p = 0..4 (candidates of p + 1 tokens): 1 step appending all candidate
    // tokens and min(3, 6 - (p + 1)) - 1 lookahead steps; at p = 5 every candidate is at the budget.
    expect(decoder.forwardPasses).toBe(1 + 3 + 3 + 3 + 2 + 1);
    expect(r.usage.decoderSteps).toBe(decoder.forwardPasses);
    // Rows: 3 candidates at p = 0, then 6 (2 beams x 3), times the steps of that position; + the prompt.
    expect(r.usage.decoderTokens).toBe(1 + 3 * 3 + 6 * 3 + 6 * 3 + 6 * 2 + 6 * 1);
    expect(r.usage.rewardBatches).toBeLessThanOrEqual(2 * 6);
    expect(r.tokens.length).toBe(6);

    // A separate lookahead decoder: it runs the same lookahead steps; the policy steps once per position.
    const policy = toyDecoder(logitsOf, 4, [EOS]);
    const look = toyDecoder(logitsOf, 4, [EOS]);
    const split = await runDeal({ decoder: policy, lookaheadDecoder: look, promptIds: PROMPT, reward: bMinusC, vocabulary, beamWidth: 2, topK: 3, lookahead: 3, maxTokens: 6 });
    expect(split.tokens).toEqual(r.tokens);
    expect(split.logWeight).toBeCloseTo(r.logWeight, 12);
    expect(look.forwardPasses).toBe(1 + 3 + 3 + 3 + 2 + 1);
    expect(policy.forwardPasses).toBe(1 + 5);
    expect(split.usage.decoderSteps).toBe(look.forwardPasses + policy.forwardPasses);
    expect(policy.liveSequences + look.liveSequences).toBe(0);
  });

  it('looks ahead with the cheaper model when given one', async () => {
    const policyLogits = hashedLogits(4, 3, 2);
    const lookLogits = hashedLogits(4, 4, 2);
    const r = await runDeal({
      decoder: toyDecoder(policyLogits, 4, [EOS]),
      lookaheadDecoder: toyDecoder(lookLogits, 4, [EOS]),
      promptIds: PROMPT,
      reward: bMinusC,
      vocabulary,
      beamWidth: 2,
      topK: 2,
      lookahead: 2,
      maxTokens: 4,
      trace: true,
    });
    // Every lookahead is the lookahead model's greedy continuation of its candidate.
    const greedyOf = async (prefix: readonly number[], steps: number) => {
      const g = await runSampler({ decoder: toyDecoder((p) => lookLogits(p), 4, [EOS]), promptIds: [...PROMPT, ...prefix], sampler: 'greedy', maxTokens: steps });
      return g.tokens;
    };
    for (const step of r.trace!) {
      for (const c of step.candidates) {
        if (c.finished) continue;
        expect(c.lookahead).toEqual(await greedyOf(c.tokens, Math.min(2, 4 - c.tokens.length)));
      }
    }
  });

  it('prepends the alignment prompt for the models only, never for the reward', async () => {
    const seen: number[][] = [];
    // Prefers "b" when the context holds the alignment token "c" (which it never writes itself).
    const logitsOf = (prefix: readonly number[]) => {
      seen.push([...prefix]);
      return prefix.includes(2) ? [0, 3, -9, 1] : [3, 0, -9, 1];
    };
    const reward = recording(bMinusC);
    const plain = await deal({ logitsOf, reward, promptIds: [1], beamWidth: 1, topK: 1, lookahead: 1, maxTokens: 2 }).result;
    expect(plain.text).toBe('aa');
    seen.length = 0;
    reward.seen.length = 0;
    const aligned = await deal({ logitsOf, reward, promptIds: [1], alignmentPromptIds: [2], beamWidth: 1, topK: 1, lookahead: 1, maxTokens: 2 }).result;
    expect(aligned.text).toBe('bb');
    expect(seen.length).toBeGreaterThan(0);
    for (const prefix of seen) expect(prefix.slice(0, 2)).toEqual([2, 1]);
    for (const { text } of reward.seen) expect(text).toMatch(/^b*$/);
  });

  it('composes with boolean potentials that have no mask (checked token by token)', async () => {
    // Only texts of exactly two letters may end: EOS is refused before that, by a predicate.
    const two = textPredicate({ complete: (t) => t.length === 2 }, { vocabulary, eosId: EOS });
    let stops = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const { decoder, result } = deal({ logitsOf: hashedLogits(4, seed, 2), potentials: [two], constraint: noRepeats(), beamWidth: 3, topK: 3, lookahead: 2, maxTokens: 5, trace: true });
      const r = await result;
      // Every sequence that ended by EOS, output or candidate, is two letters ending in "a".
      for (const step of r.trace!) {
        for (const c of step.candidates) {
          if (c.finished && c.tokens.length < 5 && c.score > -Infinity) {
            expect(textOf(c.tokens)).toMatch(/^[bc]a$/);
            stops++;
          }
        }
      }
      if (r.finishReason === 'stop') expect(r.text).toMatch(/^[bc]a$/);
      expect(decoder.liveSequences).toBe(0);
    }
    expect(stops).toBeGreaterThan(0);
    await expect(deal({ logitsOf: hashedLogits(4, 1, 2), potentials: [textCritic({ complete: () => 0 }, { vocabulary })] }).result).rejects.toThrow(/boolean/);
  });

  it('passes per-call weights to a weighted-sum reward', async () => {
    const logitsOf = hashedLogits(4, 5, 2);
    const longer = textReward('length', { final: (t) => t.length });
    const sum = weightedSum([
      { reward: bMinusC, weight: 1 },
      { reward: longer, weight: 1 },
    ]);
    const alone = await deal({ logitsOf, reward: bMinusC, beamWidth: 2, topK: 3, lookahead: 2, lambda: 3 }).result;
    const weighted = await deal({ logitsOf, reward: sum, rewardWeights: { length: 0 }, beamWidth: 2, topK: 3, lookahead: 2, lambda: 3 }).result;
    expect(weighted.tokens).toEqual(alone.tokens);
    expect(weighted.logWeight).toBeCloseTo(alone.logWeight, 12);
  });

  it('handles maxTokens 0, a dead end, and reports the text and reward', async () => {
    const logitsOf = hashedLogits(4, 2, 2);
    const empty = await deal({ logitsOf, maxTokens: 0 }).result;
    expect(empty).toMatchObject({ tokens: [], text: '', finishReason: 'length', logProb: 0, reward: 0, logWeight: 0 });
    // A constraint that allows nothing at all: no valid sequence.
    const nothing = new TokenDfa(vocabulary, () => undefined, () => false);
    const { decoder, result } = deal({ logitsOf, constraint: nothing });
    const dead = await result;
    expect(dead.finishReason).toBe('dead');
    expect(dead.logWeight).toBe(-Infinity);
    expect(decoder.liveSequences).toBe(0);
  });

  it('never returns a dead end when a valid output exists, however much the reward likes it', async () => {
    // After "b" nothing is allowed and the text cannot end: a dead end the model and reward both prefer.
    const deadEnd = new TokenDfa(vocabulary, (s, t) => (s === 0 && t === 0 ? 1 : s === 0 && t === 1 ? 2 : undefined), (s) => s === 1);
    const logitsOf = () => [0, 4, -9, 0];
    const likesB = textReward('b', { final: (t) => (t.includes('b') ? 1 : 0) });
    for (const lookahead of [0, 2]) {
      const { decoder, result } = deal({ logitsOf, constraint: deadEnd, reward: likesB, beamWidth: 2, topK: 2, lookahead, lambda: 5, maxTokens: 4 });
      const r = await result;
      expect(r.finishReason, `l ${lookahead}`).toBe('stop');
      expect(r.text).toBe('a');
      expect(Number.isFinite(r.logWeight)).toBe(true);
      expect(decoder.liveSequences).toBe(0);
    }
  });

  it('aborts cleanly and checks its options', async () => {
    const logitsOf = hashedLogits(4, 2, 2);
    const controller = new AbortController();
    let calls = 0;
    const aborting = textReward('abort', {
      final: () => {
        if (++calls === 3) controller.abort();
        return 0;
      },
    });
    const { decoder, result } = deal({ logitsOf, reward: aborting, signal: controller.signal, maxTokens: 8 });
    await expect(result).rejects.toThrow(AbortError);
    expect(decoder.liveSequences).toBe(0);
    await expect(deal({ logitsOf, beamWidth: 0 }).result).rejects.toThrow(InputError);
    await expect(deal({ logitsOf, topK: 1.5 }).result).rejects.toThrow(InputError);
    await expect(deal({ logitsOf, lambda: Number.NaN }).result).rejects.toThrow(InputError);
    await expect(deal({ logitsOf, vocabulary: undefined }).result).rejects.toThrow(/vocabulary/);
    const other = toyDecoder(logitsOf, 5, [4]);
    await expect(deal({ logitsOf, lookaheadDecoder: other }).result).rejects.toThrow(/share the policy's tokens/);
  });
});
