import { compileGrammarIR, parseLark, type CompiledGrammar, type GrammarIR, type GrammarLimits } from '../cfg/index.js';
import { charsNode, CodePointSet, repeatNode } from '../regex/index.js';
import { InputError } from '../../errors.js';
import { sqlGrammarSource, type SqlGrammarSchema, type SqlSourceOptions } from './sql-grammar-source.js';
import { refineSqlLexemes } from './sql-lexemes.js';
import { separateTokens } from './token-boundaries.js';

export interface SqlGrammarOptions extends SqlSourceOptions {
  /** Name for error messages and the grammar's source (default `sql.lark`). */
  readonly sourceName?: string;
  readonly limits?: Partial<GrammarLimits>;
  /**
   * Longest run of whitespace between two tokens (default 16: room for a newline and indentation).
   * Bounded so that a weak model cannot spend its tokens on blanks.
   */
  readonly maxWhitespace?: number;
}

/** SQLite's whitespace characters. */
const WHITESPACE = CodePointSet.fromString(' \t\n\r\f');

/**
 * The SQL grammar as the grammar compiler takes it: sqlGrammarSource parsed, with SQLite's lexical
 * rules applied (ASCII case folding, reserved words, longest-token word boundaries).
 */
export function sqlGrammarIR(schema?: SqlGrammarSchema, options: SqlGrammarOptions = {}): GrammarIR {
  const sourceName = options.sourceName ?? 'sql.lark';
  const maxWhitespace = options.maxWhitespace ?? 16;
  if (!(Number.isInteger(maxWhitespace) && maxWhitespace >= 1)) {
    throw new InputError(`maxWhitespace must be an integer >= 1, got ${maxWhitespace}`, { where: 'sqlGrammarIR' });
  }
  const separator = repeatNode(charsNode(WHITESPACE), 1, maxWhitespace);
  return separateTokens(refineSqlLexemes(parseLark(sqlGrammarSource(schema, options), { start: 'start', sourceName })), { separator });
}

/**
 * Compiles the SQL grammar of a database (`schema`: its tables and columns) or, without a schema, the
 * plain SQLite SELECT grammar, to a ByteMachine: `createTokenAutomaton(grammar, vocabulary)` gives
 * token masks; `grammar.matches(text)` checks a whole query.
 */
export function compileSqlGrammar(schema?: SqlGrammarSchema, options: SqlGrammarOptions = {}): CompiledGrammar {
  return compileGrammarIR(sqlGrammarIR(schema, options), { limits: options.limits });
}
