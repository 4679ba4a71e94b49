import type { SequenceHandle } from '../../engine/decoder/decoder.js';
import type { Potential } from '../potential/potential.js';
import type { TrackedDecoder } from './tracked-decoder.js';

/** Where a rollout begins: a decoder row holding the context, and what the context is. */
export interface RolloutStart<S> {
  /** Holds prompt + context; never advanced (rollouts fork it). */
  readonly handle: SequenceHandle;
  /** Next-token log-probabilities after the context (read before the first step, then not kept). */
  readonly row: Float64Array;
  /** Condition state after the context. */
  readonly state: S;
  /** Generated tokens in the context (counts against maxTokens). */
  readonly length: number;
}

/**
 * Why a rollout ended: 'stop' (EOS chosen), 'length' (the token budget) or 'dead' (no allowed token:
 * generation would end there too, as an invalid output) make a finished text, which the reward scores
 * as final; 'cut' (the rollout limit) leaves an unfinished one, scored as partial.
 */
export type RolloutEnd = 'stop' | 'length' | 'cut' | 'dead';

export interface Rollout {
  /** Tokens after the context, EOS excluded. */
  readonly tokens: number[];
  end: RolloutEnd;
}

export interface RolloutOptions<S> {
  readonly condition: Potential<S> | undefined;
  readonly eosId: number;
  /** Tokens per rollout at most (Infinity: until EOS or the budget). */
  readonly limit: number;
  /** Generated tokens at most, context included. */
  readonly maxTokens: number;
  /** The next token from a row (greedy or a draw), or -1 when nothing is allowed. */
  readonly choose: (row: Float64Array, state: S) => number;
}

/**
 * Continues every start in lockstep, so each depth is ONE batched decoder step for all rollouts still
 * going (DeAL lookaheads of every candidate, Transfer Q* rollouts of every candidate and sample). The
 * first token comes from the start's row, so `limit` tokens cost limit - 1 steps. Starts may share a
 * handle (several samples of one candidate); each rollout forks its own row when it first needs a
 * step, and all forks are released before returning.
 *
 * Tokens are chosen in start order at each depth, which keeps runs reproducible for a seeded choice.
 */
export async function rollOut<S>(decoder: TrackedDecoder, starts: readonly RolloutStart<S>[], options: RolloutOptions<S>): Promise<Rollout[]> {
  const { condition, eosId, limit, maxTokens, choose } = options;
  const rollouts: Rollout[] = starts.map(() => ({ tokens: [], end: 'cut' }));
  const states: S[] = starts.map((s) => s.state);
  const handles: (SequenceHandle | undefined)[] = new Array(starts.length);
  let active: number[] = [];
  let rows: Float64Array[] = [];
  for (let i = 0; i < starts.length; i++) {
    if (limit > 0 && starts[i].length < maxTokens) {
      active.push(i);
      rows.push(starts[i].row);
    } else {
      rollouts[i].end = starts[i].length < maxTokens ? 'cut' : 'length';
    }
  }
  try {
    while (active.length > 0) {
      const going: number[] = [];
      for (let a = 0; a < active.length; a++) {
        const i = active[a];
        const rollout = rollouts[i];
        const token = choose(rows[a], states[i]);
        if (token < 0) {
          rollout.end = 'dead';
          continue;
        }
        if (token === eosId) {
          rollout.end = 'stop';
          continue;
        }
        rollout.tokens.push(token);
        if (condition !== undefined) states[i] = condition.extend(states[i], token);
        if (starts[i].length + rollout.tokens.length >= maxTokens) rollout.end = 'length';
        else if (rollout.tokens.length >= limit) rollout.end = 'cut';
        else going.push(i);
      }
      if (going.length === 0) break;
      // Every token of this depth is chosen before the step: rows are only valid until the next call.
      for (const i of going) handles[i] ??= decoder.fork(starts[i].handle);
      rows = await decoder.step(
        going.map((i) => handles[i]!),
        going.map((i) => rollouts[i].tokens[rollouts[i].tokens.length - 1]),
      );
      active = going;
    }
  } finally {
    for (const handle of handles) if (handle !== undefined) decoder.release(handle);
  }
  return rollouts;
}
