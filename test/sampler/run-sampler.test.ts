import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { enumeratePaths } from '../../src/sampler/enumerate-paths.js';
import { textCritic, textPredicate } from '../../src/sampler/potential/text-potential.js';
import { runSampler, type RunSamplerOptions } from '../../src/sampler/run-sampler.js';
import { hashedLogits, nextLogProbs, toyDecoder, toyVocabulary, TokenDfa } from './toys.js';

// "ab" language: a* b? then EOS; tokens a, b, c (c never allowed), EOS.
const vocabulary = toyVocabulary(['a', 'b', 'c', '</s>'], { eosIds: [3] });
const EOS = 3;
const automaton = () =>
  new TokenDfa(
    vocabulary,
    (s, t) => (t === 0 && s === 0 ? 0 : t === 1 && s === 0 ? 1 : undefined),
    () => true,
  );
const logitsOf = hashedLogits(4, 21, 2);

function options(overrides: Partial<RunSamplerOptions>): RunSamplerOptions & { decoder: ReturnType<typeof toyDecoder> } {
  const decoder = toyDecoder(logitsOf, 4, [EOS]);
  return { decoder, promptIds: [2], constraint: automaton(), sampler: 'masked', maxTokens: 3, ...overrides } as RunSamplerOptions & {
    decoder: ReturnType<typeof toyDecoder>;
  };
}

/** The locally constrained (LCD) probability of a complete run's tokens (EOS appended when stopped). */
function lcdProbability(tokens: readonly number[], stopped: boolean, temperature = 1): number {
  const dfa = automaton();
  let state: number | undefined = 0;
  let p = 1;
  const steps = stopped ? [...tokens, EOS] : tokens;
  for (let i = 0; i < steps.length; i++) {
    const lp = nextLogProbs((prefix) => Array.from(logitsOf(prefix), (x) => x / temperature), [2, ...tokens.slice(0, i)], [EOS]);
    let Z = 0;
    for (let t = 0; t < 4; t++) if (t === EOS ? dfa.accepts(state!) : dfa.advance(state!, t) !== undefined) Z += Math.exp(lp[t]);
    p *= Math.exp(lp[steps[i]]) / Z;
    if (steps[i] !== EOS) state = dfa.advance(state!, steps[i]);
  }
  return p;
}

describe('runSampler', () => {
  it("'masked', 'awrs' and 'sample' all draw exactly the locally constrained distribution (enumerated)", async () => {
    for (const sampler of ['masked', 'awrs', 'sample'] as const) {
      for (const temperature of [1, 0.5]) {
        const paths = await enumeratePaths(async (random) => {
          const o = options({ sampler, random, temperature, estimator: 'recursive' });
          const r = await runSampler(o);
          if (o.decoder.liveSequences !== 0) throw new Error('decoder rows were not released');
          return r;
        });
        let total = 0;
        const byKey = new Map<string, number>();
        for (const p of paths) {
          const key = `${p.value.tokens.join(',')}|${p.value.finishReason}`;
          byKey.set(key, (byKey.get(key) ?? 0) + p.probability);
          total += p.probability;
        }
        expect(total).toBeCloseTo(1, 12);
        for (const [key, probability] of byKey) {
          const [tokens, reason] = key.split('|');
          const ids = tokens === '' ? [] : tokens.split(',').map(Number);
          expect(probability, `${sampler} T=${temperature} ${key}`).toBeCloseTo(lcdProbability(ids, reason === 'stop', temperature), 12);
        }
      }
    }
  });

  it('fast-forward changes no distribution and no expected weight, for every sampler (enumerated)', async () => {
    // After "b" only EOS is allowed: the automaton reports it as forced.
    const forcing = () =>
      new TokenDfa(vocabulary, (s, t) => (t === 0 && s === 0 ? 0 : t === 1 && s === 0 ? 1 : undefined), () => true, { forcedTokens: true });
    let forcedTokens = 0;
    for (const sampler of ['masked', 'awrs', 'sample', 'greedy'] as const) {
      const outcomes = async (fastForward: boolean) => {
        const byKey = new Map<string, { probability: number; weighted: number }>();
        const paths = await enumeratePaths((random) => runSampler(options({ sampler, random, constraint: forcing(), fastForward, estimator: 'recursive' })));
        for (const { probability, value } of paths) {
          if (fastForward) forcedTokens += value.usage.forcedTokens ?? 0;
          const key = `${value.tokens.join(',')}|${value.finishReason}`;
          const entry = byKey.get(key) ?? { probability: 0, weighted: 0 };
          entry.probability += probability;
          entry.weighted += probability * Math.exp(value.logWeight);
          byKey.set(key, entry);
        }
        return byKey;
      };
      const on = await outcomes(true);
      const off = await outcomes(false);
      expect([...on.keys()].sort(), sampler).toEqual([...off.keys()].sort());
      for (const [key, { probability, weighted }] of on) {
        expect(Math.abs(probability - off.get(key)!.probability), `${sampler} P(${key})`).toBeLessThan(1e-12);
        expect(Math.abs(weighted - off.get(key)!.weighted), `${sampler} E[w 1(${key})]`).toBeLessThan(1e-12);
      }
    }
    expect(forcedTokens).toBeGreaterThan(0);
  });

  it("'greedy' takes the best allowed token; 'sample' with topK 1 is the same", async () => {
    const greedy = await runSampler(options({ sampler: 'greedy' }));
    const top1 = await runSampler(options({ sampler: 'sample', topK: 1 }));
    expect(top1.tokens).toEqual(greedy.tokens);
    const dfa = automaton();
    let state: number | undefined = 0;
    const expected: number[] = [];
    for (let i = 0; i < 3; i++) {
      const lp = nextLogProbs(logitsOf, [2, ...expected], [EOS]);
      let best = -1;
      for (let t = 0; t < 4; t++) {
        const ok = t === EOS ? dfa.accepts(state!) : dfa.advance(state!, t) !== undefined;
        if (ok && (best < 0 || lp[t] > lp[best])) best = t;
      }
      if (best === EOS) break;
      expected.push(best);
      state = dfa.advance(state!, best);
    }
    expect(greedy.tokens).toEqual(expected);
    expect(greedy.logWeight).toBeCloseTo(greedy.logProb, 12);
  });

  it('streams tokens, reports usage and finish reasons', async () => {
    const streamed: number[] = [];
    const r = await runSampler(options({ sampler: 'awrs', seed: 5, onToken: (t) => streamed.push(t) }));
    expect(streamed).toEqual(r.tokens);
    expect(r.usage.decoderSteps).toBeGreaterThanOrEqual(1);
    expect(r.usage.masks).toBe(0);
    expect(r.usage.constraintChecks).toBeGreaterThan(0);
    expect(r.usage.tokens).toBe(r.tokens.length);
    const masked = await runSampler(options({ sampler: 'masked', seed: 5 }));
    expect(masked.usage.constraintChecks).toBe(0);
    expect(masked.usage.masks).toBeGreaterThan(0);
    // A constraint that never ends within 2 tokens: 'length'.
    const endless = new TokenDfa(vocabulary, (s, t) => (t === 0 ? s + 1 : undefined), () => false);
    const long = await runSampler(options({ constraint: endless, maxTokens: 2, sampler: 'masked' }));
    expect(long.finishReason).toBe('length');
    expect(long.tokens).toEqual([0, 0]);
    // A constraint with no way forward: 'dead'.
    const none = new TokenDfa(vocabulary, () => undefined, () => false);
    const dead = await runSampler(options({ constraint: none, sampler: 'awrs' }));
    expect(dead.finishReason).toBe('dead');
    expect(dead.logWeight).toBe(-Infinity);
    const seeded = await runSampler(options({ sampler: 'awrs', seed: 5 }));
    expect(seeded.tokens).toEqual(r.tokens); // same seed, same run
  });

  it("'smc' returns weighted particles, log Z and the posterior over texts", async () => {
    const o = options({ sampler: 'smc', particles: 6, seed: 2, maxTokens: 3 });
    const streamed: number[] = [];
    const r = await runSampler({ ...o, onToken: (t) => streamed.push(t) });
    expect(o.decoder.liveSequences).toBe(0);
    expect(r.particles).toHaveLength(6);
    expect(r.logZ).toBeLessThanOrEqual(0);
    expect(r.particles!.some((p) => p.tokens.join(',') === r.tokens.join(','))).toBe(true);
    expect(streamed).toEqual(r.tokens);
    const total = r.posterior!.reduce((s, e) => s + e.probability, 0);
    expect(total).toBeCloseTo(1, 12);
    for (const entry of r.posterior!) expect(/^a*b?$/.test(entry.text)).toBe(true);
    for (let i = 1; i < r.posterior!.length; i++) expect(r.posterior![i - 1].probability).toBeGreaterThanOrEqual(r.posterior![i].probability);
  });

  it('boolean potentials join the constraint; weighted ones are critics', async () => {
    // Any text over {a, b}; only texts of length 2 may end; a critic strongly prefers a "b".
    const free = new TokenDfa(vocabulary, (st, t) => (t < 2 ? st : undefined), () => true);
    const length2 = textPredicate({ complete: (text) => text.length === 2 }, { vocabulary });
    const preferB = textCritic({ complete: (text) => (text.includes('b') ? 0 : -20) }, { vocabulary });
    for (const sampler of ['masked', 'awrs'] as const) {
      for (let seed = 0; seed < 5; seed++) {
        const r = await runSampler(options({ sampler, seed, constraint: free, potentials: [length2], maxTokens: 4 }));
        expect(r.finishReason).not.toBe('dead');
        if (r.finishReason === 'stop') expect(r.tokens).toHaveLength(2);
        else expect(r.tokens).toHaveLength(4);
      }
    }
    const smc = await runSampler(options({ sampler: 'smc', particles: 16, seed: 1, constraint: free, potentials: [length2, preferB], maxTokens: 4 }));
    for (const entry of smc.posterior!) expect(entry.text).toHaveLength(2);
    const withB = smc.posterior!.filter((e) => e.text.includes('b')).reduce((sum, e) => sum + e.probability, 0);
    expect(withB).toBeGreaterThan(0.99);
  });

  it('rejects bad options with InputError naming the problem', async () => {
    await expect(runSampler(options({ sampler: 'nope' as 'greedy' }))).rejects.toThrow(/unknown sampler/);
    await expect(runSampler(options({ sampler: 'masked', topK: 2 }))).rejects.toThrow(/topK and topP/);
    await expect(runSampler(options({ sampler: 'awrs', particles: 4 }))).rejects.toThrow(/needs sampler "smc"/);
    await expect(runSampler(options({ temperature: 0 }))).rejects.toThrow(/temperature/);
    const wide = toyVocabulary(['a', 'b', 'c', '</s>'], { eosIds: [3], size: 8 });
    await expect(runSampler(options({ constraint: new TokenDfa(wide, () => 0, () => true) }))).rejects.toThrow(/8 ids/);
    const otherSpace = textPredicate({ complete: () => true }, { vocabulary: wide });
    await expect(runSampler(options({ potentials: [otherSpace] }))).rejects.toBeInstanceOf(InputError);
  });
});
