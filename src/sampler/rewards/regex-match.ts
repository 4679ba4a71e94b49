import { compileRegex, type RegexMachine } from '../../grammar/regex/index.js';
import { textReward, type Reward } from './reward.js';

export interface RegexMatchOptions {
  /** ECMAScript flags subset of the project's regex engine ('i', 's', 'u'). */
  readonly flags?: string;
  /** 'full' (default): the whole text must match; 'search': some part of it (RegExp.test). */
  readonly semantics?: 'full' | 'search';
  readonly name?: string;
}

/**
 * 1 when the text matches `pattern`, else 0, with the project's regex engine (a lazily built DFA
 * over UTF-8: no backtracking, so a hostile pattern cannot stall a search). Unsupported constructs
 * (backreferences) throw RegexError when the reward is made.
 *
 * Partial texts score 1 while some completion can still match (the DFA state is live), else 0: an
 * exact, optimistic estimate that prunes prefixes that can never match.
 */
export function regexMatch(pattern: string, options: RegexMatchOptions = {}): Reward {
  const machine = compileRegex(pattern, { flags: options.flags, semantics: options.semantics ?? 'full' });
  const encoder = new TextEncoder();
  const run = (text: string): number | undefined => {
    const bytes = encoder.encode(text);
    let state: number | undefined = machine.initial;
    for (let i = 0; i < bytes.length && state !== undefined; i++) state = machine.step(state, bytes[i]);
    return state;
  };
  return textReward(options.name ?? 'regex', {
    final: (text) => {
      const state = run(text);
      return state !== undefined && machine.accepts(state) ? 1 : 0;
    },
    partial: (text) => (live(machine, run(text)) ? 1 : 0),
  });
}

function live(machine: RegexMachine, state: number | undefined): boolean {
  return state !== undefined && (machine.accepts(state) || machine.canContinue(state));
}
