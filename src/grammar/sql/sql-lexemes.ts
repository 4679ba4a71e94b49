import type { GrammarIR, GrammarLexeme } from '../cfg/index.js';
import { altNode, charsNode, CodePointSet, concatNode, EMPTY_NODE, MAX_CODE_POINT, repeatNode, type RegexNode } from '../regex/index.js';
import { larkStringValue } from './sql-grammar-source.js';
import { RESERVED_WORDS } from './sql-words.js';

/** First character of a bare SQLite identifier: ASCII letter, `_`, or any non-ASCII character. */
const IDENT_FIRST = CodePointSet.fromRanges([
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
  [0x80, MAX_CODE_POINT],
]);
/** Later characters: also digits and `$`. */
const IDENT_REST = IDENT_FIRST.union(CodePointSet.fromRanges([[0x24, 0x24], [0x30, 0x39]]));

/**
 * Makes the lexemes of the parsed SQL grammar say exactly what SQLite reads:
 * - keywords and names (`"select"i`) are case-insensitive in ASCII only, as SQLite folds case, not
 *   with the Unicode folds of a regex `i` flag (which would let `ſelect` or a Kelvin sign through);
 * - IDENT, a bare identifier, excludes SQLite's reserved words (SELECT, ORDER...) however cased, so an
 *   alias can never be `from` or `where`. Words of the grammar itself already win over IDENT by priority.
 */
export function refineSqlLexemes(ir: GrammarIR): GrammarIR {
  const lexemes = ir.lexemes.map((lexeme): GrammarLexeme => {
    if (lexeme.name === 'IDENT') return { ...lexeme, regex: identifierExcluding(RESERVED_WORDS) };
    const text = larkStringValue(lexeme.name);
    return text === undefined ? lexeme : { ...lexeme, regex: asciiCaseInsensitive(text) };
  });
  return { ...ir, lexemes };
}

/** `text` with ASCII letters in either case and every other character as it is. */
export function asciiCaseInsensitive(text: string): RegexNode {
  const items: RegexNode[] = [];
  for (const ch of text) items.push(charsNode(caseSet(ch.codePointAt(0)!)));
  return concatNode(items);
}

function caseSet(cp: number): CodePointSet {
  const isLetter = (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return isLetter ? CodePointSet.fromCodePoints([cp | 0x20, cp & ~0x20]) : CodePointSet.single(cp);
}

/**
 * Bare identifiers other than `words` (lowercase ASCII), in any letter case: the complement is built
 * on the trie of the words. At a trie node, an identifier either ends here (unless the node ends a
 * word), or continues with a character that leaves the trie (then anything may follow), or follows a
 * child. The regex has one branch per trie node, so its size is linear in the words' total length.
 */
export function identifierExcluding(words: Iterable<string>): RegexNode {
  interface TrieNode {
    end: boolean;
    readonly children: Map<number, TrieNode>;
  }
  const root: TrieNode = { end: false, children: new Map() };
  for (const w of words) {
    let node = root;
    for (const ch of w.toLowerCase()) {
      const cp = ch.codePointAt(0)!;
      let child = node.children.get(cp);
      if (child === undefined) node.children.set(cp, (child = { end: false, children: new Map() }));
      node = child;
    }
    node.end = true;
  }
  const rest = repeatNode(charsNode(IDENT_REST), 0, Infinity);
  const build = (node: TrieNode, depth: number): RegexNode => {
    const allowed = depth === 0 ? IDENT_FIRST : IDENT_REST;
    const branches: RegexNode[] = [];
    if (depth > 0 && !node.end) branches.push(EMPTY_NODE);
    let leaving = allowed;
    for (const [cp, child] of node.children) {
      const set = caseSet(cp).intersect(allowed);
      if (set.isEmpty()) continue;
      leaving = leaving.subtract(set);
      branches.push(concatNode([charsNode(set), build(child, depth + 1)]));
    }
    if (!leaving.isEmpty()) branches.push(concatNode([charsNode(leaving), rest]));
    return altNode(branches);
  };
  return build(root, 0);
}
