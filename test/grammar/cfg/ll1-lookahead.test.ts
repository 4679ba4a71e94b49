import { createToken, EmbeddedActionsParser, Lexer, LLkLookaheadStrategy, type ILookaheadStrategy } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { FormworkError } from '../../../src/errors.js';
import { LL1Lookahead } from '../../../src/grammar/cfg/ll1-lookahead.js';

const A = createToken({ name: 'A', pattern: /a/ });
const B = createToken({ name: 'B', pattern: /b/ });
const C = createToken({ name: 'C', pattern: /c/ });
const Space = createToken({ name: 'Space', pattern: / +/, group: Lexer.SKIPPED });
const TOKENS = [Space, A, B, C];
const lexer = new Lexer(TOKENS);

/** Toy parsers, each with one kind of decision; `strategy` undefined: chevrotain's LL(k) (the reference). */
class Gated extends EmbeddedActionsParser {
  allowA = true;
  constructor(strategy?: ILookaheadStrategy) {
    super(TOKENS, { recoveryEnabled: false, skipValidations: true, ...(strategy ? { lookaheadStrategy: strategy } : {}) });
    this.performSelfAnalysis();
  }
  top = this.RULE('top', () => {
    const out: number[] = [];
    this.MANY(() => {
      const n = this.OR([
        { GATE: () => this.allowA, ALT: () => (this.CONSUME(A), 1) },
        { ALT: () => (this.CONSUME(B), 2) },
        { ALT: () => (this.CONSUME(C), 3) },
      ]);
      this.ACTION(() => out.push(n));
    });
    return out;
  });
}

/** `(a b)? a c`: whether to enter the option needs two tokens. */
class OptionNeedsTwo extends EmbeddedActionsParser {
  constructor(strategy?: ILookaheadStrategy) {
    super(TOKENS, { recoveryEnabled: false, skipValidations: true, ...(strategy ? { lookaheadStrategy: strategy } : {}) });
    this.performSelfAnalysis();
  }
  top = this.RULE('top', () => {
    let took = false;
    this.OPTION(() => {
      this.CONSUME(A);
      this.CONSUME(B);
      this.ACTION(() => (took = true));
    });
    this.CONSUME2(A);
    this.CONSUME(C);
    return took;
  });
}

/** `(a (a b)?)* c`: only the next round of the repetition starts like the option (`a`). */
class FollowThroughRepetition extends EmbeddedActionsParser {
  constructor(strategy?: ILookaheadStrategy) {
    super(TOKENS, { recoveryEnabled: false, skipValidations: true, ...(strategy ? { lookaheadStrategy: strategy } : {}) });
    this.performSelfAnalysis();
  }
  top = this.RULE('top', () => {
    let n = 0;
    this.MANY(() => {
      this.CONSUME(A);
      this.OPTION(() => {
        this.CONSUME2(A);
        this.CONSUME(B);
        this.ACTION(() => n++);
      });
    });
    this.CONSUME(C);
    return n;
  });
}

function run<T>(parser: EmbeddedActionsParser & { top: () => T }, text: string): { value: T; errors: string[] } {
  parser.input = lexer.tokenize(text).tokens;
  const value = parser.top();
  return { value, errors: parser.errors.map((e) => `${e.name}: ${e.message}`) };
}

describe('LL1Lookahead', () => {
  it('decides gated alternatives as chevrotain does (gate, then the next token)', () => {
    const fast = new Gated(new LL1Lookahead());
    const reference = new Gated();
    for (const allowA of [true, false]) {
      fast.allowA = reference.allowA = allowA;
      for (const text of ['a b c', 'c c a', 'b a', '', 'a', 'b b']) expect(run(fast, text), `${allowA} ${text}`).toEqual(run(reference, text));
    }
    fast.allowA = false;
    // The repetition enters on `a` (its lookahead ignores gates); the closed gate then leaves no alternative.
    expect(run(fast, 'b a').errors[0]).toMatch(/^NoViableAltException/);
  });

  it('refuses an option whose first token may also follow it, unless it has a fallback', () => {
    expect(() => new OptionNeedsTwo(new LL1Lookahead())).toThrow(FormworkError);
    expect(() => new OptionNeedsTwo(new LL1Lookahead())).toThrow(/rule top is not LL\(1\): Option: its body can start with a token that may also follow it/);
    const fast = new OptionNeedsTwo(new LL1Lookahead(new LLkLookaheadStrategy()));
    const reference = new OptionNeedsTwo();
    for (const text of ['a c', 'a b a c', 'a b c', 'a a c']) expect(run(fast, text), text).toEqual(run(reference, text));
    expect(run(fast, 'a b a c').value).toBe(true);
    expect(run(fast, 'a c').value).toBe(false);
  });

  it('sees what follows an option through the next round of an enclosing repetition and after it', () => {
    // After the option come another round (`a`) or `c`: `a` conflicts.
    expect(() => new FollowThroughRepetition(new LL1Lookahead())).toThrow(/Option: its body can start with a token that may also follow it/);
    const fast = new FollowThroughRepetition(new LL1Lookahead(new LLkLookaheadStrategy()));
    const reference = new FollowThroughRepetition();
    for (const text of ['c', 'a c', 'a a b c', 'a a c', 'a a b a c', 'a a a b c']) expect(run(fast, text), text).toEqual(run(reference, text));
  });

  it('refuses alternatives that can match nothing or start alike', () => {
    class Empty extends EmbeddedActionsParser {
      constructor() {
        super(TOKENS, { recoveryEnabled: false, skipValidations: true, lookaheadStrategy: new LL1Lookahead() });
        this.performSelfAnalysis();
      }
      top = this.RULE('top', () => this.OR([{ ALT: () => this.CONSUME(A) }, { ALT: () => this.OPTION(() => this.CONSUME(B)) }]));
    }
    class Alike extends EmbeddedActionsParser {
      constructor() {
        super(TOKENS, { recoveryEnabled: false, skipValidations: true, lookaheadStrategy: new LL1Lookahead() });
        this.performSelfAnalysis();
      }
      top = this.RULE('top', () =>
        this.OR([{ ALT: () => (this.CONSUME(A), this.CONSUME(B)) }, { ALT: () => (this.CONSUME2(A), this.CONSUME(C)) }]),
      );
    }
    expect(() => new Empty()).toThrow(/OR: alternative 2 can match nothing/);
    expect(() => new Alike()).toThrow(/OR: alternatives 1 and 2 can start with the same token/);
  });
});
