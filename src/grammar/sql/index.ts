/**
 * SQL grammars: SQLite's SELECT dialect as a Lark-subset grammar (plain, or restricted to the tables
 * and columns of one database), compiled through the grammar IR with SQLite's lexical rules.
 */
export { compileSqlGrammar, sqlGrammarIR, type SqlGrammarOptions } from './compile-sql-grammar.js';
export { sqlGrammarSource, type SqlGrammarSchema, type SqlSourceOptions } from './sql-grammar-source.js';
export { separateTokens } from './token-boundaries.js';
export { AGGREGATE_FUNCTIONS, COMMON_FUNCTIONS, isBareIdentifier, RESERVED_WORDS, SCALAR_FUNCTIONS } from './sql-words.js';
