import type { ByteClassId, ByteCursor } from '../automaton/byte-machine.js';
import { DEAD, DfaTable } from './dfa-table.js';
import { buildNfa, DEFAULT_MAX_NFA_NODES, type Nfa } from './nfa.js';
import type { RegexNode } from './regex-node.js';
import type { RegexMachine } from './regex-machine.js';
import { SubsetConstruction } from './subset-construction.js';
import { utf8Sequences } from './utf8-sequences.js';

const NO_BYTES = new Uint8Array(0);
const NO_CLASSES: readonly ByteClassId[] = Object.freeze([]);
/** Forced-byte chains are cut here (they are still correct, just not all of it). */
const MAX_FORCED = 4096;
/** Valid multi-byte UTF-8, as byte-range sequences (for the json-string-body slice check). */
const MULTI_BYTE = utf8Sequences(0x80, 0x10ffff);

/**
 * A RegexMachine over any lazily built DFA table (a compiled regex, an intersection): the hot path
 * `step` is one typed-array load after the first visit; the rest is computed on demand and cached
 * per state.
 */
export abstract class DfaMachine extends DfaTable implements RegexMachine {
  readonly initial = 0;
  private readonly forced: (Uint8Array | undefined)[] = [];
  private readonly loops: (readonly ByteClassId[] | undefined)[] = [];

  step(state: number, byte: number): number | undefined {
    // Only non-negative entries are states; the rest (DEAD, UNKNOWN) take the slow path. No imported
    // constant here: transpilers (tsx, vitest) turn imported bindings into getter calls, which cost
    // 5x on this path (measured).
    const t = this.trans[(state << this.shift) | this.classOf[byte]];
    return t >= 0 ? t : this.slowStep(state, byte);
  }

  private slowStep(state: number, byte: number): number | undefined {
    const t = this.transition(state, byte);
    return t === DEAD ? undefined : t;
  }

  accepts(state: number): boolean {
    return this.acceptFlag[state] === 1;
  }

  maskKey(state: number): number {
    return state;
  }

  cursor(state: number): ByteCursor {
    return new DfaCursor(this, state);
  }

  canContinue(state: number): boolean {
    return !this.isDead(state);
  }

  isFinalOnly(state: number): boolean {
    return this.acceptFlag[state] === 1 && this.hasNoSuccessor(state);
  }

  forcedBytes(state: number): Uint8Array {
    let cached = this.forced[state];
    if (cached === undefined) {
      cached = this.computeForced(state);
      this.forced[state] = cached;
    }
    return cached;
  }

  private computeForced(state: number): Uint8Array {
    const out: number[] = [];
    let s = state;
    while (out.length < MAX_FORCED && this.acceptFlag[s] === 0) {
      let only = -1;
      for (let byte = 0; byte < 256; byte++) {
        if (this.step(s, byte) === undefined) continue;
        if (only >= 0) {
          only = -2;
          break;
        }
        only = byte;
      }
      if (only < 0) break;
      out.push(only);
      s = this.step(s, only)!;
    }
    return out.length === 0 ? NO_BYTES : Uint8Array.from(out);
  }

  loopClasses(state: number): readonly ByteClassId[] {
    let cached = this.loops[state];
    if (cached === undefined) {
      const classes: ByteClassId[] = [];
      if (this.loopsOnBytes(state, [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39])) classes.push('digits');
      if (this.loopsOnBytes(state, [0x20, 0x09, 0x0a, 0x0d])) classes.push('json-whitespace');
      if (this.loopsOnStringBody(state)) classes.push('json-string-body');
      cached = classes.length === 0 ? NO_CLASSES : Object.freeze(classes);
      this.loops[state] = cached;
    }
    return cached;
  }

  private loopsOnBytes(state: number, bytes: readonly number[]): boolean {
    for (const b of bytes) if (this.step(state, b) !== state) return false;
    return true;
  }

  /** Every ASCII byte allowed in a JSON string and every multi-byte character returns to `state`. */
  private loopsOnStringBody(state: number): boolean {
    for (let b = 0x20; b < 0x80; b++) {
      if (b === 0x22 || b === 0x5c) continue;
      if (this.step(state, b) !== state) return false;
    }
    for (const seq of MULTI_BYTE) {
      let states = [state];
      for (let k = 0; k < seq.length; k += 2) {
        const next = new Set<number>();
        const seenClass = new Set<number>();
        for (let b = seq[k]; b <= seq[k + 1]; b++) {
          if (seenClass.has(this.classOf[b])) continue;
          seenClass.add(this.classOf[b]);
          for (const s of states) {
            const t = this.step(s, b);
            if (t === undefined) return false;
            next.add(t);
          }
        }
        states = [...next];
      }
      if (states.length !== 1 || states[0] !== state) return false;
    }
    return true;
  }
}

/** A regex compiled by subset construction over its NFA. */
export class CompiledRegex extends DfaMachine {
  private readonly subset: SubsetConstruction;
  /**
   * True when `step` may return a state without an accepting future (word boundaries: see
   * subset-construction.ts); compileRegex then adds the exact check of regex-intersection.ts.
   */
  readonly approximateLiveness: boolean;

  constructor(nfa: Nfa, maxStates: number) {
    super(nfa.classOf, nfa.classCount, maxStates);
    this.approximateLiveness = nfa.hasWordAssertions;
    this.subset = new SubsetConstruction(nfa, (accepting) => this.newState(accepting));
    this.subset.initial();
  }

  protected computeTransition(state: number, byte: number): number {
    return this.subset.step(state, byte);
  }

  isDead(state: number): boolean {
    return this.subset.isDead(state);
  }

  hasNoSuccessor(state: number): boolean {
    return this.subset.hasNoSuccessor(state);
  }
}

/** Depth-first cursor over a lazy DFA: the path is a stack of state numbers. */
export class DfaCursor implements ByteCursor {
  private stack: Int32Array;
  private depth = 0;

  constructor(
    private readonly dfa: DfaTable,
    state: number,
  ) {
    this.stack = new Int32Array(64);
    this.stack[0] = state;
  }

  push(byte: number): boolean {
    const dfa = this.dfa;
    const s = this.stack[this.depth];
    let t = dfa.trans[(s << dfa.shift) | dfa.classOf[byte]];
    if (t < 0) {
      t = dfa.transition(s, byte);
      if (t < 0) return false;
    }
    if (++this.depth === this.stack.length) {
      const grown = new Int32Array(this.stack.length * 2);
      grown.set(this.stack);
      this.stack = grown;
    }
    this.stack[this.depth] = t;
    return true;
  }

  pop(): void {
    if (this.depth > 0) this.depth--;
  }

  accepts(): boolean {
    return this.dfa.acceptFlag[this.stack[this.depth]] === 1;
  }

  /** The state the cursor is at. */
  get state(): number {
    return this.stack[this.depth];
  }
}

/** Compiles a RegexNode (flags already applied) to a lazily built DFA machine. */
export function compileNode(node: RegexNode, semantics: 'search' | 'full', maxStates: number): CompiledRegex {
  return new CompiledRegex(buildNfa([node], { semantics, maxNodes: DEFAULT_MAX_NFA_NODES }), maxStates);
}
