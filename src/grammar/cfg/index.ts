/**
 * Grammars: one IR (grammar-ir.ts), GBNF and Lark-subset front-ends, and an Earley parser over lexemes
 * with a parser-driven lazy-DFA lexer, compiled to a ByteMachine for token masks:
 *
 *   const grammar = compileGrammar(source, { syntax: 'gbnf' });          // or 'lark'
 *   const automaton = createTokenAutomaton(grammar, vocabulary);         // src/grammar/automaton
 *
 * Generated grammars (e.g. a database's SQL dialect) can be Lark text, or a GrammarIR built in code and
 * passed to compileGrammarIR: lexemes are RegexNodes (parseRegex, or CodePointSet-based nodes), rules
 * are seq/alt/repeat expressions over rule and lexeme references; set `longestMatch: true` for
 * token-level languages (maximal munch) and give reserved keywords a higher `priority` than the
 * identifier lexeme; mark whitespace and comments `ignore`.
 */
export {
  compileGrammar,
  compileGrammarIR,
  CompiledGrammar,
  DEFAULT_GRAMMAR_LIMITS,
  type GrammarCompileOptions,
  type GrammarLimits,
} from './compile-grammar.js';
export { GrammarMachine, GrammarState } from './grammar-machine.js';
export {
  alt,
  EMPTY_EXPR,
  repeat,
  seq,
  walkExpr,
  type GrammarExpr,
  type GrammarIR,
  type GrammarLexeme,
  type GrammarRule,
  type SourcePos,
} from './grammar-ir.js';
export { formatExpr, formatGrammarIR } from './grammar-text.js';
export { parseGbnf } from './gbnf.js';
export { commonTerminals, parseLark } from './lark.js';
export { validateGrammar, type ValidatedGrammar } from './grammar-validation.js';
