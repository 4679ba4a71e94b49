import { describe, expect, it } from 'vitest';
import { AbortError, InputError } from '../../../src/errors.js';
import { enumeratePaths, expectation } from '../../../src/sampler/enumerate-paths.js';
import { automatonPotential } from '../../../src/sampler/potential/automaton-potential.js';
import type { Potential } from '../../../src/sampler/potential/potential.js';
import { textCritic } from '../../../src/sampler/potential/text-potential.js';
import { SeededRandom, type Random } from '../../../src/sampler/random.js';
import { RESAMPLING_SCHEMES, type ResamplingScheme } from '../../../src/sampler/smc/resampling.js';
import { smc, type SmcResult } from '../../../src/sampler/smc/smc.js';
import { AwrsSampler, type AwrsOptions } from '../../../src/sampler/token/awrs.js';
import { MaskedSampler } from '../../../src/sampler/token/masked.js';
import { newUsage, type TokenSampler } from '../../../src/sampler/token/token-sampler.js';
import { allSequences, hashedLogits, nextLogProbs, toyDecoder, toyVocabulary, TokenDfa } from '../toys.js';

/**
 * A micro language: tokens a, b, c, EOS. The constraint forbids "bb" and an empty document; EOS only
 * after a or c. The model is context dependent (logits hashed from the whole prefix).
 */
function micro(seed: number, alphabet = 3, options: { forcing?: boolean } = {}) {
  const names = ['a', 'b', 'c'].slice(0, alphabet);
  const eos = alphabet;
  const vocabulary = toyVocabulary([...names, '</s>'], { eosIds: [eos] });
  // States: 0 start, 1 after a/c, 2 after b. Forcing: after b only c (then EOS, if c was the last
  // letter allowed, only after a), and after "ac" only EOS, so fast-forward has work to do.
  const automaton = options.forcing
    ? new TokenDfa(
        vocabulary,
        (s, t) => (s === 2 ? (t === 2 ? 3 : undefined) : s === 4 ? undefined : t === 1 ? 2 : s === 1 && t === 2 ? 4 : 1),
        (s) => s === 1 || s === 3 || s === 4,
        { forcedTokens: true },
      )
    : new TokenDfa(
        vocabulary,
        (s, t) => (t === 1 ? (s === 2 ? undefined : 2) : 1),
        (s) => s === 1,
      );
  const logitsOf = hashedLogits(eos + 1, seed, 1.5);
  const condition = automatonPotential(automaton);
  return { vocabulary, automaton, condition, logitsOf, eos, alphabet: names.map((_, i) => i) };
}

type Micro = ReturnType<typeof micro>;

/** gamma(y) = p(y EOS) * condition(y) * exp(critic.complete(y)) for every y of length <= maxTokens. */
function target(m: Micro, maxTokens: number, critic?: Potential<unknown>): Map<string, number> {
  const out = new Map<string, number>();
  for (const y of allSequences(m.alphabet, maxTokens)) {
    let state = m.condition.initial;
    let logp = 0;
    for (let i = 0; i < y.length; i++) {
      logp += nextLogProbs(m.logitsOf, y.slice(0, i), [m.eos])[y[i]];
      state = m.condition.extend(state, y[i]);
    }
    logp += nextLogProbs(m.logitsOf, y, [m.eos])[m.eos] + m.condition.complete(state);
    if (critic !== undefined) {
      let cs = critic.initial;
      for (const t of y) cs = critic.extend(cs, t);
      logp += critic.complete(cs);
    }
    if (logp > -Infinity) out.set(y.join(','), Math.exp(logp));
  }
  return out;
}

interface RunSpec {
  readonly particles: number;
  readonly maxTokens: number;
  readonly scheme: ResamplingScheme;
  readonly essThreshold: number;
  readonly proposal: 'masked' | 'awrs';
  readonly awrs?: AwrsOptions;
  readonly critic?: Potential<unknown>;
  readonly fastForward?: boolean;
}

async function runOnce(m: Micro, spec: RunSpec, random: Random): Promise<SmcResult> {
  const decoder = toyDecoder(m.logitsOf, m.eos + 1, [m.eos]);
  const usage = newUsage();
  const tokenSampler: TokenSampler =
    spec.proposal === 'masked' ? new MaskedSampler(m.eos + 1, usage) : new AwrsSampler(m.eos + 1, usage, spec.awrs ?? { estimator: 'auto', maxRejections: 2, maxFailures: 2 });
  const result = await smc({
    decoder,
    promptIds: [],
    tokenSampler,
    condition: m.condition,
    critics: spec.critic === undefined ? [] : [spec.critic],
    particles: spec.particles,
    maxTokens: spec.maxTokens,
    essThreshold: spec.essThreshold,
    resampling: spec.scheme,
    random,
    fastForward: spec.fastForward,
  });
  if (decoder.liveSequences !== 0) throw new Error(`${decoder.liveSequences} decoder rows were not released`);
  return result;
}

/** E[Z_hat] = Z and E[(1/N) sum_i w_i 1[x_i = y]] = gamma(y) for every y, over every path. */
async function expectExactExpectations(m: Micro, spec: RunSpec): Promise<number> {
  const gamma = target(m, spec.maxTokens, spec.critic);
  const Z = [...gamma.values()].reduce((a, b) => a + b, 0);
  const paths = await enumeratePaths((random) => runOnce(m, spec, random), { maxPaths: 200_000 });
  const mass = expectation(paths, () => 1);
  expect(mass).toBeCloseTo(1, 12);
  const EZ = expectation(paths, (r) => Math.exp(r.logZ));
  expect(Math.abs(EZ - Z) / Z, `E[Z_hat] = ${EZ}, Z = ${Z}`).toBeLessThan(1e-11);
  const measure = new Map<string, number>();
  for (const { probability, value } of paths) {
    for (const p of value.particles) {
      if (!(p.logWeight > -Infinity)) continue;
      const key = p.tokens.join(',');
      measure.set(key, (measure.get(key) ?? 0) + (probability * Math.exp(p.logWeight)) / spec.particles);
    }
  }
  for (const [y, g] of gamma) expect(Math.abs((measure.get(y) ?? 0) - g) / Z, `measure of [${y}]`).toBeLessThan(1e-11);
  for (const y of measure.keys()) expect(gamma.has(y), `particle [${y}] outside the target's support`).toBe(true);
  return paths.length;
}

describe('SMC is exact in expectation (every random path of whole runs enumerated)', () => {
  for (const scheme of RESAMPLING_SCHEMES) {
    it(`${scheme} resampling, masked proposal, resampling at every unequal step`, async () => {
      const m = micro(1);
      const n = await expectExactExpectations(m, { particles: 2, maxTokens: 2, scheme, essThreshold: 1, proposal: 'masked' });
      expect(n).toBeGreaterThan(50);
    });
  }

  it('stratified, 3 particles, ESS threshold 0.8', async () => {
    await expectExactExpectations(micro(2, 2), { particles: 3, maxTokens: 2, scheme: 'stratified', essThreshold: 0.8, proposal: 'masked' });
  });

  it('AWRS proposal inside SMC (recursive estimator with the exact fallback; geometric with die)', async () => {
    const spec = { particles: 2, scheme: 'systematic', essThreshold: 1, proposal: 'awrs' } as const;
    await expectExactExpectations(micro(3, 2), { ...spec, maxTokens: 2, awrs: { estimator: 'recursive', maxRejections: 1 } });
    await expectExactExpectations(micro(3, 2), { ...spec, maxTokens: 1, awrs: { estimator: 'geometric', maxFailures: 2, onCap: 'die' } });
  });

  it('a critic as twist: the target gains its complete weight, prefix weights only steer', async () => {
    const m = micro(4);
    // Prefix score favours "a"s, complete score favours short texts: twist and final weight differ.
    const critic = textCritic(
      {
        prefix: (text) => 0.7 * (text.split('a').length - 1),
        complete: (text) => -0.5 * text.length,
      },
      { vocabulary: m.vocabulary, eosId: m.eos },
    ) as Potential<unknown>;
    for (const scheme of ['stratified', 'multinomial'] as const) {
      await expectExactExpectations(m, { particles: 2, maxTokens: 2, scheme, essThreshold: 1, proposal: 'masked', critic });
    }
  });

  it('fast-forward keeps every expectation exact, with the masked and the AWRS proposal', async () => {
    const m = micro(13, 3, { forcing: true });
    const usage = newUsage();
    const decoder = toyDecoder(m.logitsOf, 4, [3]);
    await smc({ decoder, promptIds: [], tokenSampler: new MaskedSampler(4, usage), usage, condition: m.condition, particles: 8, maxTokens: 3, random: new SeededRandom(2), fastForward: true });
    expect(usage.forcedTokens).toBeGreaterThan(0); // the runs below do take forced tokens
    const awrs = { estimator: 'recursive', maxRejections: 1 } as const;
    for (const fastForward of [true, false]) {
      await expectExactExpectations(m, { particles: 2, maxTokens: 3, scheme: 'stratified', essThreshold: 1, proposal: 'masked', fastForward });
      await expectExactExpectations(m, { particles: 1, maxTokens: 3, scheme: 'stratified', essThreshold: 1, proposal: 'awrs', awrs, fastForward });
      await expectExactExpectations(m, { particles: 2, maxTokens: 2, scheme: 'systematic', essThreshold: 1, proposal: 'awrs', awrs, fastForward });
    }
  });

  it('one particle and no resampling: importance sampling with forced EOS at max tokens', async () => {
    await expectExactExpectations(micro(5), { particles: 1, maxTokens: 3, scheme: 'stratified', essThreshold: 0.5, proposal: 'masked' });
  });
});

describe('SMC end to end (statistical, against an enumerated target)', () => {
  it('mean Z_hat is within 4 standard errors of Z, and the weighted particles match the target', async () => {
    const m = micro(11);
    const maxTokens = 4;
    const gamma = target(m, maxTokens);
    const Z = [...gamma.values()].reduce((a, b) => a + b, 0);
    const top = [...gamma].sort((a, b) => b[1] - a[1])[0];
    const runs = 400;
    let sum = 0;
    let squares = 0;
    let topSum = 0;
    let topSquares = 0;
    for (let run = 0; run < runs; run++) {
      const result = await runOnce(
        m,
        { particles: 4, maxTokens, scheme: 'stratified', essThreshold: 0.5, proposal: 'awrs' },
        new SeededRandom(1000 + run),
      );
      // Test Z_hat itself: E[log Z_hat] < log Z (Jensen), so a log-scale test would fail a correct sampler.
      const zHat = Math.exp(result.logZ);
      sum += zHat;
      squares += zHat * zHat;
      let topWeight = 0;
      for (const p of result.particles) if (p.tokens.join(',') === top[0]) topWeight += Math.exp(p.logWeight) / 4;
      topSum += topWeight;
      topSquares += topWeight * topWeight;
    }
    const mean = sum / runs;
    const se = Math.sqrt((squares / runs - mean * mean) / runs);
    expect(se).toBeGreaterThan(0);
    expect(Math.abs(mean - Z), `mean Z_hat ${mean} vs Z ${Z} (se ${se})`).toBeLessThan(4 * se);
    const topMean = topSum / runs;
    const topSe = Math.sqrt((topSquares / runs - topMean * topMean) / runs);
    expect(Math.abs(topMean - top[1])).toBeLessThan(4 * topSe + 1e-12);
  });
});

describe('SMC mechanics', () => {
  it('uses one batched decoder step per token position and releases every row', async () => {
    const m = micro(6);
    const decoder = toyDecoder(m.logitsOf, m.eos + 1, [m.eos]);
    const result = await smc({
      decoder,
      promptIds: [0, 2],
      tokenSampler: new MaskedSampler(m.eos + 1, newUsage()),
      condition: m.condition,
      particles: 8,
      maxTokens: 5,
      random: new SeededRandom(3),
    });
    expect(decoder.liveSequences).toBe(0);
    expect(result.decoderSteps).toBe(decoder.forwardPasses);
    expect(result.decoderSteps).toBeLessThanOrEqual(1 + 5);
    for (const p of result.particles) {
      expect(p.tokens.length).toBeLessThanOrEqual(5);
      if (p.logWeight > -Infinity) expect(['stop', 'length']).toContain(p.finishReason);
    }
  });

  it('force-eos at max tokens kills particles the constraint cannot end; stop keeps prefixes', async () => {
    // Only "b" is likely; after "b" EOS is refused, "bb" is refused: at max tokens 1, "b" cannot end.
    const m = micro(7);
    const logitsOf = (prefix: readonly number[]) => (prefix.length === 0 ? [-50, 10, -50, -50] : [0, 0, 0, 0]);
    const forced = await smc({
      decoder: toyDecoder(logitsOf, 4, [3]),
      promptIds: [],
      tokenSampler: new MaskedSampler(4, newUsage()),
      condition: m.condition,
      particles: 3,
      maxTokens: 1,
      random: new SeededRandom(1),
    });
    for (const p of forced.particles) {
      if (p.tokens[0] === 1) {
        expect(p.finishReason).toBe('length');
        expect(p.logWeight).toBe(-Infinity);
      }
    }
    const stopped = await smc({
      decoder: toyDecoder(logitsOf, 4, [3]),
      promptIds: [],
      tokenSampler: new MaskedSampler(4, newUsage()),
      condition: m.condition,
      particles: 1,
      maxTokens: 1,
      atMaxTokens: 'stop',
      random: new SeededRandom(1),
    });
    expect(stopped.particles[0].finishReason).toBe('length');
    expect(stopped.particles[0].logWeight).toBeGreaterThan(-Infinity);
    expect(stopped.decoderSteps).toBe(1);
  });

  it('forced tokens are not even asked for unless fastForward is on', async () => {
    const m = micro(12);
    for (const fastForward of [undefined, false, true]) {
      let asked = 0;
      const condition = { ...wrapPotential(m.condition), forced: () => (asked++, []) };
      await smc({
        decoder: toyDecoder(m.logitsOf, 4, [3]),
        promptIds: [],
        tokenSampler: new AwrsSampler(4, newUsage()),
        condition,
        particles: 2,
        maxTokens: 3,
        random: new SeededRandom(1),
        fastForward,
      });
      if (fastForward === true) expect(asked).toBeGreaterThan(0);
      else expect(asked).toBe(0);
    }
  });

  it('with fastForward, forced tokens are taken without a draw, weighted by their probability', async () => {
    // After "a" only "c" is allowed (forced), then anything.
    const vocabulary = toyVocabulary(['a', 'b', 'c', '</s>'], { eosIds: [3] });
    const automaton = new TokenDfa(vocabulary, (s, t) => (s === 1 ? (t === 2 ? 2 : undefined) : t === 0 ? 1 : 2), (s) => s === 2, {
      forcedTokens: true,
    });
    const logitsOf = hashedLogits(4, 5);
    const usage = newUsage();
    const paths = await enumeratePaths(async (random) => {
      const decoder = toyDecoder(logitsOf, 4, [3]);
      const r = await smc({
        decoder,
        promptIds: [],
        tokenSampler: new MaskedSampler(4, usage),
        usage,
        condition: automatonPotential(automaton),
        particles: 1,
        maxTokens: 3,
        random,
        fastForward: true,
      });
      return r.particles[0];
    });
    for (const p of paths) if (p.value.tokens[0] === 0) expect(p.value.tokens[1]).toBe(2);
    const expectedWeight = (tokens: readonly number[]) => {
      let state = automatonPotential(automaton).initial;
      let logw = 0;
      for (let i = 0; i <= tokens.length; i++) {
        const lp = nextLogProbs(logitsOf, tokens.slice(0, i), [3]);
        let Z = 0;
        for (let t = 0; t < 4; t++) if (automatonPotential(automaton).allows(state, t)) Z += Math.exp(lp[t]);
        logw += Math.log(Z);
        if (i < tokens.length) state = automaton.advance(state as number, tokens[i]);
      }
      return logw;
    };
    for (const p of paths) if (p.value.finishReason === 'stop') expect(p.value.logWeight).toBeCloseTo(expectedWeight(p.value.tokens), 12);
    expect(usage.masks).toBeLessThan(paths.reduce((n, p) => n + p.value.tokens.length + 1, 0)); // forced steps took no mask
    expect(usage.forcedTokens).toBeGreaterThan(0);
  });

  it('dead particles never throw; all dead gives logZ = -Infinity', async () => {
    const m = micro(8);
    const nothing = new TokenDfa(m.vocabulary, () => undefined, () => false);
    const decoder = toyDecoder(m.logitsOf, 4, [3]);
    const result = await smc({
      decoder,
      promptIds: [],
      tokenSampler: new AwrsSampler(4, newUsage()),
      condition: automatonPotential(nothing),
      particles: 4,
      maxTokens: 3,
      random: new SeededRandom(1),
    });
    expect(result.logZ).toBe(-Infinity);
    for (const p of result.particles) expect(p.finishReason).toBe('dead');
    expect(decoder.liveSequences).toBe(0);
  });

  it('abort stops the run and still releases the rows', async () => {
    const m = micro(9);
    const decoder = toyDecoder(m.logitsOf, 4, [3]);
    const controller = new AbortController();
    let steps = 0;
    const counting = {
      ...decoder,
      vocabSize: decoder.vocabSize,
      eosId: decoder.eosId,
      maxLength: decoder.maxLength,
      prefill: decoder.prefill.bind(decoder),
      fork: decoder.fork.bind(decoder),
      release: decoder.release.bind(decoder),
      dispose: decoder.dispose.bind(decoder),
      step: async (...args: Parameters<typeof decoder.step>) => {
        if (++steps === 2) controller.abort();
        return decoder.step(...args);
      },
    };
    await expect(
      smc({
        decoder: counting,
        promptIds: [],
        tokenSampler: new MaskedSampler(4, newUsage()),
        condition: m.condition,
        particles: 3,
        maxTokens: 50,
        random: new SeededRandom(1),
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(AbortError);
    expect(decoder.liveSequences).toBe(0);
  });

  it('rejects bad options with InputError', async () => {
    const m = micro(10);
    const base = {
      decoder: toyDecoder(m.logitsOf, 4, [3], 5),
      promptIds: [],
      tokenSampler: new MaskedSampler(4, newUsage()),
      condition: m.condition,
      particles: 2,
      maxTokens: 3,
      random: new SeededRandom(1),
    };
    await expect(smc({ ...base, particles: 0 })).rejects.toBeInstanceOf(InputError);
    await expect(smc({ ...base, essThreshold: 2 })).rejects.toBeInstanceOf(InputError);
    await expect(smc({ ...base, resampling: 'residual' as ResamplingScheme })).rejects.toBeInstanceOf(InputError);
    await expect(smc({ ...base, promptIds: [0, 0, 0, 0, 0] })).rejects.toBeInstanceOf(InputError);
    const critic = textCritic({ complete: () => 0 }, { vocabulary: m.vocabulary, eosId: m.eos });
    await expect(smc({ ...base, condition: critic as Potential<unknown> })).rejects.toThrow(/boolean/);
    // maxTokens is clamped to the context length: prompt 2 + 3 tokens = 5.
    const clamped = await smc({ ...base, promptIds: [0, 2], maxTokens: 10 });
    for (const p of clamped.particles) expect(p.tokens.length).toBeLessThanOrEqual(3);
  });
});

/** A potential's members as a plain object (class methods are not own properties). */
function wrapPotential<S>(p: Potential<S>): Potential<S> {
  return {
    kind: p.kind,
    vocabSize: p.vocabSize,
    eosId: p.eosId,
    initial: p.initial,
    extend: (s, t) => p.extend(s, t),
    prefix: (s) => p.prefix(s),
    complete: (s) => p.complete(s),
    allows: p.allows === undefined ? undefined : (s, t) => p.allows!(s, t),
  };
}
