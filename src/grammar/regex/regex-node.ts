import type { ByteSet } from './byte-set.js';
import { CodePointSet } from './code-point-set.js';
import { InputError } from '../../errors.js';

/**
 * A parsed regular expression: plain data, the one intermediate representation of this module.
 * Front-ends (the ECMAScript parser here, a GBNF/Lark lexer, a JSON Schema `format`) build it; the
 * compiler turns it into a byte-level automaton. Flags are already applied (case-insensitivity is a
 * larger `chars` set, dotAll a larger `.` set), so a node means the same thing wherever it is used.
 */
export type RegexNode =
  /** Matches "". */
  | { kind: 'empty' }
  /** Matches no string. */
  | { kind: 'nothing' }
  /** One code point from the set (encoded as UTF-8; surrogates never match). */
  | { kind: 'chars'; set: CodePointSet }
  | { kind: 'concat'; items: RegexNode[] }
  | { kind: 'alt'; items: RegexNode[] }
  /** `item` repeated min..max times; max = Infinity for unbounded. */
  | { kind: 'repeat'; item: RegexNode; min: number; max: number }
  /** One raw byte from the set, UTF-8 or not (for byte-level grammars). */
  | { kind: 'bytes'; set: ByteSet }
  /** `^` (start of input) or `$` (end of input); ECMAScript without the 'm' flag. */
  | { kind: 'anchor'; which: 'start' | 'end' };

export const EMPTY_NODE: RegexNode = Object.freeze({ kind: 'empty' });
export const NOTHING_NODE: RegexNode = Object.freeze({ kind: 'nothing' });

/** One code point from `set`. */
export function charsNode(set: CodePointSet): RegexNode {
  return { kind: 'chars', set };
}

/** The exact text (code point by code point). */
export function literalNode(text: string): RegexNode {
  const items: RegexNode[] = [];
  for (const ch of text) items.push({ kind: 'chars', set: CodePointSet.single(ch.codePointAt(0)!) });
  return concatNode(items);
}

/** Sequence; flattens nested concats and drops `empty` items. */
export function concatNode(items: readonly RegexNode[]): RegexNode {
  const out: RegexNode[] = [];
  for (const item of items) {
    if (item.kind === 'empty') continue;
    if (item.kind === 'concat') out.push(...item.items);
    else out.push(item);
  }
  if (out.length === 0) return EMPTY_NODE;
  if (out.length === 1) return out[0];
  return { kind: 'concat', items: out };
}

/**
 * Alternation; flattens nested alts, drops `nothing` items and merges single-character alternatives
 * into one set (`a|b|c` = `[abc]`: one NFA node instead of five, which matters inside repetitions).
 */
export function altNode(items: readonly RegexNode[]): RegexNode {
  const out: RegexNode[] = [];
  let charsAt = -1;
  const add = (item: RegexNode): void => {
    if (item.kind === 'nothing') return;
    if (item.kind === 'alt') {
      for (const inner of item.items) add(inner);
    } else if (item.kind === 'chars' && charsAt >= 0) {
      const merged = (out[charsAt] as { kind: 'chars'; set: CodePointSet }).set.union(item.set);
      out[charsAt] = { kind: 'chars', set: merged };
    } else {
      if (item.kind === 'chars') charsAt = out.length;
      out.push(item);
    }
  };
  for (const item of items) add(item);
  if (out.length === 0) return NOTHING_NODE;
  if (out.length === 1) return out[0];
  return { kind: 'alt', items: out };
}

/** `item{min,max}` (max = Infinity for unbounded). */
export function repeatNode(item: RegexNode, min: number, max: number): RegexNode {
  if (!Number.isInteger(min) || min < 0 || !(max === Infinity || Number.isInteger(max)) || max < min) {
    throw new InputError(`invalid repetition bounds {${min},${max}}`, { where: 'repeatNode' });
  }
  if (max === 0) return EMPTY_NODE;
  if (min === 1 && max === 1) return item;
  return { kind: 'repeat', item, min, max };
}

/** Applies `map` to every `chars` set of the tree (e.g. case folding), sharing unchanged subtrees. */
export function mapCharSets(node: RegexNode, map: (set: CodePointSet) => CodePointSet): RegexNode {
  switch (node.kind) {
    case 'chars': {
      const set = map(node.set);
      return set === node.set ? node : { kind: 'chars', set };
    }
    case 'concat':
    case 'alt': {
      let changed = false;
      const items = node.items.map((item) => {
        const mapped = mapCharSets(item, map);
        if (mapped !== item) changed = true;
        return mapped;
      });
      return changed ? { kind: node.kind, items } : node;
    }
    case 'repeat': {
      const item = mapCharSets(node.item, map);
      return item === node.item ? node : { kind: 'repeat', item, min: node.min, max: node.max };
    }
    default:
      return node;
  }
}

/**
 * A word boundary assertion (`\b`, or `\B` when negated). Not part of the public RegexNode: only
 * compileRegex on a pattern string produces and compiles it, so that the IR others build on stays
 * the documented union (its liveness needs the extra check described in subset-construction.ts).
 */
export interface WordBoundaryNode {
  kind: 'word-boundary';
  negated: boolean;
}

export function isWordBoundary(node: RegexNode): boolean {
  return (node as { kind: string }).kind === 'word-boundary';
}

