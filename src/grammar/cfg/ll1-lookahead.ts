import {
  Alternation,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Rule,
  Terminal,
  type ILookaheadStrategy,
  type ILookaheadValidationError,
  type IOrAlt,
  type IProduction,
  type IToken,
  type OptionalProductionType,
  type TokenType,
} from 'chevrotain';
import { FormworkError } from '../../errors.js';

/**
 * A chevrotain lookahead strategy for LL(1) decisions: a decision (OR, MANY, OPTION, ...) looks at the
 * next token only, through a table of the FIRST set of each choice, and decides as chevrotain's own
 * LL(k) strategy does wherever one token suffices. It exists for speed of construction: chevrotain's
 * strategy computes lookahead paths through generic grammar walkers, which in a fresh process (cold,
 * not yet compiled code) cost ~2 ms of the first json.gbnf compile (CPU minimum 16.0 -> 14.1 ms).
 *
 * One token suffices, and the decision equals LL(k)'s, where (as chevrotain computes lookahead) the
 * alternatives of an OR are non-empty and start with pairwise different tokens, and the body of an
 * optional production is non-empty and starts with tokens that cannot follow it inside its rule
 * (chevrotain looks no further than the rule). GATEs are checked as chevrotain does: an alternative is
 * taken when its gate passes and the next token is in its table. Other decisions go to `fallback`
 * (e.g. chevrotain's LLkLookaheadStrategy) or, without one, throw: the parser is not LL(1).
 */
export class LL1Lookahead implements ILookaheadStrategy {
  private readonly ruleFirst = new Map<Rule, First | 'computing'>();

  constructor(private readonly fallback?: ILookaheadStrategy) {}

  validate(): ILookaheadValidationError[] {
    return [];
  }

  buildLookaheadForAlternation(options: {
    prodOccurrence: number;
    rule: Rule;
    maxLookahead: number;
    hasPredicates: boolean;
    dynamicTokensEnabled: boolean;
  }): (orAlts?: IOrAlt<unknown>[]) => number | undefined {
    const { production } = findProduction(options.rule, Alternation, options.prodOccurrence);
    const firsts = body(production).map((alternative) => this.first(body(alternative)));
    const why = alternationConflict(firsts);
    if (why !== undefined) {
      if (this.fallback) return this.fallback.buildLookaheadForAlternation(options);
      throw notLL1(options.rule, `OR${options.prodOccurrence || ''}: ${why}`);
    }
    const tables = firsts.map((f) => lookupTable(f.tokens));
    if (!options.hasPredicates) {
      return function (this: TokenSource) {
        const idx = this.LA(1).tokenTypeIdx;
        for (let t = 0; t < tables.length; t++) if (tables[t][idx] === true) return t;
        return undefined;
      };
    }
    return function (this: TokenSource, orAlts?: IOrAlt<unknown>[]) {
      const idx = this.LA(1).tokenTypeIdx;
      for (let t = 0; t < tables.length; t++) {
        const gate = orAlts?.[t]?.GATE;
        if (tables[t][idx] === true && (gate === undefined || gate.call(this) !== false)) return t;
      }
      return undefined;
    };
  }

  buildLookaheadForOptional(options: {
    prodOccurrence: number;
    prodType: OptionalProductionType;
    rule: Rule;
    maxLookahead: number;
    dynamicTokensEnabled: boolean;
  }): () => boolean {
    const { production, path } = findProduction(options.rule, OPTIONAL_PRODUCTIONS[options.prodType], options.prodOccurrence);
    const inside = this.first(body(production));
    const after = this.followInRule(path);
    const why = inside.nullable
      ? 'its body can match nothing'
      : [...inside.tokens].some((idx) => after.has(idx))
        ? 'its body can start with a token that may also follow it'
        : undefined;
    if (why !== undefined) {
      if (this.fallback) return this.fallback.buildLookaheadForOptional(options);
      throw notLL1(options.rule, `${options.prodType}${options.prodOccurrence || ''}: ${why}`);
    }
    const table = lookupTable(inside.tokens);
    return function (this: TokenSource) {
      return table[this.LA(1).tokenTypeIdx] === true;
    };
  }

  /**
   * Tokens that can come right after the production at the end of `path` without leaving its rule:
   * what follows it in each enclosing definition, and the next round of each enclosing repetition.
   */
  private followInRule(path: readonly Step[]): Set<number> {
    const tokens = new Set<number>();
    for (let level = path.length - 1; level >= 0; level--) {
      const { container, index } = path[level];
      // The other alternatives of an OR never follow one of them.
      if (container instanceof Alternation) continue;
      const rest = this.first(body(container).slice(index + 1));
      for (const idx of rest.tokens) tokens.add(idx);
      if (!rest.nullable) return tokens;
      if (container instanceof RepetitionWithSeparator || container instanceof RepetitionMandatoryWithSeparator) {
        for (const idx of terminalTokens(container.separator)) tokens.add(idx);
      } else if (container instanceof Repetition || container instanceof RepetitionMandatory) {
        for (const idx of this.first(body(container)).tokens) tokens.add(idx);
      }
    }
    return tokens;
  }

  private first(definition: readonly IProduction[]): First {
    const tokens = new Set<number>();
    for (const production of definition) {
      const f = this.firstOf(production);
      for (const idx of f.tokens) tokens.add(idx);
      if (!f.nullable) return { tokens, nullable: false };
    }
    return { tokens, nullable: true };
  }

  private firstOf(production: IProduction): First {
    if (production instanceof Terminal) return { tokens: terminalTokens(production.terminalType), nullable: false };
    if (production instanceof NonTerminal) return this.firstOfRule(production.referencedRule);
    if (production instanceof Alternation) {
      const tokens = new Set<number>();
      let nullable = false;
      for (const alternative of production.definition) {
        const f = this.first(body(alternative));
        for (const idx of f.tokens) tokens.add(idx);
        nullable ||= f.nullable;
      }
      return { tokens, nullable };
    }
    const inner = this.first(body(production));
    const optional = production instanceof Option || production instanceof Repetition || production instanceof RepetitionWithSeparator;
    return optional ? { tokens: inner.tokens, nullable: true } : inner;
  }

  private firstOfRule(rule: Rule): First {
    const known = this.ruleFirst.get(rule);
    if (known === 'computing') throw notLL1(rule, 'it is left-recursive');
    if (known !== undefined) return known;
    this.ruleFirst.set(rule, 'computing');
    const first = this.first(rule.definition);
    this.ruleFirst.set(rule, first);
    return first;
  }
}

interface First {
  readonly tokens: ReadonlySet<number>;
  readonly nullable: boolean;
}

interface TokenSource {
  LA(howMuch: number): IToken;
}

type ProductionClass = abstract new (...args: never[]) => IProduction;

const OPTIONAL_PRODUCTIONS: Record<OptionalProductionType, ProductionClass> = {
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
};

/** One level of the path from a rule to a production: the production's container and its index there. */
interface Step {
  readonly container: IProduction | Rule;
  readonly index: number;
}

/** The production of class `kind` with occurrence index `occurrence` (OR2 -> 2) inside `rule`, and its path. */
function findProduction(rule: Rule, kind: ProductionClass, occurrence: number): { production: IProduction; path: Step[] } {
  const path: Step[] = [];
  const search = (container: IProduction | Rule): IProduction | undefined => {
    const children = body(container);
    for (let index = 0; index < children.length; index++) {
      const child = children[index];
      path.push({ container, index });
      if (child instanceof kind && (child as { idx?: number }).idx === occurrence) return child;
      if (!(child instanceof Terminal) && !(child instanceof NonTerminal)) {
        const found = search(child);
        if (found !== undefined) return found;
      }
      path.pop();
    }
    return undefined;
  };
  const production = search(rule);
  if (production === undefined) throw new FormworkError('PARSER_DEFINITION', `LL1Lookahead: no ${kind.name}${occurrence || ''} in rule ${rule.name}`);
  return { production, path };
}

/** Why one token cannot choose among alternatives with these FIRST sets, or undefined. */
function alternationConflict(firsts: readonly First[]): string | undefined {
  for (let t = 0; t < firsts.length; t++) {
    if (firsts[t].nullable) return `alternative ${t + 1} can match nothing`;
    for (let u = 0; u < t; u++) {
      for (const idx of firsts[t].tokens) {
        if (firsts[u].tokens.has(idx)) return `alternatives ${u + 1} and ${t + 1} can start with the same token`;
      }
    }
  }
  return undefined;
}

/** A token type and the types it stands for (a category matches its members). */
function terminalTokens(type: TokenType): Set<number> {
  return new Set([type.tokenTypeIdx!, ...(type.categoryMatches ?? [])]);
}

/** The children of a production other than Terminal and NonTerminal (Alternative, Option, ...). */
function body(production: IProduction | Rule): IProduction[] {
  return (production as unknown as { definition: IProduction[] }).definition;
}

function lookupTable(tokens: ReadonlySet<number>): boolean[] {
  const table: boolean[] = [];
  for (const idx of tokens) table[idx] = true;
  return table;
}

function notLL1(rule: Rule, why: string): FormworkError {
  return new FormworkError('PARSER_DEFINITION', `LL1Lookahead: rule ${rule.name} is not LL(1): ${why}`);
}
