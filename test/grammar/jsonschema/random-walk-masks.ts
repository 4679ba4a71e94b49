import { expect } from 'vitest';
import { MaskCache } from '../../../src/grammar/automaton/mask-cache.js';
import { maskHas, maskWords, type TokenAutomaton } from '../../../src/grammar/automaton/token-automaton.js';
import { jsonSchemaAutomaton } from '../../../src/grammar/jsonschema/index.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import type { Vocabulary } from '../../../src/grammar/vocab/vocabulary.js';
import { rng as prng } from '../../support/seeded-rng.js';

export interface RandomWalkOptions {
  readonly label: string;
  readonly vocabularySize: number;
  readonly eos: number;
  /** How a token id is shown in a mismatch message. */
  readonly describe: (id: number) => string;
  readonly random: () => number;
  readonly walks: number;
  readonly steps: number;
  /** Chance of ending a walk where the automaton accepts. */
  readonly stopChance: number;
  /** Masks computed per state (2: the second may come from the cache). */
  readonly passes: number;
}

/**
 * Walks the automaton randomly over allowed tokens and checks, at every state, that the mask equals
 * brute force: a token is in it exactly when `advance` accepts it, EOS exactly when `accepts` holds.
 * Returns the number of masks checked.
 */
export function checkMasksOnRandomWalks<S>(automaton: TokenAutomaton<S>, options: RandomWalkOptions): number {
  const { label, vocabularySize, eos, describe, random } = options;
  const mask = new Uint32Array(maskWords(vocabularySize));
  let checked = 0;
  for (let walk = 0; walk < options.walks; walk++) {
    let state: S = automaton.initial;
    for (let step = 0; step < options.steps; step++) {
      let allowed: number[] = [];
      for (let pass = 0; pass < options.passes; pass++) {
        expect(automaton.mask(state, mask)).toBe(true);
        allowed = [];
        for (let id = 0; id < vocabularySize; id++) {
          const brute = id === eos ? automaton.accepts(state) : automaton.advance(state, id) !== undefined;
          if (maskHas(mask, id) !== brute) throw new Error(`${label}: token ${describe(id)} mask=${maskHas(mask, id)} advance=${brute}`);
          if (brute && id !== eos) allowed.push(id);
        }
        checked++;
      }
      if (allowed.length === 0) break;
      state = automaton.advance(state, allowed[Math.floor(random() * allowed.length)])!;
      if (automaton.accepts(state) && random() < options.stopChance) break;
    }
  }
  return checked;
}

/** A small test vocabulary: the token texts (index = id) and the EOS id. */
export interface SmallVocabulary {
  readonly vocabulary: Vocabulary;
  readonly texts: readonly (string | readonly number[])[];
  readonly eos: number;
}

/** A small vocabulary of `texts` (duplicates dropped, ids in order) and an EOS token after them. */
export function smallVocabulary(texts: readonly string[]): { readonly vocabulary: Vocabulary; readonly texts: readonly string[]; readonly eos: number } {
  const unique = [...new Set(texts)];
  const eos = unique.length;
  const vocabulary = vocabularyFromBytes([...unique.map((t) => new TextEncoder().encode(t)), new Uint8Array(0)], { eosIds: [eos] });
  return { vocabulary, texts: unique, eos };
}

/**
 * checkMasksOnRandomWalks on a JSON Schema's automaton (its own mask cache, `maxWhitespaceRun`), the
 * random walks seeded with `seed`. Returns the number of masks checked.
 */
export function checkSchemaMasksOnRandomWalks(
  label: string,
  schema: unknown,
  small: SmallVocabulary,
  options: Pick<RandomWalkOptions, 'walks' | 'steps' | 'stopChance' | 'passes'> & { seed: number; maxWhitespaceRun: number },
): number {
  const automaton = jsonSchemaAutomaton(schema, small.vocabulary, { cache: new MaskCache(), maxWhitespaceRun: options.maxWhitespaceRun });
  return checkMasksOnRandomWalks(automaton, {
    label,
    vocabularySize: small.vocabulary.size,
    eos: small.eos,
    describe: (id) => JSON.stringify(small.texts[id]),
    random: prng(options.seed),
    walks: options.walks,
    steps: options.steps,
    stopChance: options.stopChance,
    passes: options.passes,
  });
}
