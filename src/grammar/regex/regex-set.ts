import { DEFAULT_MAX_STATES, DfaTable } from './dfa-table.js';
import { buildNfa, DEFAULT_MAX_NFA_NODES, type Nfa } from './nfa.js';
import { SubsetConstruction } from './subset-construction.js';
import { regexNodeOf } from './regex-machine.js';
import type { RegexNode } from './regex-node.js';
import type { RegexOptions } from './regex-options.js';

/** Several patterns in one DFA, for lexers: which patterns are still alive / match exactly here. */
export interface RegexSet {
  readonly size: number;
  readonly initial: number;
  /** The state after `byte`; -1 when no pattern can match any more. */
  step(state: number, byte: number): number;
  /** Pattern indexes matching exactly the input read so far, ascending. */
  accepting(state: number): readonly number[];
  /** Pattern indexes that the input read so far, or some extension of it, matches; ascending. */
  alive(state: number): readonly number[];
  /** Pattern indexes that some non-empty extension of the input read so far matches; ascending. */
  growing(state: number): readonly number[];
}

/**
 * One lazily built DFA for all patterns (a lexer's terminals): a step advances every terminal at once,
 * and a state knows which terminals accept and which can still match. Options apply to every pattern;
 * for per-pattern flags, pass RegexNodes from parseRegex(pattern, { flags }).
 */
export function compileRegexSet(patterns: readonly (string | RegexNode)[], options: RegexOptions = {}): RegexSet {
  const nodes = patterns.map((p) => regexNodeOf(p, options));
  const nfa = buildNfa(nodes, { semantics: options.semantics ?? 'full', maxNodes: DEFAULT_MAX_NFA_NODES });
  return new CompiledRegexSet(nfa, options.maxStates ?? DEFAULT_MAX_STATES, patterns.length);
}

class CompiledRegexSet extends DfaTable implements RegexSet {
  readonly initial = 0;
  private readonly subset: SubsetConstruction;
  private readonly aliveLists: (readonly number[] | undefined)[] = [];
  private readonly growingLists: (readonly number[] | undefined)[] = [];

  constructor(
    nfa: Nfa,
    maxStates: number,
    readonly size: number,
  ) {
    super(nfa.classOf, nfa.classCount, maxStates);
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

  step(state: number, byte: number): number {
    // `t >= 0` rather than a comparison with the imported UNKNOWN: see DfaMachine.step.
    const t = this.trans[(state << this.shift) | this.classOf[byte]];
    return t >= 0 ? t : this.transition(state, byte);
  }

  accepting(state: number): readonly number[] {
    return this.subset.acceptList[state];
  }

  growing(state: number): readonly number[] {
    let list = this.growingLists[state];
    if (list === undefined) {
      // Members are live byte-consuming NFA nodes: their owners can still match after more bytes.
      const patterns = new Set<number>();
      for (const n of this.subset.members[state]) patterns.add(this.subset.nfa.owner[n]);
      list = Object.freeze([...patterns].sort((a, b) => a - b));
      this.growingLists[state] = list;
    }
    return list;
  }

  alive(state: number): readonly number[] {
    let list = this.aliveLists[state];
    if (list === undefined) {
      const patterns = new Set(this.subset.acceptList[state]);
      for (const n of this.subset.members[state]) patterns.add(this.subset.nfa.owner[n]);
      list = Object.freeze([...patterns].sort((a, b) => a - b));
      this.aliveLists[state] = list;
    }
    return list;
  }
}
