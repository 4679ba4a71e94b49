import { describe, expect, it } from 'vitest';
import type { ByteMachine } from '../../src/grammar/automaton/byte-machine.js';
import { createTokenAutomaton } from '../../src/grammar/automaton/trie-token-automaton.js';
import { vocabularyFromBytes } from '../../src/grammar/vocab/token-vocabulary.js';
import { InputError } from '../../src/errors.js';
import { enumeratePaths } from '../../src/sampler/enumerate-paths.js';
import { runSampler, withMaskFuel, type SamplerKind } from '../../src/sampler/run-sampler.js';
import { hashedLogits, toyDecoder, TokenDfa, toyVocabulary } from './toys.js';

// Token 0 is EOS; the language: 1 to 4 bytes of a/b with no "bb" ("c" never).
const pieces = ['', 'a', 'b', 'ab', 'c'];
const vocabulary = vocabularyFromBytes(
  pieces.map((p) => new TextEncoder().encode(p)),
  { eosIds: [0] },
);
const logitsOf = hashedLogits(pieces.length, 7, 2);

/** State: length * 2 + (last byte was b). Counts its steps. */
function noDoubleB(): ByteMachine<number> & { steps: number } {
  return {
    steps: 0,
    initial: 0,
    step(state, byte) {
      this.steps++;
      const length = state >> 1;
      if (length >= 4) return undefined;
      if (byte === 0x61) return (length + 1) * 2;
      if (byte === 0x62 && (state & 1) === 0) return (length + 1) * 2 + 1;
      return undefined;
    },
    accepts: (state) => state >> 1 >= 1,
  };
}

/** The same language, with its own fillMask that records the fuel each mask was given. */
function recordingMachine(fuels: number[]): ByteMachine<number> {
  const base = noDoubleB();
  return {
    initial: base.initial,
    step: (state, byte) => base.step(state, byte),
    accepts: (state) => base.accepts(state),
    fillMask(state, _trie, out, fuel) {
      fuels.push(fuel);
      let work = 0;
      for (let id = 1; id < pieces.length; id++) {
        if (work++ >= fuel) {
          out.fill(0xffffffff);
          return -1;
        }
        let s: number | undefined = state;
        for (const byte of vocabulary.tokenBytes(id)) s = s === undefined ? undefined : base.step(s, byte);
        if (s !== undefined) out[id >>> 5] |= 1 << (id & 31);
      }
      return work;
    },
  };
}

function run(sampler: SamplerKind, random: Parameters<typeof runSampler>[0]['random'], maskFuel: number | undefined, machine = noDoubleB()) {
  return runSampler({
    decoder: toyDecoder(logitsOf, pieces.length, [0]),
    promptIds: [1],
    constraint: createTokenAutomaton(machine, vocabulary, { cache: false }),
    sampler,
    maxTokens: 2,
    random,
    estimator: 'recursive',
    maskFuel,
  });
}

describe('runSampler maskFuel', () => {
  it('reaches the automaton: every mask of the run gets that fuel', async () => {
    for (const sampler of ['masked', 'greedy', 'sample'] as const) {
      const fuelsGiven = async (maskFuel: number | undefined) => {
        const fuels: number[] = [];
        await runSampler({
          decoder: toyDecoder(logitsOf, pieces.length, [0]),
          promptIds: [1],
          constraint: createTokenAutomaton(recordingMachine(fuels), vocabulary, { cache: false }),
          sampler,
          maxTokens: 3,
          maskFuel,
        });
        return fuels;
      };
      const limited = await fuelsGiven(3);
      const unlimited = await fuelsGiven(undefined);
      expect(limited.length, sampler).toBeGreaterThan(0);
      expect(new Set(limited), sampler).toEqual(new Set([3]));
      expect(new Set(unlimited), sampler).toEqual(new Set([Infinity]));
    }
  });

  it('superset masks change no distribution and no expected weight (enumerated, every fuel)', async () => {
    for (const sampler of ['masked', 'sample', 'awrs', 'greedy'] as const) {
      const outcomes = async (maskFuel: number | undefined) => {
        const byKey = new Map<string, { probability: number; weighted: number }>();
        let proposals = 0;
        const paths = await enumeratePaths((random) => run(sampler, random, maskFuel));
        for (const { probability, value } of paths) {
          proposals += value.usage.proposals;
          const key = `${value.tokens.join(',')}|${value.finishReason}`;
          const entry = byKey.get(key) ?? { probability: 0, weighted: 0 };
          entry.probability += probability;
          entry.weighted += probability * Math.exp(value.logWeight);
          byKey.set(key, entry);
        }
        return { byKey, proposals };
      };
      const exact = await outcomes(undefined);
      for (const fuel of [0, 2]) {
        const { byKey, proposals } = await outcomes(fuel);
        expect([...byKey.keys()].sort(), `${sampler} fuel ${fuel}`).toEqual([...exact.byKey.keys()].sort());
        for (const [key, { probability, weighted }] of byKey) {
          expect(Math.abs(probability - exact.byKey.get(key)!.probability), `${sampler} fuel ${fuel} P(${key})`).toBeLessThan(1e-12);
          expect(Math.abs(weighted - exact.byKey.get(key)!.weighted), `${sampler} fuel ${fuel} E[w 1(${key})]`).toBeLessThan(1e-12);
        }
        // Masked sampling over a superset checks its draws one by one (AWRS restricted to the mask).
        if (sampler === 'masked' && fuel === 0) expect(proposals).toBeGreaterThan(exact.proposals);
      }
    }
  });

  it('bounds the work of each mask: trie nodes stepped per mask never exceed the fuel', async () => {
    const machine = noDoubleB();
    const automaton = createTokenAutomaton(machine, vocabulary, { cache: false });
    const fuelled = withMaskFuel(automaton, 2);
    const out = new Uint32Array(1);
    machine.steps = 0;
    expect(fuelled.mask(automaton.initial, out)).toBe(false);
    expect(machine.steps).toBeLessThanOrEqual(2);
    machine.steps = 0;
    expect(automaton.mask(automaton.initial, out)).toBe(true);
    expect(machine.steps).toBeGreaterThan(2);
  });

  it('withMaskFuel keeps one sibling per fuel, and refuses what it cannot limit', () => {
    const automaton = createTokenAutomaton(noDoubleB(), vocabulary, { cache: false });
    expect(withMaskFuel(automaton, Infinity)).toBe(automaton);
    expect(withMaskFuel(automaton, 9)).toBe(withMaskFuel(automaton, 9));
    expect(withMaskFuel(automaton, 9)).not.toBe(withMaskFuel(automaton, 10));
    expect(() => withMaskFuel(automaton, -1)).toThrow(InputError);
    expect(() => withMaskFuel(automaton, Number.NaN)).toThrow(/maskFuel must be a number >= 0/);
    const dfa = new TokenDfa(toyVocabulary(['a', '</s>'], { eosIds: [1] }), () => 0, () => true);
    expect(() => withMaskFuel(dfa, 5)).toThrow(/createTokenAutomaton/);
  });
});
