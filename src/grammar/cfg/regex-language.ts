import type { RegexNode } from '../regex/index.js';

/**
 * Structural facts about the language of a RegexNode, exact and without building an automaton:
 * used to validate lexemes (empty language) and to treat nullable lexemes as optional symbols.
 * Surrogates have no UTF-8 encoding, so a class of surrogates only matches nothing.
 */

/** True when the regex matches at least one string. */
export function regexMatchesSomething(node: RegexNode): boolean {
  switch (node.kind) {
    case 'empty':
    case 'anchor':
      return true;
    case 'nothing':
      return false;
    case 'chars':
      return hasEncodable(node);
    case 'bytes':
      for (let b = 0; b < 256; b++) if (node.set.has(b)) return true;
      return false;
    case 'concat':
      return node.items.every(regexMatchesSomething);
    case 'alt':
      return node.items.some(regexMatchesSomething);
    case 'repeat':
      return node.min === 0 || regexMatchesSomething(node.item);
  }
}

/** True when the regex matches the empty string. */
export function regexNullable(node: RegexNode): boolean {
  switch (node.kind) {
    case 'empty':
    case 'anchor':
      return true;
    case 'nothing':
    case 'chars':
    case 'bytes':
      return false;
    case 'concat':
      return node.items.every(regexNullable);
    case 'alt':
      return node.items.some(regexNullable);
    case 'repeat':
      return node.min === 0 || regexNullable(node.item);
  }
}

/** True when the regex matches some non-empty string. */
export function regexMatchesNonEmpty(node: RegexNode): boolean {
  switch (node.kind) {
    case 'empty':
    case 'anchor':
    case 'nothing':
      return false;
    case 'chars':
    case 'bytes':
      return regexMatchesSomething(node);
    case 'concat':
      return node.items.every(regexMatchesSomething) && node.items.some(regexMatchesNonEmpty);
    case 'alt':
      return node.items.some(regexMatchesNonEmpty);
    case 'repeat':
      return node.max >= 1 && regexMatchesNonEmpty(node.item);
  }
}

/** Number of nodes, a measure of how large an automaton the regex may need. */
export function regexSize(node: RegexNode): number {
  switch (node.kind) {
    case 'concat':
    case 'alt': {
      let n = 1;
      for (const item of node.items) n += regexSize(item);
      return n;
    }
    case 'repeat':
      return 1 + regexSize(node.item);
    default:
      return 1;
  }
}

function hasEncodable(node: RegexNode & { kind: 'chars' }): boolean {
  for (const [lo, hi] of node.set.ranges()) if (lo < 0xd800 || hi > 0xdfff) return true;
  return false;
}
