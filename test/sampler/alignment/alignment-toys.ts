// Tiny models, constraints and rewards with known answers for the DeAL and Transfer Q* tests.
import type { TokenAutomaton } from '../../../src/grammar/automaton/token-automaton.js';
import type { Vocabulary } from '../../../src/grammar/vocab/vocabulary.js';
import { textReward, type Reward, type RewardCall } from '../../../src/sampler/rewards/reward.js';
import { nextLogProbs, TokenDfa, toyVocabulary } from '../toys.js';

/** Tokens a, b, c and EOS (id 3). */
export const EOS = 3;
export const vocabulary: Vocabulary = toyVocabulary(['a', 'b', 'c', '</s>'], { eosIds: [EOS] });

/**
 * "No letter twice in a row, and a text may only end after an 'a' or when empty": a constraint that
 * forbids tokens the toy models like and that makes EOS depend on the state. State = last token + 1.
 */
export function noRepeats(): TokenDfa {
  return new TokenDfa(
    vocabulary,
    (state, token) => (token < 3 && state !== token + 1 ? token + 1 : undefined),
    (state) => state === 0 || state === 1,
  );
}

/** Whether `tokens` is allowed token by token (and, when `complete`, may end there). */
export function allowedBy<S>(automaton: TokenAutomaton<S>, tokens: readonly number[], complete: boolean): boolean {
  let state: S | undefined = automaton.initial;
  for (const t of tokens) {
    state = automaton.advance(state, t);
    if (state === undefined) return false;
  }
  return !complete || automaton.accepts(state);
}

/** Model log-probability of `tokens` after `prompt` (EOS appended when `stopped`). */
export function sequenceLogProb(
  logitsOf: (prefix: readonly number[]) => ArrayLike<number>,
  prompt: readonly number[],
  tokens: readonly number[],
  stopped: boolean,
): number {
  let sum = 0;
  const steps = stopped ? [...tokens, EOS] : tokens;
  for (let i = 0; i < steps.length; i++) sum += nextLogProbs(logitsOf, [...prompt, ...tokens.slice(0, i)], [EOS])[steps[i]];
  return sum;
}

export const textOf = (tokens: readonly number[]): string => vocabulary.decode(tokens);

/** A reward that records every (text, partial) it is asked about, around another reward. */
export function recording(reward: Reward): Reward & { readonly seen: { text: string; partial: boolean }[] } {
  const seen: { text: string; partial: boolean }[] = [];
  return {
    name: reward.name,
    seen,
    async score(texts: readonly string[], call: RewardCall = {}) {
      for (const text of texts) seen.push({ text, partial: call.partial === true });
      return reward.score(texts, call);
    },
  };
}

/** (#b - #c) / 3 for finished texts and prefixes alike: a reward the toy models do not chase. */
export const bMinusC = textReward('b-c', { final: (t) => ([...t].filter((ch) => ch === 'b').length - [...t].filter((ch) => ch === 'c').length) / 3 });

/** Texts of token sequences over `alphabet` of length 0..maxLength, with how they end. */
export function completeSequences(alphabet: readonly number[], maxTokens: number): { tokens: number[]; stopped: boolean }[] {
  const out: { tokens: number[]; stopped: boolean }[] = [];
  const visit = (prefix: number[]): void => {
    if (prefix.length === maxTokens) {
      out.push({ tokens: prefix, stopped: false });
      return;
    }
    out.push({ tokens: prefix, stopped: true });
    for (const a of alphabet) visit([...prefix, a]);
  };
  visit([]);
  return out;
}
