import { describe, expect, it } from 'vitest';
import { AbortError, InputError } from '../../../src/errors.js';
import type { TokenAutomaton } from '../../../src/grammar/automaton/token-automaton.js';
import { estimateQ, runTransferQStar, type TransferQStarOptions } from '../../../src/sampler/alignment/transfer-q-star.js';
import { enumeratePaths, expectation } from '../../../src/sampler/enumerate-paths.js';
import { textReward, type Reward } from '../../../src/sampler/rewards/reward.js';
import { runSampler } from '../../../src/sampler/run-sampler.js';
import { hashedLogits, nextLogProbs, TokenDfa, toyDecoder } from '../toys.js';
import { allowedBy, bMinusC, EOS, noRepeats, recording, textOf, vocabulary } from './alignment-toys.js';

const PROMPT = [2];
type Logits = (prefix: readonly number[]) => ArrayLike<number>;

function tq(overrides: Partial<TransferQStarOptions> & { logitsOf: Logits; baselineLogits?: Logits }) {
  const { logitsOf, baselineLogits, ...rest } = overrides;
  const decoder = toyDecoder(logitsOf, 4, [EOS]);
  const baselineDecoder = baselineLogits === undefined ? undefined : toyDecoder(baselineLogits, 4, [EOS]);
  const options: TransferQStarOptions = { decoder, baselineDecoder, promptIds: PROMPT, reward: bMinusC, maxTokens: 3, vocabulary, ...rest };
  return { decoder, baselineDecoder, result: runTransferQStar(options) };
}

/** A deterministic reward in [0, 1) that varies with every text (FNV-1a hash). */
const hashed = textReward('hash', {
  final: (t) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193) >>> 0;
    return (h % 1000) / 1000;
  },
});

/** Whether `token` may follow `tokens` under the constraint (EOS: may the text end). */
function allowed(constraint: TokenAutomaton<number> | undefined, tokens: readonly number[], token: number): boolean {
  if (constraint === undefined) return true;
  return token === EOS ? allowedBy(constraint, tokens, true) : allowedBy(constraint, [...tokens, token], false);
}

/** Locally constrained probability of the next token: p restricted to the allowed tokens, renormalised. */
function lcdNext(logitsOf: Logits, constraint: TokenAutomaton<number> | undefined, context: readonly number[], tokens: readonly number[]): number[] {
  const lp = nextLogProbs(logitsOf, [...context, ...tokens], [EOS]);
  const p = Array.from(lp, (x, t) => (allowed(constraint, tokens, t) ? Math.exp(x) : 0));
  const z = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / z);
}

/** Every continuation of `tokens` under the constrained model to EOS or maxTokens: [probability, tokens, stopped]. */
function continuations(logitsOf: Logits, constraint: TokenAutomaton<number> | undefined, tokens: readonly number[], maxTokens: number): [number, number[], boolean][] {
  if (tokens.length >= maxTokens) return [[1, [...tokens], false]];
  const out: [number, number[], boolean][] = [];
  const next = lcdNext(logitsOf, constraint, PROMPT, tokens);
  for (let t = 0; t < 4; t++) {
    if (next[t] === 0) continue;
    if (t === EOS) out.push([next[t], [...tokens], true]);
    else for (const [p, seq, stopped] of continuations(logitsOf, constraint, [...tokens, t], maxTokens)) out.push([next[t] * p, seq, stopped]);
  }
  return out;
}

/** Q(s, z) by enumeration: E over baseline continuations of reward(text), with indirect weights. */
async function enumeratedQ(
  baselineLogits: Logits,
  constraint: TokenAutomaton<number> | undefined,
  prefix: readonly number[],
  z: number,
  maxTokens: number,
  reward: Reward,
  indirect?: { baselineReward: Reward; beta: number },
): Promise<{ q: number; variance: number }> {
  const paths = continuations(baselineLogits, constraint, [...prefix, z], maxTokens);
  const texts = paths.map(([, seq]) => textOf(seq));
  const r = await reward.score(texts);
  const rBL = indirect === undefined ? r.map(() => 0) : await indirect.baselineReward.score(texts);
  const beta = indirect?.beta ?? 1;
  let w = 0;
  let wr = 0;
  for (let i = 0; i < paths.length; i++) {
    const weight = indirect === undefined ? 1 : Math.exp((r[i] - rBL[i]) / beta);
    w += paths[i][0] * weight;
    wr += paths[i][0] * weight * r[i];
  }
  const q = wr / w;
  // Per-sample variance of the (self-normalised) estimator, by the delta method.
  let v = 0;
  for (let i = 0; i < paths.length; i++) {
    const weight = indirect === undefined ? 1 : Math.exp((r[i] - rBL[i]) / beta);
    v += paths[i][0] * weight * weight * (r[i] - q) ** 2;
  }
  return { q, variance: v / (w * w) };
}

describe('runTransferQStar', () => {
  it('with alpha = 0 and argmax is constrained greedy decoding', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      for (const constrained of [false, true]) {
        const logitsOf = hashedLogits(4, seed, 2);
        const constraint = constrained ? noRepeats() : undefined;
        const { decoder, result } = tq({ logitsOf, constraint, alpha: 0, rollouts: 2, maxTokens: 5, seed });
        const r = await result;
        const greedy = await runSampler({ decoder: toyDecoder(logitsOf, 4, [EOS]), promptIds: PROMPT, constraint, sampler: 'greedy', maxTokens: 5 });
        expect(r.tokens, `seed ${seed}`).toEqual(greedy.tokens);
        expect(r.finishReason).toBe(greedy.finishReason);
        expect(r.logProb).toBeCloseTo(greedy.logProb, 12);
        expect(decoder.liveSequences).toBe(0);
      }
    }
  });

  it('with alpha = 0 and sampling draws exactly the policy’s constrained distribution (every path enumerated)', async () => {
    for (const constrained of [false, true]) {
      const logitsOf = hashedLogits(4, 11, 2);
      const constraint = constrained ? noRepeats() : undefined;
      const paths = await enumeratePaths(async (random) => {
        const { decoder, result } = tq({ logitsOf, constraint, alpha: 0, choose: 'sample', topK: Infinity, rollouts: 1, maxTokens: 2, random });
        const r = await result;
        if (decoder.liveSequences !== 0) throw new Error('rows were not released');
        return r;
      });
      const byOutput = new Map<string, number>();
      for (const p of paths) {
        const key = `${p.value.tokens.join(',')}|${p.value.finishReason}`;
        byOutput.set(key, (byOutput.get(key) ?? 0) + p.probability);
      }
      let total = 0;
      for (const [key, probability] of byOutput) {
        const [ids, reason] = key.split('|');
        const tokens = ids === '' ? [] : ids.split(',').map(Number);
        let expected = 1;
        const steps = reason === 'stop' ? [...tokens, EOS] : tokens;
        for (let i = 0; i < steps.length; i++) expected *= lcdNext(logitsOf, constraint, PROMPT, tokens.slice(0, i))[steps[i]];
        expect(probability, `${constrained} ${key}`).toBeCloseTo(expected, 12);
        total += probability;
      }
      expect(total).toBeCloseTo(1, 12);
      // Every complete output of the constrained model occurs.
      expect(byOutput.size).toBe(continuations(logitsOf, constraint, [], 2).length);
    }
  });

  it('with a very large alpha picks the token of highest Q', async () => {
    const logitsOf = hashedLogits(4, 7, 2);
    // One token: every candidate ends the text, so Q is exactly the reward of its text.
    const one = await tq({ logitsOf, reward: hashed, alpha: 1e6, topK: Infinity, maxTokens: 1, trace: true }).result;
    const first = one.trace![0];
    const scores = await hashed.score(first.candidates.map((c) => textOf(c.token === EOS ? [] : [c.token])));
    expect(first.candidates.map((c) => c.q)).toEqual(scores);
    const best = scores.indexOf(Math.max(...scores));
    expect(best).not.toBe(0); // not the policy's favourite: the reward decides
    expect(first.chosen).toBe(best);
    const token = first.candidates[best].token;
    expect(one.tokens).toEqual(token === EOS ? [] : [token]);

    // Greedy rollouts: Q(z) is the reward of z's constrained greedy continuation, known in advance.
    for (const constrained of [false, true]) {
      const constraint = constrained ? noRepeats() : undefined;
      const r = await tq({ logitsOf, constraint, reward: hashed, alpha: 1e6, topK: Infinity, rollout: 'greedy', maxTokens: 4, trace: true }).result;
      const step = r.trace![0];
      for (const c of step.candidates) {
        const text = c.token === EOS ? '' : textOf([c.token, ...greedyFrom(logitsOf, constraint, [c.token], 4)]);
        expect(c.q, `${constrained} token ${c.token}`).toBe((await hashed.score([text]))[0]);
      }
      expect(step.candidates[step.chosen].q).toBe(Math.max(...step.candidates.map((c) => c.q)));
    }
  });

  it('estimates Q without bias: E[Q estimate] equals Q by enumeration (direct transfer, separate baseline)', async () => {
    const logitsOf = hashedLogits(4, 3, 2);
    const baselineLogits = hashedLogits(4, 4, 2);
    for (const constrained of [false, true]) {
      for (const rollouts of [1, 2]) {
        const constraint = constrained ? noRepeats() : undefined;
        const paths = await enumeratePaths(async (random) => {
          const { result } = tq({ logitsOf, baselineLogits, constraint, reward: hashed, alpha: 0.5, topK: Infinity, rollouts, maxTokens: 2, random, trace: true });
          return (await result).trace![0];
        });
        const first = paths[0].value;
        for (let i = 0; i < first.candidates.length; i++) {
          const z = first.candidates[i].token;
          const estimate = expectation(paths, (step) => step.candidates[i].q);
          const exact = z === EOS ? (await hashed.score(['']))[0] : (await enumeratedQ(baselineLogits, constraint, [], z, 2, hashed)).q;
          expect(estimate, `constrained ${constrained} rollouts ${rollouts} token ${z}`).toBeCloseTo(exact, 12);
        }
      }
    }
  });

  it('rollout Q estimates agree with enumerated Q within 4 standard errors (direct and indirect transfer)', async () => {
    const logitsOf = hashedLogits(4, 5, 2);
    const baselineLogits = hashedLogits(4, 6, 2);
    const constraint = noRepeats();
    const rollouts = 1500;
    const baselineReward = textReward('baseline', { final: (t) => (t.match(/a/g) ?? []).length / 3 });
    for (const indirect of [undefined, { baselineReward, beta: 0.5 }]) {
      const { result } = tq({
        logitsOf,
        baselineLogits,
        constraint,
        reward: hashed,
        transfer: indirect === undefined ? 'direct' : { kind: 'indirect', ...indirect },
        topK: Infinity,
        rollouts,
        maxTokens: 4,
        seed: 12345,
        trace: true,
      });
      const first = (await result).trace![0];
      for (const c of first.candidates) {
        if (c.token === EOS) continue;
        const { q, variance } = await enumeratedQ(baselineLogits, constraint, [], c.token, 4, hashed, indirect);
        const se = Math.sqrt(variance / rollouts);
        expect(se).toBeGreaterThan(0);
        expect(Math.abs(c.q - q), `${indirect ? 'indirect' : 'direct'} token ${c.token}: ${c.q} vs ${q} (se ${se})`).toBeLessThanOrEqual(4 * se);
      }
    }
  });

  it('indirect transfer reweights rollouts by exp((r - r_BL) / beta), normalised', () => {
    const r = Float64Array.of(9, 1, 0, 2, 4);
    const rBL = Float64Array.of(9, 0, 1, 2, 4);
    // Candidate with rollouts at 1..3: weights e^(1/0.5), e^(-1/0.5), 1.
    const w = [Math.exp(2), Math.exp(-2), 1];
    expect(estimateQ(r, rBL, 1, 3, 0.5)).toBeCloseTo((w[0] * 1 + w[1] * 0 + w[2] * 2) / (w[0] + w[1] + w[2]), 14);
    expect(estimateQ(r, undefined, 1, 3, 0)).toBe(1);
    expect(estimateQ(Float64Array.of(-Infinity, 3), Float64Array.of(0, 0), 0, 2, 1)).toBe(3);
    expect(estimateQ(Float64Array.of(-Infinity), Float64Array.of(0), 0, 1, 1)).toBe(-Infinity);
  });

  it('runs all rollouts of all candidates as one batched decoder step per depth', async () => {
    const base = hashedLogits(4, 9, 2);
    const logitsOf = (prefix: readonly number[]) => {
      const logits = Array.from(base(prefix));
      logits[EOS] = -Infinity;
      return logits;
    };
    const { decoder, result } = tq({ logitsOf, topK: 2, rollouts: 3, maxTokens: 5 });
    const r = await result;
    // Per position p = 0..3: one step appending both candidates, then (rollout length - 1) steps with
    // rollout length 5 - (p + 1); at p = 4 the candidates end the text (no rollout).
    expect(decoder.forwardPasses).toBe(1 + 4 + 3 + 2 + 1);
    expect(r.usage.decoderSteps).toBe(decoder.forwardPasses);
    expect(r.usage.decoderTokens).toBe(1 + (2 + 6 * 3) + (2 + 6 * 2) + (2 + 6 * 1) + 2);
    expect(r.tokens.length).toBe(5);
    expect(r.finishReason).toBe('length');

    const policy = toyDecoder(logitsOf, 4, [EOS]);
    const baseline = toyDecoder(logitsOf, 4, [EOS]);
    const split = await runTransferQStar({ decoder: policy, baselineDecoder: baseline, promptIds: PROMPT, reward: bMinusC, vocabulary, topK: 2, rollouts: 3, maxTokens: 5 });
    expect(split.tokens).toEqual(r.tokens);
    expect(baseline.forwardPasses).toBe(1 + 4 + 3 + 2 + 1);
    expect(policy.forwardPasses).toBe(1 + 4);
    expect(policy.liveSequences + baseline.liveSequences).toBe(0);
  });

  it('never lets the constraint be violated, in outputs or rollouts', async () => {
    const repeats = recording(textReward('repeats', { final: (t) => (t.match(/(.)\1/g) ?? []).length }));
    for (let seed = 1; seed <= 5; seed++) {
      for (const choose of ['argmax', 'sample'] as const) {
        const { decoder, result } = tq({ logitsOf: hashedLogits(4, seed, 3), constraint: noRepeats(), reward: repeats, alpha: 50, topK: 3, rollouts: 4, maxTokens: 6, choose, seed });
        const r = await result;
        expect(allowedBy(noRepeats(), r.tokens, r.finishReason === 'stop')).toBe(true);
        expect(decoder.liveSequences).toBe(0);
      }
    }
    expect(repeats.seen.length).toBeGreaterThan(50);
    for (const { text } of repeats.seen) expect(text).not.toMatch(/(.)\1/);
  });

  it('rolls out from the baseline’s own prompt, streams chosen tokens, and is reproducible by seed', async () => {
    const seen: number[][] = [];
    const baselineLogits = (prefix: readonly number[]) => {
      seen.push([...prefix]);
      return hashedLogits(4, 8, 2)(prefix);
    };
    const streamed: number[] = [];
    const run = () =>
      tq({ logitsOf: hashedLogits(4, 7, 2), baselineLogits, baselinePromptIds: [1, 1], choose: 'sample', rollouts: 2, maxTokens: 4, seed: 99, onToken: (t) => streamed.push(t) }).result;
    const a = await run();
    expect(streamed).toEqual(a.tokens);
    for (const prefix of seen) expect(prefix.slice(0, 2)).toEqual([1, 1]);
    const b = await run();
    expect(b.tokens).toEqual(a.tokens);
    expect(b.logWeight).toBe(a.logWeight);
    expect(a.logWeight).toBeCloseTo(a.logProb + 10 * a.reward, 12);
  });

  it('gives a dead-end candidate Q = -Infinity, however much the reward likes its text', async () => {
    // After "b" nothing is allowed and the text cannot end.
    const deadEnd = new TokenDfa(vocabulary, (s, t) => (s === 0 && t === 0 ? 1 : s === 0 && t === 1 ? 2 : undefined), (s) => s === 1);
    const likesB = textReward('b', { final: (t) => (t.includes('b') ? 1 : 0) });
    const { decoder, result } = tq({ logitsOf: () => [0, 4, -9, 0], constraint: deadEnd, reward: likesB, alpha: 5, topK: 2, maxTokens: 4, trace: true });
    const r = await result;
    expect(r.trace![0].candidates.map((c) => [c.token, c.q])).toEqual([
      [1, -Infinity],
      [0, 0],
    ]);
    expect(r.text).toBe('a');
    expect(r.finishReason).toBe('stop');
    expect(decoder.liveSequences).toBe(0);
  });

  it('with rolloutTokens 0 scores each candidate prefix with the partial reward', async () => {
    const reward = recording(textReward('len', { final: (t) => t.length, partial: (t) => -t.length }));
    const { decoder, result } = tq({ logitsOf: hashedLogits(4, 3, 2), reward, rolloutTokens: 0, topK: 2, maxTokens: 3, trace: true });
    const r = await result;
    for (const step of r.trace!) {
      for (const c of step.candidates) {
        const ends = c.token === EOS || step.position + 1 >= 3;
        const length = step.position + (c.token === EOS ? 0 : 1);
        expect(c.q).toBe(ends ? length : -length);
        expect(c.rollouts).toBe(0);
      }
    }
    expect(r.usage.decoderSteps).toBe(decoder.forwardPasses);
    expect(decoder.liveSequences).toBe(0);
  });

  it('indirect transfer with one rollout per candidate is direct transfer', async () => {
    const baselineReward = textReward('baseline', { final: (t) => t.length });
    const direct = await tq({ logitsOf: hashedLogits(4, 2, 2), rollouts: 1, maxTokens: 4, seed: 5, trace: true }).result;
    const indirect = await tq({ logitsOf: hashedLogits(4, 2, 2), rollouts: 1, maxTokens: 4, seed: 5, trace: true, transfer: { kind: 'indirect', baselineReward, beta: 0.3 } }).result;
    expect(indirect.tokens).toEqual(direct.tokens);
    expect(indirect.trace!.map((s) => s.candidates.map((c) => c.q))).toEqual(direct.trace!.map((s) => s.candidates.map((c) => c.q)));
    expect(indirect.usage.rewardCalls).toBeGreaterThan(direct.usage.rewardCalls);
  });

  it('aborts cleanly and checks its options', async () => {
    const logitsOf = hashedLogits(4, 2, 2);
    const controller = new AbortController();
    let calls = 0;
    const aborting = textReward('abort', {
      final: () => {
        if (++calls === 4) controller.abort();
        return 0;
      },
    });
    const { decoder, result } = tq({ logitsOf, reward: aborting, signal: controller.signal, rollouts: 2, maxTokens: 6 });
    await expect(result).rejects.toThrow(AbortError);
    expect(decoder.liveSequences).toBe(0);
    await expect(tq({ logitsOf, rollouts: 0 }).result).rejects.toThrow(InputError);
    await expect(tq({ logitsOf, alpha: Infinity }).result).rejects.toThrow(InputError);
    await expect(tq({ logitsOf, transfer: { kind: 'indirect', baselineReward: bMinusC, beta: 0 } }).result).rejects.toThrow(InputError);
    await expect(tq({ logitsOf, baselinePromptIds: [1] }).result).rejects.toThrow(/separate baselineDecoder/);
    await expect(tq({ logitsOf, choose: 'best' as 'argmax' }).result).rejects.toThrow(InputError);
  });
});

/** Greedy continuation of `tokens` under the constraint, up to maxTokens generated tokens in total. */
function greedyFrom(logitsOf: Logits, constraint: TokenAutomaton<number> | undefined, tokens: readonly number[], maxTokens: number): number[] {
  const out: number[] = [];
  while (tokens.length + out.length < maxTokens) {
    const lp = nextLogProbs(logitsOf, [...PROMPT, ...tokens, ...out], [EOS]);
    let best = -1;
    for (let t = 0; t < 4; t++) if (allowed(constraint, [...tokens, ...out], t) && (best < 0 || lp[t] > lp[best])) best = t;
    if (best === EOS || best < 0) break;
    out.push(best);
  }
  return out;
}
