import { LimitError } from '../../errors.js';

/** Transition table entry: not computed yet. */
export const UNKNOWN = -2;
/** Transition table entry (and step result): no continuation can match any more. */
export const DEAD = -1;

/** Default bound on DFA states: rows are a few dozen bytes, so about 10 MB for a typical pattern. */
export const DEFAULT_MAX_STATES = 100_000;

/**
 * The memo of a lazily built DFA: one Int32Array row per state (one column per byte class), filled on
 * first use, so after the first visit a step is a single typed-array load. Subclasses say how a
 * missing transition is computed (subset construction, product of DFAs) and number new states
 * through `newState`, which enforces `maxStates`.
 */
export abstract class DfaTable {
  /** Row `state << shift`, column `classOf[byte]`: UNKNOWN, DEAD or a state. */
  trans: Int32Array;
  /** Byte equivalence classes: bytes of one class always lead to the same state. */
  readonly classOf: Uint8Array;
  readonly classCount: number;
  readonly shift: number;
  /** 1 when the input read so far is accepted. */
  acceptFlag: Uint8Array;
  stateCount = 0;
  readonly maxStates: number;

  constructor(classOf: Uint8Array, classCount: number, maxStates: number) {
    this.classOf = classOf;
    this.classCount = classCount;
    this.maxStates = maxStates;
    this.shift = Math.max(0, Math.ceil(Math.log2(classCount)));
    this.trans = new Int32Array(8 << this.shift).fill(UNKNOWN);
    this.acceptFlag = new Uint8Array(8);
  }

  /** The state after `byte` from `state`, computing and memoising it on first use; DEAD if none. */
  transition(state: number, byte: number): number {
    const slot = (state << this.shift) | this.classOf[byte];
    const known = this.trans[slot];
    if (known !== UNKNOWN) return known;
    const target = this.computeTransition(state, byte);
    // this.trans is read after the call: computing may have grown it.
    this.trans[slot] = target;
    return target;
  }

  /** The target of a transition not in the table yet (DEAD or a state numbered by newState). */
  protected abstract computeTransition(state: number, byte: number): number;

  /** True when nothing can follow and the state does not accept. */
  abstract isDead(state: number): boolean;

  /** True when no byte can follow. */
  abstract hasNoSuccessor(state: number): boolean;

  /** Numbers a new state; throws LimitError past maxStates. */
  protected newState(accepting: boolean): number {
    if (this.stateCount >= this.maxStates) {
      throw new LimitError(
        `regex DFA exceeds maxStates=${this.maxStates} (pattern too ambiguous, or counted repetition too large); ` +
          'raise maxStates or simplify the pattern',
        { limit: 'maxStates' },
      );
    }
    const state = this.stateCount++;
    if (state === this.acceptFlag.length) this.grow();
    this.acceptFlag[state] = accepting ? 1 : 0;
    return state;
  }

  private grow(): void {
    const capacity = this.acceptFlag.length * 2;
    const trans = new Int32Array(capacity << this.shift).fill(UNKNOWN);
    trans.set(this.trans);
    this.trans = trans;
    const acceptFlag = new Uint8Array(capacity);
    acceptFlag.set(this.acceptFlag);
    this.acceptFlag = acceptFlag;
  }
}
