import type { RegexNode } from '../regex/index.js';

/**
 * The one grammar representation every front-end (GBNF, Lark, the SQL grammar generator) translates
 * into; validation, lexeme extraction and the Earley compiler only know this. Plain data, so a caller
 * can build a grammar programmatically and hand it to `compileGrammarIR`.
 *
 * Terminals are *lexemes*: named regular languages (RegexNode) over Unicode code points. Rules are
 * context-free expressions over rule and lexeme references. Character-level grammars (GBNF) may also
 * put anonymous `text` pieces inside rules; the compiler merges regular parts of those into lexemes
 * itself (lexeme-extraction.ts), which never changes the language.
 */
export interface GrammarIR {
  /** Name of the rule the whole document must match. */
  readonly start: string;
  readonly rules: readonly GrammarRule[];
  readonly lexemes: readonly GrammarLexeme[];
  /** File name (or other label) that error messages put before line:column. */
  readonly sourceName?: string;
  /**
   * Lexing discipline. false (GBNF, character-level grammars): a lexeme may end wherever it matches,
   * every cut of the text is considered, so merging characters into lexemes never changes the language.
   * true (Lark, token-level grammars): maximal munch, as a conventional lexer tokenizes: no lexeme ends
   * where any lexeme of the grammar that started with it could go on with the next byte, so `intx` is
   * one identifier, not a keyword glued to one, `x++y` is `x ++ y`, and a line comment runs to the end
   * of its line. Default false.
   */
  readonly longestMatch?: boolean;
}

/** 1-based line and column of a construct in the grammar source. */
export interface SourcePos {
  readonly line: number;
  readonly column: number;
}

export interface GrammarRule {
  readonly name: string;
  readonly body: GrammarExpr;
  readonly pos?: SourcePos;
}

export interface GrammarLexeme {
  readonly name: string;
  readonly regex: RegexNode;
  /** The exact text, when the lexeme is a literal string (`"{"`, `"select"`). */
  readonly literal?: string;
  /**
   * Ignored lexemes (Lark `%ignore`) may appear between any two lexemes, before the first and after
   * the last, and never reach the parser.
   */
  readonly ignore?: boolean;
  /**
   * When several lexemes of the grammar match exactly the same text, only those of the highest priority
   * end there, wherever they are (Lark terminal priorities: with `NAME.-1`, a keyword literal of
   * priority 0 is reserved and never an identifier). Default 0.
   */
  readonly priority?: number;
  readonly pos?: SourcePos;
}

/** A context-free expression. `seq` of nothing is the empty string; `alt` of nothing matches nothing. */
export type GrammarExpr =
  | { readonly kind: 'seq'; readonly items: readonly GrammarExpr[] }
  | { readonly kind: 'alt'; readonly items: readonly GrammarExpr[] }
  /** Counted repetition; `max` is Infinity when unbounded. Kept counted (never unrolled in the IR). */
  | { readonly kind: 'repeat'; readonly item: GrammarExpr; readonly min: number; readonly max: number }
  | { readonly kind: 'rule'; readonly name: string; readonly pos?: SourcePos }
  | { readonly kind: 'lexeme'; readonly name: string; readonly pos?: SourcePos }
  /** An anonymous character-level terminal (a GBNF literal, class or `.`); see lexeme-extraction.ts. */
  | { readonly kind: 'text'; readonly regex: RegexNode; readonly pos?: SourcePos };

export const EMPTY_EXPR: GrammarExpr = { kind: 'seq', items: [] };

export function seq(items: readonly GrammarExpr[]): GrammarExpr {
  const flat: GrammarExpr[] = [];
  for (const item of items) {
    if (item.kind === 'seq') flat.push(...item.items);
    else flat.push(item);
  }
  return flat.length === 1 ? flat[0] : { kind: 'seq', items: flat };
}

export function alt(items: readonly GrammarExpr[]): GrammarExpr {
  const flat: GrammarExpr[] = [];
  for (const item of items) {
    if (item.kind === 'alt') flat.push(...item.items);
    else flat.push(item);
  }
  return flat.length === 1 ? flat[0] : { kind: 'alt', items: flat };
}

export function repeat(item: GrammarExpr, min: number, max: number): GrammarExpr {
  return { kind: 'repeat', item, min, max };
}

/** Calls `visit` on every node of `expr`, parents before children. */
export function walkExpr(expr: GrammarExpr, visit: (node: GrammarExpr) => void): void {
  visit(expr);
  if (expr.kind === 'seq' || expr.kind === 'alt') for (const item of expr.items) walkExpr(item, visit);
  else if (expr.kind === 'repeat') walkExpr(expr.item, visit);
}
