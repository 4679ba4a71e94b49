import { altNode, concatNode, repeatNode } from '../regex/regex-node.js';
import type { RegexNode } from '../regex/index.js';
import { alt, repeat, seq, type GrammarExpr, type GrammarIR, type GrammarLexeme, type GrammarRule } from './grammar-ir.js';
import { formatRegex } from './grammar-text.js';
import { regexSize } from './regex-language.js';

/** Regular rules bigger than this (RegexNode nodes, after inlining) stay rules over smaller lexemes. */
const MAX_LEXEME_SIZE = 20_000;

/**
 * Character-level grammars (GBNF) put anonymous `text` pieces (literals, classes) in their rules.
 * Parsing them one character per lexeme would make every byte an Earley step, so the regular parts
 * become lexemes: every rule that is not recursive and uses only text and other such rules is one
 * regular language, and in the remaining rules each maximal run of regular items in a sequence (and
 * the regular alternatives of a choice) becomes one lexeme.
 *
 * This never changes the language: the lexer (grammar-machine.ts) does not take longest matches but
 * lets a lexeme end wherever it matches and the parser can go on, keeping every split as a separate
 * hypothesis. So merging `"{" ws` into one lexeme, or a trailing nullable `ws` into a string lexeme,
 * is exact however the pieces could be cut.
 *
 * With ignored lexemes (%ignore) around, merging would forbid ignored text between the merged pieces,
 * and under longest match (GrammarIR.longestMatch) it would change where lexemes may end, so there
 * every text piece becomes a lexeme of its own.
 */
export function extractLexemes(ir: GrammarIR): GrammarIR {
  let hasText = false;
  for (const rule of ir.rules) visit(rule.body, (e) => (hasText ||= e.kind === 'text'));
  if (!hasText) return ir;
  return new Extractor(ir).run();
}

function visit(e: GrammarExpr, f: (e: GrammarExpr) => void): void {
  f(e);
  if (e.kind === 'seq' || e.kind === 'alt') for (const i of e.items) visit(i, f);
  else if (e.kind === 'repeat') visit(e.item, f);
}

class Extractor {
  private readonly rules = new Map<string, GrammarRule>();
  /** Regex of each regular rule (references inlined); absent for rules that are not regular. */
  private readonly regular = new Map<string, RegexNode>();
  private readonly lexemes: GrammarLexeme[];
  private readonly lexemeByKey = new Map<string, string>();
  private readonly names: Set<string>;
  private readonly merge: boolean;
  private readonly regexes = new Map<GrammarExpr, RegexNode | null>();
  private decided = false;

  constructor(private readonly ir: GrammarIR) {
    for (const r of ir.rules) this.rules.set(r.name, r);
    this.lexemes = [...ir.lexemes];
    this.names = new Set(ir.lexemes.map((l) => l.name));
    this.merge = !ir.longestMatch && !ir.lexemes.some((l) => l.ignore);
  }

  run(): GrammarIR {
    if (this.merge) this.findRegularRules();
    this.decided = true;
    // Regular rules now live inside lexemes: lower only the rules still referenced from the start rule.
    const lowered = new Map<string, GrammarRule>();
    const queued = new Set([this.ir.start]);
    const queue = [this.ir.start];
    while (queue.length > 0) {
      const rule = this.rules.get(queue.pop()!)!;
      const body = this.lower(rule.body, rule.name);
      lowered.set(rule.name, { ...rule, body });
      visit(body, (e) => {
        if (e.kind === 'rule' && !queued.has(e.name)) {
          queued.add(e.name);
          queue.push(e.name);
        }
      });
    }
    const rules = this.ir.rules.filter((r) => lowered.has(r.name)).map((r) => lowered.get(r.name)!);
    return { ...this.ir, rules, lexemes: this.lexemes };
  }

  /** Rules on no cycle whose bodies hold only text and regular rules, in dependency order (Tarjan). */
  private findRegularRules(): void {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    let counter = 0;
    const refs = (name: string): string[] => {
      const out: string[] = [];
      visit(this.rules.get(name)!.body, (e) => {
        if (e.kind === 'rule') out.push(e.name);
      });
      return out;
    };
    const strong = (v: string): void => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      const next = refs(v);
      for (const w of next) {
        if (!index.has(w)) {
          strong(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        // Components complete in reverse topological order: every rule v uses is decided already.
        if (component.length === 1 && !next.includes(v)) {
          const regex = this.regexOf(this.rules.get(v)!.body);
          if (regex && regexSize(regex) <= MAX_LEXEME_SIZE) this.regular.set(v, regex);
        }
      }
    };
    for (const r of this.ir.rules) if (!index.has(r.name)) strong(r.name);
  }

  /** The regex of an expression made only of text and regular rules, else undefined (memoised). */
  private regexOf(e: GrammarExpr): RegexNode | undefined {
    let known = this.regexes.get(e);
    if (known === undefined) {
      known = this.computeRegex(e) ?? null;
      // Rule references are only final once their rule has been decided (findRegularRules runs in
      // dependency order), so only memoise after that.
      if (this.decided) this.regexes.set(e, known);
    }
    return known ?? undefined;
  }

  private computeRegex(e: GrammarExpr): RegexNode | undefined {
    switch (e.kind) {
      case 'text':
        return e.regex;
      case 'rule':
        return this.regular.get(e.name);
      case 'lexeme':
        return undefined;
      case 'seq':
      case 'alt': {
        const parts: RegexNode[] = [];
        for (const item of e.items) {
          const r = this.regexOf(item);
          if (!r) return undefined;
          parts.push(r);
        }
        return e.kind === 'seq' ? concatNode(parts) : altNode(parts);
      }
      case 'repeat': {
        const r = this.regexOf(e.item);
        return r && repeatNode(r, e.min, e.max);
      }
    }
  }

  private lower(e: GrammarExpr, rule: string): GrammarExpr {
    const whole = this.merge ? this.regexOf(e) : undefined;
    if (whole) return this.lexeme(whole, e, rule);
    switch (e.kind) {
      case 'text':
        return this.lexeme(e.regex, e, rule);
      case 'rule':
      case 'lexeme':
        return e;
      case 'repeat':
        return repeat(this.lower(e.item, rule), e.min, e.max);
      case 'alt': {
        const regular: GrammarExpr[] = [];
        const other: GrammarExpr[] = [];
        for (const item of e.items) (this.merge && this.regexOf(item) ? regular : other).push(item);
        const items = other.map((i) => this.lower(i, rule));
        if (regular.length > 0) items.unshift(this.lower(alt(regular), rule));
        return alt(items);
      }
      case 'seq': {
        const items: GrammarExpr[] = [];
        let run: GrammarExpr[] = [];
        const flush = () => {
          if (run.length > 0) items.push(this.lower(seq(run), rule));
          run = [];
        };
        for (const item of e.items) {
          if (this.merge && this.regexOf(item)) {
            run.push(item);
          } else {
            flush();
            items.push(this.lower(item, rule));
          }
        }
        flush();
        return seq(items);
      }
    }
  }

  /** A lexeme for `regex` (one per distinct regex), named after what it came from. */
  private lexeme(regex: RegexNode, from: GrammarExpr, rule: string): GrammarExpr {
    const key = formatRegex(regex);
    const pos = 'pos' in from ? from.pos : undefined;
    let name = this.lexemeByKey.get(key);
    if (name === undefined) {
      name = this.freshName(from.kind === 'rule' ? from.name : from.kind === 'text' && key.length <= 24 ? `/${key}/` : `${rule}#`);
      this.lexemeByKey.set(key, name);
      this.lexemes.push({ name, regex, pos });
    }
    return { kind: 'lexeme', name, pos };
  }

  private freshName(base: string): string {
    let name = base.endsWith('#') ? `${base}1` : base;
    for (let k = 2; this.names.has(name); k++) name = base.endsWith('#') ? `${base}${k}` : `${base}#${k}`;
    this.names.add(name);
    return name;
  }
}
