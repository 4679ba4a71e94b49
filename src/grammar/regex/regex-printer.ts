import { InputError } from '../../errors.js';
import type { CodePointSet } from './code-point-set.js';
import type { RegexNode } from './regex-node.js';

/**
 * A RegexNode as an ECMAScript pattern for flags 'u' (without 'i' or 's': the tree already has them
 * applied). `new RegExp(printRegex(n), 'u')` matches what `n` matches, and parseRegex reads it back
 * to an equivalent tree; useful in error messages and for differential tests against RegExp.
 * `bytes` nodes have no ECMAScript form and throw InputError.
 */
export function printRegex(node: RegexNode): string {
  switch (node.kind) {
    case 'empty':
      return '(?:)';
    case 'nothing':
      return '[]';
    case 'chars':
      return printSet(node.set);
    case 'anchor':
      return node.which === 'start' ? '^' : '$';
    case 'concat':
      return node.items.length === 0 ? '(?:)' : node.items.map((item) => (item.kind === 'alt' ? `(?:${printRegex(item)})` : printRegex(item))).join('');
    case 'alt':
      return node.items.length === 0 ? '[]' : node.items.map(printRegex).join('|');
    case 'repeat': {
      const item = node.item;
      const atom = item.kind === 'chars' ? printSet(item.set) : `(?:${printRegex(item)})`;
      return atom + quantifier(node.min, node.max);
    }
    case 'bytes':
      throw new InputError('a raw-byte node has no ECMAScript pattern form', { where: 'printRegex' });
  }
}

function quantifier(min: number, max: number): string {
  if (min === 0 && max === Infinity) return '*';
  if (min === 1 && max === Infinity) return '+';
  if (min === 0 && max === 1) return '?';
  if (max === Infinity) return `{${min},}`;
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

function printSet(set: CodePointSet): string {
  if (set.isSingle()) return printChar(set.lo(0), false);
  const complement = set.complement();
  if (complement.rangeCount < set.rangeCount) return `[^${printRanges(complement)}]`;
  return `[${printRanges(set)}]`;
}

function printRanges(set: CodePointSet): string {
  let out = '';
  for (const [lo, hi] of set.ranges()) {
    out += printChar(lo, true);
    if (hi > lo) out += (hi > lo + 1 ? '-' : '') + printChar(hi, true);
  }
  return out;
}

function printChar(cp: number, inClass: boolean): string {
  if (cp >= 0x30 && cp <= 0x39) return String.fromCharCode(cp);
  if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return String.fromCharCode(cp);
  const special = inClass ? '\\]^-[' : '^$\\.*+?()[]{}|/';
  if (cp >= 0x20 && cp < 0x7f) {
    const ch = String.fromCharCode(cp);
    return special.includes(ch) ? `\\${ch}` : ch;
  }
  return `\\u{${cp.toString(16)}}`;
}
