import { FormworkError, InputError, LimitError } from '../../errors.js';
import { EarleyGrammar } from './earley-grammar.js';
import { parseGbnf } from './gbnf.js';
import type { GrammarIR } from './grammar-ir.js';
import { GrammarMachine, type GrammarMachineLimits } from './grammar-machine.js';
import { validateGrammar } from './grammar-validation.js';
import { parseLark } from './lark.js';
import { extractLexemes } from './lexeme-extraction.js';
import { LexemeLexer } from './lexeme-lexer.js';

/** Work limits of a compiled grammar; past them compilation or stepping throws LimitError. */
export interface GrammarLimits {
  /** Characters of grammar source. */
  readonly maxSourceLength: number;
  /** Symbols of the Earley grammar after groups and counted repetitions of rules are expanded. */
  readonly maxGrammarSymbols: number;
  /** Distinct lexemes. */
  readonly maxLexemes: number;
  /** States of the lexer's lazily built DFA. */
  readonly maxLexerStates: number;
  /** Items in one Earley set. */
  readonly maxEarleyItems: number;
  /** Lexer hypotheses (ways to cut the text so far into lexemes) in one state. */
  readonly maxLexerHypotheses: number;
  /** Parser states and Earley sets kept interned before the tables start afresh (memory bound). */
  readonly maxInternedStates: number;
  /** Lexer scans kept per vocabulary (grammar-mask.ts; scans from the trie root hold a mask bitset). */
  readonly maxLexerScans: number;
}

export const DEFAULT_GRAMMAR_LIMITS: GrammarLimits = {
  maxSourceLength: 2_000_000,
  maxGrammarSymbols: 500_000,
  maxLexemes: 20_000,
  maxLexerStates: 200_000,
  maxEarleyItems: 20_000,
  maxLexerHypotheses: 256,
  maxInternedStates: 200_000,
  maxLexerScans: 100_000,
};

export interface GrammarCompileOptions {
  /** Rule the whole document must match (default: `root` for GBNF, `start` for Lark). */
  readonly start?: string;
  /** Name for error messages (`json.gbnf:3:7: ...`). */
  readonly sourceName?: string;
  readonly limits?: Partial<GrammarLimits>;
}

/**
 * A grammar compiled to a ByteMachine (see GrammarMachine): hand it to createTokenAutomaton for token
 * masks. `ir` is the grammar as parsed (validated, unreachable parts removed, lexemes extracted);
 * `warnings` lists legal oddities such as unused rules.
 */
export class CompiledGrammar extends GrammarMachine {
  constructor(
    readonly ir: GrammarIR,
    readonly warnings: readonly string[],
    grammar: EarleyGrammar,
    lexer: LexemeLexer,
    ignored: readonly number[],
    limits: GrammarMachineLimits,
  ) {
    super(grammar, lexer, ignored, limits);
  }
}

/** Compiles GBNF (llama.cpp dialect) or Lark-subset grammar text. Throws GrammarError / LimitError. */
export function compileGrammar(source: string, options: GrammarCompileOptions & { syntax: 'gbnf' | 'lark' }): CompiledGrammar {
  const limits = { ...DEFAULT_GRAMMAR_LIMITS, ...options.limits };
  if (typeof source !== 'string') throw new InputError('grammar source must be a string', { where: 'compileGrammar' });
  if (source.length > limits.maxSourceLength) {
    throw new LimitError(`grammar source has ${source.length} characters, more than maxSourceLength ${limits.maxSourceLength}`, {
      limit: 'maxSourceLength',
    });
  }
  const ir = guardDepth(() => {
    switch (options.syntax) {
      case 'gbnf':
        return parseGbnf(source, options);
      case 'lark':
        return parseLark(source, options);
      default:
        throw new InputError(`unknown grammar syntax "${String(options.syntax)}" (use "gbnf" or "lark")`, { where: 'compileGrammar' });
    }
  });
  return compileGrammarIR(ir, options);
}

/**
 * Compiles a grammar given as IR (for generated grammars, e.g. a database's SQL dialect). `start`
 * overrides `ir.start`.
 */
export function compileGrammarIR(ir: GrammarIR, options: Omit<GrammarCompileOptions, 'sourceName'> = {}): CompiledGrammar {
  const limits = { ...DEFAULT_GRAMMAR_LIMITS, ...options.limits };
  return guardDepth(() => {
    const validated = validateGrammar(options.start ? { ...ir, start: options.start } : ir);
    const lexed = extractLexemes(validated.ir);
    if (lexed.lexemes.length > limits.maxLexemes) {
      throw new LimitError(`grammar has ${lexed.lexemes.length} lexemes, more than maxLexemes ${limits.maxLexemes}`, { limit: 'maxLexemes' });
    }
    const grammar = new EarleyGrammar(lexed, { maxSymbols: limits.maxGrammarSymbols });
    const lexer = new LexemeLexer(lexed.lexemes, { maxStates: limits.maxLexerStates, longestMatch: lexed.longestMatch });
    const ignored: number[] = [];
    lexed.lexemes.forEach((l, k) => l.ignore && ignored.push(k));
    return new CompiledGrammar(lexed, validated.warnings, grammar, lexer, ignored, {
      maxHypotheses: limits.maxLexerHypotheses,
      maxItemsPerSet: limits.maxEarleyItems,
      maxInternedStates: limits.maxInternedStates,
      maxLexerScans: limits.maxLexerScans,
    });
  });
}

/** Grammars nested deeper than the call stack allows fail with a LimitError, not a crash. */
function guardDepth<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof RangeError && !(e instanceof FormworkError) && /call stack/i.test(e.message)) {
      throw new LimitError('grammar nested too deeply (parentheses or rule chains exhaust the call stack)', { limit: 'nesting' });
    }
    throw e;
  }
}
