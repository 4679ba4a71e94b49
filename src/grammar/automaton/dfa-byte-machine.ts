import { InputError } from '../../errors.js';
import type { ByteClassId, ByteCursor, ByteMachine } from './byte-machine.js';

/** A deterministic finite automaton over bytes, given as a dense transition table. */
export interface DfaTable {
  /** Number of states; state 0 is initial unless `initial` says otherwise. */
  readonly stateCount: number;
  /** `transitions[state * 256 + byte]` = next state, or -1 to reject. */
  readonly transitions: Int32Array;
  /** Non-zero for accepting states. */
  readonly accepting: Uint8Array;
  readonly initial?: number;
  /**
   * Byte classes each state loops on (see ByteMachine.loopClasses). The caller vouches for the contract:
   * every string of the class is accepted and leads to a state with the same future.
   */
  readonly loopClasses?: readonly (readonly ByteClassId[] | undefined)[];
}

/**
 * A ByteMachine over a dense DFA: states are numbers, the mask key is the state itself, the cursor is a
 * stack of ints. Small hand-written or generated DFAs (a set of literals, a JSON string, digits) drive
 * the token automaton in tests and benchmarks without a regex or grammar front-end; forced bytes follow
 * the chain of states with exactly one outgoing byte.
 */
export class DfaByteMachine implements ByteMachine<number> {
  readonly initial: number;
  readonly stateCount: number;
  private readonly transitions: Int32Array;
  private readonly accepting: Uint8Array;
  private readonly loops: readonly (readonly ByteClassId[] | undefined)[] | undefined;
  private readonly forcedCache = new Map<number, Uint8Array>();

  constructor(table: DfaTable) {
    const { stateCount, transitions, accepting } = table;
    if (transitions.length !== stateCount * 256 || accepting.length !== stateCount) {
      throw new InputError(`a DFA with ${stateCount} states needs ${stateCount * 256} transitions and ${stateCount} accepting flags`, {
        where: 'DfaByteMachine',
      });
    }
    for (let k = 0; k < transitions.length; k++) {
      const t = transitions[k];
      if (t < -1 || t >= stateCount) {
        throw new InputError(`transition ${k >>> 8} --0x${(k & 255).toString(16)}--> ${t} leaves the ${stateCount} states`, {
          where: 'DfaByteMachine',
        });
      }
    }
    this.initial = table.initial ?? 0;
    this.stateCount = stateCount;
    this.transitions = transitions;
    this.accepting = accepting;
    this.loops = table.loopClasses;
  }

  /** The DFA (a trie) accepting exactly the given byte strings. */
  static fromStrings(strings: readonly (Uint8Array | string)[]): DfaByteMachine {
    const encoder = new TextEncoder();
    const next: number[][] = [[]];
    const accepting: number[] = [0];
    for (const item of strings) {
      const bytes = typeof item === 'string' ? encoder.encode(item) : item;
      let state = 0;
      for (const byte of bytes) {
        let target = next[state][byte];
        if (target === undefined) {
          target = next.length;
          next.push([]);
          accepting.push(0);
          next[state][byte] = target;
        }
        state = target;
      }
      accepting[state] = 1;
    }
    const transitions = new Int32Array(next.length * 256).fill(-1);
    next.forEach((row, state) => row.forEach((target, byte) => (transitions[state * 256 + byte] = target)));
    return new DfaByteMachine({ stateCount: next.length, transitions, accepting: Uint8Array.from(accepting) });
  }

  step(state: number, byte: number): number | undefined {
    const next = this.transitions[state * 256 + byte];
    return next < 0 ? undefined : next;
  }

  accepts(state: number): boolean {
    return this.accepting[state] !== 0;
  }

  maskKey(state: number): number {
    return state;
  }

  loopClasses(state: number): readonly ByteClassId[] | undefined {
    return this.loops?.[state];
  }

  forcedBytes(state: number): Uint8Array | undefined {
    let forced = this.forcedCache.get(state);
    if (forced === undefined) {
      const bytes: number[] = [];
      const seen = new Set<number>();
      let s = state;
      while (!this.accepting[s] && !seen.has(s)) {
        seen.add(s);
        let only = -1;
        for (let b = 0; b < 256; b++) {
          if (this.transitions[s * 256 + b] >= 0) {
            if (only >= 0) {
              only = -2;
              break;
            }
            only = b;
          }
        }
        if (only < 0) break;
        bytes.push(only);
        s = this.transitions[s * 256 + only];
      }
      forced = Uint8Array.from(bytes);
      this.forcedCache.set(state, forced);
    }
    return forced;
  }

  cursor(state: number): ByteCursor {
    return new DfaCursor(this.transitions, this.accepting, state);
  }
}

class DfaCursor implements ByteCursor {
  private stack: Int32Array;
  private top = 0;

  constructor(
    private readonly transitions: Int32Array,
    private readonly accepting: Uint8Array,
    state: number,
  ) {
    this.stack = new Int32Array(64);
    this.stack[0] = state;
  }

  push(byte: number): boolean {
    const next = this.transitions[this.stack[this.top] * 256 + byte];
    if (next < 0) return false;
    if (this.top + 1 === this.stack.length) this.grow();
    this.stack[++this.top] = next;
    return true;
  }

  pop(): void {
    this.top--;
  }

  accepts(): boolean {
    return this.accepting[this.stack[this.top]] !== 0;
  }

  private grow(): void {
    const bigger = new Int32Array(this.stack.length * 2);
    bigger.set(this.stack);
    this.stack = bigger;
  }
}
