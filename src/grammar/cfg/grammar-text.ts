import type { CodePointSet, RegexNode } from '../regex/index.js';
import type { GrammarExpr, GrammarIR } from './grammar-ir.js';

/**
 * A canonical text form of a GrammarIR, for golden tests and debugging: one line per lexeme
 * (`%lexeme NAME /regex/ flags`) and per rule (`name ::= expr`). Rule references print as their name,
 * lexeme references as `@NAME`, anonymous character-level pieces as `/regex/`.
 */
export function formatGrammarIR(ir: GrammarIR): string {
  const lines = [`%start ${ir.start}`];
  if (ir.longestMatch) lines.push('%longest-match');
  for (const lexeme of ir.lexemes) {
    const flags = [
      lexeme.ignore ? 'ignore' : '',
      lexeme.priority ? `priority=${lexeme.priority}` : '',
      lexeme.literal !== undefined ? `literal=${JSON.stringify(lexeme.literal)}` : '',
    ].filter((f) => f !== '');
    lines.push(`%lexeme ${lexeme.name} /${formatRegex(lexeme.regex)}/${flags.length ? ' ' + flags.join(' ') : ''}`);
  }
  for (const rule of ir.rules) lines.push(`${rule.name} ::= ${formatExpr(rule.body)}`);
  return lines.join('\n') + '\n';
}

export function formatExpr(expr: GrammarExpr): string {
  return exprText(expr, 0);
}

// Precedence: 0 = alternation, 1 = sequence, 2 = postfix operand.
function exprText(expr: GrammarExpr, context: number): string {
  switch (expr.kind) {
    case 'rule':
      return expr.name;
    case 'lexeme':
      return `@${expr.name}`;
    case 'text':
      return `/${formatRegex(expr.regex)}/`;
    case 'seq':
      if (expr.items.length === 0) return '""';
      return wrap(expr.items.map((e) => exprText(e, 2)).join(' '), context > 1 && expr.items.length > 1);
    case 'alt':
      if (expr.items.length === 0) return '!';
      return wrap(expr.items.map((e) => exprText(e, 1)).join(' | '), context > 0 && expr.items.length > 1);
    case 'repeat':
      return `${exprText(expr.item, 3)}${quantifier(expr.min, expr.max)}`;
  }
}

function wrap(text: string, parens: boolean): string {
  return parens ? `(${text})` : text;
}

function quantifier(min: number, max: number): string {
  if (min === 0 && max === Infinity) return '*';
  if (min === 1 && max === Infinity) return '+';
  if (min === 0 && max === 1) return '?';
  if (max === Infinity) return `{${min},}`;
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

/** ECMAScript-like text of a RegexNode (code points outside printable ASCII as \u{...}). */
export function formatRegex(node: RegexNode): string {
  return regexText(node, 0);
}

function regexText(node: RegexNode, context: number): string {
  switch (node.kind) {
    case 'empty':
      return '(?:)';
    case 'nothing':
      return '[]';
    case 'anchor':
      return node.which === 'start' ? '^' : '$';
    case 'chars':
      return charsText(node.set);
    case 'bytes': {
      const parts: string[] = [];
      for (let b = 0; b < 256; b++) if (node.set.has(b)) parts.push(`\\x${b.toString(16).padStart(2, '0')}`);
      return `[bytes ${parts.join('')}]`;
    }
    case 'concat':
      if (node.items.length === 0) return '(?:)';
      return wrapRegex(node.items.map((n) => regexText(n, 2)).join(''), context > 1 && node.items.length > 1);
    case 'alt':
      if (node.items.length === 0) return '[]';
      return wrapRegex(node.items.map((n) => regexText(n, 1)).join('|'), context > 0 && node.items.length > 1);
    case 'repeat':
      return `${regexText(node.item, 3)}${quantifier(node.min, node.max)}`;
  }
}

function wrapRegex(text: string, parens: boolean): string {
  return parens ? `(?:${text})` : text;
}

function charsText(set: CodePointSet): string {
  if (set.isSingle()) return escapeChar(set.lo(0), false);
  const parts: string[] = [];
  for (const [lo, hi] of set.ranges()) {
    parts.push(lo === hi ? escapeChar(lo, true) : `${escapeChar(lo, true)}-${escapeChar(hi, true)}`);
  }
  return `[${parts.join('')}]`;
}

function escapeChar(cp: number, inClass: boolean): string {
  if (cp === 0x0a) return '\\n';
  if (cp === 0x09) return '\\t';
  if (cp === 0x0d) return '\\r';
  if (cp >= 0x20 && cp < 0x7f) {
    const ch = String.fromCharCode(cp);
    const special = inClass ? '\\]^-[' : '\\^$.|?*+()[]{}/';
    return special.includes(ch) ? `\\${ch}` : ch;
  }
  return `\\u{${cp.toString(16).toUpperCase()}}`;
}
