/**
 * ECMAScript regular expressions (the JSON Schema `pattern` dialect) compiled to lazily built
 * byte-level DFAs over UTF-8: no backtracking, time linear in the input, exact dead-end detection.
 *
 * Pipeline: regex-parser (pattern text -> RegexNode, flags applied) -> nfa (Thompson NFA over bytes;
 * code point sets become small UTF-8 byte automata: utf8-sequences, char-class-automaton) ->
 * subset-construction (the DFA, built on demand) inside dfa-table / dfa-machine (memoised
 * transitions, cursor, forced bytes, loop slices). regex-intersection builds products (AND, NOT) and
 * lookaround.ts uses them for lookahead at the edges of a pattern. Unicode data (properties, case
 * folding) comes from the running engine's own RegExp: unicode-property, case-folding.
 */
export { ByteSet } from './byte-set.js';
export { CodePointSet, MAX_CODE_POINT } from './code-point-set.js';
export { caseClosure, caseEquivalents } from './case-folding.js';
export { DEFAULT_MAX_STATES } from './dfa-table.js';
export {
  altNode,
  charsNode,
  concatNode,
  EMPTY_NODE,
  literalNode,
  mapCharSets,
  NOTHING_NODE,
  repeatNode,
  type RegexNode,
} from './regex-node.js';
export type { RegexOptions } from './regex-options.js';
export { parseRegex } from './regex-parser.js';
export { printRegex } from './regex-printer.js';
export { compileRegex, matches, type RegexMachine } from './regex-machine.js';
export { compileRegexSet, type RegexSet } from './regex-set.js';
export { complementRegex, intersectRegex } from './regex-intersection.js';
export { unicodePropertySet } from './unicode-property.js';
