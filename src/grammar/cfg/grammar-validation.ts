import { GrammarError } from '../../errors.js';
import { walkExpr, type GrammarExpr, type GrammarIR, type GrammarLexeme, type GrammarRule, type SourcePos } from './grammar-ir.js';
import { regexMatchesSomething } from './regex-language.js';

export interface ValidatedGrammar {
  /** The grammar with unreachable rules and lexemes removed (ignored lexemes are always kept). */
  readonly ir: GrammarIR;
  /** Things that are legal but probably unintended: unreachable rules, lexemes that match nothing. */
  readonly warnings: readonly string[];
}

/**
 * Checks a grammar for meaning, whatever front-end built it: every name defined once, every reference
 * defined, the start rule defined, every reachable rule able to complete (productive), and the whole
 * language non-empty. Errors are GrammarErrors with the line:column and rule of the culprit.
 */
export function validateGrammar(ir: GrammarIR): ValidatedGrammar {
  const fail = (message: string, pos: SourcePos | undefined, rule?: string): never => {
    throw new GrammarError(message, { line: pos?.line ?? 1, column: pos?.column ?? 1, rule, source: ir.sourceName });
  };
  const rules = new Map<string, GrammarRule>();
  for (const rule of ir.rules) {
    if (rules.has(rule.name)) fail(`rule "${rule.name}" is defined twice`, rule.pos, rule.name);
    rules.set(rule.name, rule);
  }
  const lexemes = new Map<string, GrammarLexeme>();
  for (const lexeme of ir.lexemes) {
    if (lexemes.has(lexeme.name)) fail(`lexeme "${lexeme.name}" is defined twice`, lexeme.pos, lexeme.name);
    lexemes.set(lexeme.name, lexeme);
  }
  const start = rules.get(ir.start);
  if (!start) {
    const known = ir.rules.map((r) => r.name);
    fail(
      `unknown start rule "${ir.start}"${known.length ? ` (rules: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', ...' : ''})` : ' (the grammar has no rules)'}`,
      undefined,
    );
  }
  for (const rule of ir.rules) {
    walkExpr(rule.body, (node) => {
      if (node.kind === 'rule' && !rules.has(node.name)) fail(`undefined rule "${node.name}"`, node.pos ?? rule.pos, rule.name);
      if (node.kind === 'lexeme' && !lexemes.has(node.name)) fail(`undefined lexeme "${node.name}"`, node.pos ?? rule.pos, rule.name);
      if (node.kind === 'repeat' && !(Number.isInteger(node.min) && node.min >= 0 && node.max >= node.min && (node.max === Infinity || Number.isInteger(node.max)))) {
        fail(`invalid repetition bounds {${node.min},${node.max}}`, rule.pos, rule.name);
      }
    });
  }

  // Productive rules: least fixpoint.
  const productive = new Set<string>();
  const lexemeOk = new Map<string, boolean>();
  for (const l of ir.lexemes) lexemeOk.set(l.name, regexMatchesSomething(l.regex));
  const exprProductive = (e: GrammarExpr): boolean => {
    switch (e.kind) {
      case 'seq':
        return e.items.every(exprProductive);
      case 'alt':
        return e.items.some(exprProductive);
      case 'repeat':
        return e.min === 0 || exprProductive(e.item);
      case 'rule':
        return productive.has(e.name);
      case 'lexeme':
        return lexemeOk.get(e.name)!;
      case 'text':
        return regexMatchesSomething(e.regex);
    }
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const rule of ir.rules) {
      if (!productive.has(rule.name) && exprProductive(rule.body)) {
        productive.add(rule.name);
        changed = true;
      }
    }
  }
  if (!productive.has(ir.start)) {
    fail(`the grammar matches no text at all (empty language): start rule "${ir.start}" can never complete`, start!.pos, ir.start);
  }

  // Reachability from the start rule.
  const reachableRules = new Set<string>([ir.start]);
  const reachableLexemes = new Set<string>();
  const stack = [ir.start];
  while (stack.length > 0) {
    const rule = rules.get(stack.pop()!)!;
    walkExpr(rule.body, (node) => {
      if (node.kind === 'rule' && !reachableRules.has(node.name)) {
        reachableRules.add(node.name);
        stack.push(node.name);
      } else if (node.kind === 'lexeme') {
        reachableLexemes.add(node.name);
      }
    });
  }
  for (const rule of ir.rules) {
    if (reachableRules.has(rule.name) && !productive.has(rule.name)) {
      fail(`rule "${rule.name}" can never complete: each alternative needs itself or another rule that cannot complete`, rule.pos, rule.name);
    }
  }

  const warnings: string[] = [];
  const where = (pos: SourcePos | undefined) => (pos ? `${ir.sourceName ? `${ir.sourceName}:` : ''}${pos.line}:${pos.column}: ` : '');
  for (const rule of ir.rules) {
    if (!reachableRules.has(rule.name)) warnings.push(`${where(rule.pos)}rule "${rule.name}" is never used from "${ir.start}"`);
  }
  const keptLexemes = ir.lexemes.filter((l) => reachableLexemes.has(l.name) || l.ignore);
  for (const l of keptLexemes) {
    if (!lexemeOk.get(l.name)) warnings.push(`${where(l.pos)}lexeme "${l.name}" matches no text`);
  }
  return {
    ir: { ...ir, rules: ir.rules.filter((r) => reachableRules.has(r.name)), lexemes: keptLexemes },
    warnings,
  };
}
