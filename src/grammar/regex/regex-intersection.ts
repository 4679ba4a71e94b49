import { InputError } from '../../errors.js';
import { DEAD as DEAD_STATE, DEFAULT_MAX_STATES, UNKNOWN as UNKNOWN_STATE } from './dfa-table.js';
import { CodePointSet } from './code-point-set.js';
import { CompiledRegex, compileNode, DfaMachine } from './dfa-machine.js';
import type { RegexMachine } from './regex-machine.js';
import { repeatNode } from './regex-node.js';

// Module-local copies (imported bindings are getters under transpilers: see DfaMachine.step).
const DEAD = DEAD_STATE;
const UNKNOWN = UNKNOWN_STATE;

const UNKNOWN_LIVENESS = 0;
const LIVE = 1;
const HOPELESS = 2;

/**
 * The intersection of compiled regexes as one RegexMachine: it accepts exactly what every machine
 * accepts (JSON Schema: `pattern` AND `format` AND a length regex). The product DFA is built lazily
 * like the others.
 *
 * Each machine alone never walks into a dead end, but a product of live states can be hopeless
 * (`a+` AND `b+` is empty from the start). So every product state is checked for a reachable
 * accepting state before a step may return it: a depth-first search over the product, memoised
 * (the path found is live, an exhausted search proves every state it saw hopeless), bounded by
 * maxStates like everything else. Masks built on this machine therefore never allow a dead end.
 */
export function intersectRegex(machines: readonly RegexMachine[], options: { maxStates?: number } = {}): RegexMachine {
  if (machines.length === 0) throw new InputError('intersectRegex needs at least one machine', { where: 'intersectRegex' });
  const components = machines.map((m, i) => {
    if (!(m instanceof DfaMachine)) {
      throw new InputError(`machine ${i} was not built by compileRegex or intersectRegex`, { where: 'intersectRegex' });
    }
    return m;
  });
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  if (components.length === 1) return exactLiveness(components[0], maxStates);
  return new RegexIntersection(components, components.map(() => false), maxStates);
}

/**
 * `machine` itself when its steps never lead to a state without an accepting future, otherwise the
 * same language behind the product's exact liveness check (a one-component product).
 */
export function exactLiveness(machine: DfaMachine, maxStates: number): DfaMachine {
  return machine instanceof CompiledRegex && machine.approximateLiveness ? new RegexIntersection([machine], [false], maxStates) : machine;
}

/**
 * The complement of a compiled regex within valid UTF-8: accepts exactly the UTF-8 strings `machine`
 * rejects (JSON Schema `not: { pattern }`, negative lookahead). A product of "any valid UTF-8" with
 * the negated machine, whose dead end becomes an accepting sink.
 */
export function complementRegex(machine: RegexMachine, options: { maxStates?: number } = {}): RegexMachine {
  if (!(machine instanceof DfaMachine)) {
    throw new InputError('the machine was not built by compileRegex or intersectRegex', { where: 'complementRegex' });
  }
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const anyText = compileNode(repeatNode({ kind: 'chars', set: CodePointSet.all() }, 0, Infinity), 'full', maxStates);
  return new RegexIntersection([anyText, machine], [false, true], maxStates);
}

/** Product byte classes: bytes that no component distinguishes. */
function productClasses(components: readonly DfaMachine[]): { classOf: Uint8Array; classCount: number } {
  const classOf = new Uint8Array(256);
  const ids = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    const key = components.map((c) => c.classOf[b]).join(',');
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    classOf[b] = id;
  }
  return { classOf, classCount: ids.size };
}

/** Component state of a negated component that has died: it accepts everything from here on. */
const SINK = -1;

class RegexIntersection extends DfaMachine {
  private readonly components: readonly DfaMachine[];
  /** Negated components accept what the machine rejects; at least one component is not negated. */
  private readonly negated: readonly boolean[];
  /** Component states of each product state. */
  private readonly tuples: Int32Array[] = [];
  private readonly index = new Map<string, number>();
  private liveness = new Uint8Array(16);
  /** Product transitions before the liveness filter (same layout as `trans`). */
  private rawTrans: Int32Array;
  /** One byte per class, to explore the product. */
  private readonly representatives: Uint8Array;
  private readonly noSuccessor: (boolean | undefined)[] = [];

  constructor(components: readonly DfaMachine[], negated: readonly boolean[], maxStates: number) {
    const { classOf, classCount } = productClasses(components);
    super(classOf, classCount, maxStates);
    this.components = components;
    this.negated = negated;
    this.rawTrans = new Int32Array(this.trans.length).fill(UNKNOWN);
    this.representatives = new Uint8Array(classCount);
    for (let b = 255; b >= 0; b--) this.representatives[classOf[b]] = b;
    this.intern(Int32Array.from(components, (c) => c.initial));
    this.isLive(0);
  }

  protected computeTransition(state: number, byte: number): number {
    const raw = this.rawStep(state, byte);
    return raw !== DEAD && this.isLive(raw) ? raw : DEAD;
  }

  isDead(state: number): boolean {
    return !this.isLive(state);
  }

  hasNoSuccessor(state: number): boolean {
    let cached = this.noSuccessor[state];
    if (cached === undefined) {
      cached = true;
      for (let c = 0; c < this.classCount && cached; c++) if (this.transition(state, this.representatives[c]) !== DEAD) cached = false;
      this.noSuccessor[state] = cached;
    }
    return cached;
  }

  private rawStep(state: number, byte: number): number {
    const slot = (state << this.shift) | this.classOf[byte];
    if (slot < this.rawTrans.length && this.rawTrans[slot] !== UNKNOWN) return this.rawTrans[slot];
    const tuple = this.tuples[state];
    const next = new Int32Array(tuple.length);
    let target = DEAD;
    let alive = true;
    for (let i = 0; i < tuple.length && alive; i++) {
      const t = tuple[i] === SINK ? SINK : this.components[i].transition(tuple[i], byte);
      if (t === DEAD && !this.negated[i]) alive = false;
      next[i] = t === DEAD ? SINK : t;
    }
    if (alive) target = this.intern(next);
    if (slot >= this.rawTrans.length) this.growRaw();
    this.rawTrans[slot] = target;
    return target;
  }

  private intern(tuple: Int32Array): number {
    const key = tuple.join(',');
    const existing = this.index.get(key);
    if (existing !== undefined) return existing;
    let accepting = true;
    for (let i = 0; i < tuple.length; i++) {
      const accepts = tuple[i] !== SINK && this.components[i].accepts(tuple[i]);
      if (accepts === this.negated[i]) accepting = false;
    }
    const state = this.newState(accepting);
    this.tuples.push(tuple);
    this.index.set(key, state);
    if (state >= this.liveness.length) {
      const grown = new Uint8Array(this.liveness.length * 2);
      grown.set(this.liveness);
      this.liveness = grown;
    }
    return state;
  }

  private growRaw(): void {
    const grown = new Int32Array(this.trans.length).fill(UNKNOWN);
    grown.set(this.rawTrans);
    this.rawTrans = grown;
  }

  /**
   * True when some continuation from `state` is accepted by every component. Depth-first, so a wide
   * product (`[ab]*a[ab]{14}` has 2^15 states) is crossed along one path instead of level by level.
   * Found: the path on the stack is live. Exhausted: every state seen is hopeless.
   */
  private isLive(state: number): boolean {
    const known = this.liveness[state];
    if (known !== UNKNOWN_LIVENESS) return known === LIVE;
    const seen = new Set<number>([state]);
    const path = [state];
    const nextClass = [0];
    let found = false;
    while (path.length > 0 && !found) {
      const depth = path.length - 1;
      const x = path[depth];
      if (this.acceptFlag[x] === 1) {
        found = true;
        break;
      }
      const c = nextClass[depth]++;
      if (c === this.classCount) {
        path.pop();
        nextClass.pop();
        continue;
      }
      const y = this.rawStep(x, this.representatives[c]);
      if (y === DEAD || seen.has(y) || this.liveness[y] === HOPELESS) continue;
      if (this.liveness[y] === LIVE) {
        path.push(y);
        found = true;
        break;
      }
      seen.add(y);
      path.push(y);
      nextClass.push(0);
    }
    if (!found) {
      for (const x of seen) this.liveness[x] = HOPELESS;
      return false;
    }
    for (const x of path) this.liveness[x] = LIVE;
    return true;
  }
}
