import { alt, EMPTY_EXPR, seq, type GrammarExpr, type GrammarIR, type GrammarLexeme, type GrammarRule } from '../cfg/index.js';
import { altNode, CodePointSet, concatNode, MAX_CODE_POINT, repeatNode, type RegexNode } from '../regex/index.js';

/**
 * SQLite's tokenizer takes the longest token at every position: `selectname` is one identifier and
 * `1--1` is `1` and a comment. The grammar machine's lexer is different by design: it lets a lexeme
 * end wherever the parser can go on (grammar-machine.ts), so with whitespace merely `%ignore`d a
 * token-level SQL grammar would read `selectname` as SELECT followed by `name`. This pass makes the
 * grammar say what SQLite reads: between two tokens that SQLite would glue into one (two words: a
 * keyword, name or number next to another; `-` next to `-`), at least one separator is required;
 * elsewhere separators are optional.
 *
 * How: every lexeme has the class of its first and of its last character (word, minus or other);
 * whether a separator is required before a token depends only on the class of the token before it.
 * So every rule A is split into variants A@pq: "A, after a token of class p, ending with a token of
 * class q" (q = p when A matched nothing). Each lexeme gets two variants, separators merged in front:
 * optional (`\s*select`) and required (`\s+select`). Variants that no derivation reaches, or that
 * match nothing, are never built. Sequences longer than one symbol branch over the classes in
 * between through helper rules, so the grammar grows by a small constant factor (measured on the
 * Spider databases: see the SQL grammar tests), not exponentially.
 *
 * The %ignore lexemes of `ir` are the separators (or `options.separator`: one separator, e.g. a bounded
 * whitespace run); the result has none. It accepts a separator before and after the whole text.
 */
export function separateTokens(ir: GrammarIR, options: { readonly separator?: RegexNode } = {}): GrammarIR {
  return new TokenSeparation(ir, options.separator).run();
}

/** Edge classes of tokens: only equal classes glue (word+word, minus+minus); OTHER never glues. */
const OTHER = 0;
const WORD = 1;
const MINUS = 2;
const CLASSES = 3;
const CLASS_LETTER = ['o', 'w', 'm'];

/** SQLite's identifier and number characters: ASCII letters, digits, `_`, `$` and all non-ASCII. */
const WORD_CHARS = CodePointSet.fromRanges([
  [0x24, 0x24],
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
  [0x80, MAX_CODE_POINT],
]);
const MINUS_CHAR = CodePointSet.single(0x2d);

function glues(before: number, first: number): boolean {
  return before !== OTHER && before === first;
}

type GrammarSymbol = { readonly rule: string } | { readonly lexeme: string };

class TokenSeparation {
  private readonly lexemes = new Map<string, GrammarLexeme>();
  private readonly edges = new Map<string, { first: number; last: number }>();
  private readonly productions = new Map<string, GrammarSymbol[][]>();
  /** out[A][p]: bitmask of classes A can end in after a token of class p (bit p set when A can be empty). */
  private readonly out = new Map<string, Uint8Array>();
  private readonly optionalSeparator: RegexNode;
  private readonly requiredSeparator: RegexNode;
  private readonly rules: GrammarRule[] = [];
  private readonly built = new Set<string>();
  private readonly queue: [string, number, number][] = [];
  /** Memo of `suffix`: the expression, a helper rule reference, or null (impossible). */
  private readonly suffixes = new Map<string, GrammarExpr | null>();
  private readonly suffixTables = new Map<readonly GrammarSymbol[], Uint8Array>();
  private readonly variants = new Map<string, GrammarLexeme>();
  private helperCount = 0;

  constructor(
    private readonly ir: GrammarIR,
    separator: RegexNode | undefined,
  ) {
    const separators: RegexNode[] = [];
    for (const lexeme of ir.lexemes) {
      if (lexeme.ignore) separators.push(lexeme.regex);
      else {
        this.lexemes.set(lexeme.name, lexeme);
        this.edges.set(lexeme.name, { first: edgeClass(lexeme, 'first'), last: edgeClass(lexeme, 'last') });
      }
    }
    if (separator === undefined) {
      if (separators.length === 0) throw new Error('separateTokens: the grammar has no %ignore separator');
      separator = repeatNode(altNode(separators), 1, Infinity);
    }
    this.requiredSeparator = separator;
    this.optionalSeparator = repeatNode(separator, 0, 1);
    for (const rule of ir.rules) this.productions.set(rule.name, []);
    for (const rule of ir.rules) this.productions.get(rule.name)!.push(...this.lower(rule.body, rule.name));
  }

  run(): GrammarIR {
    this.computeOut();
    const start = this.ir.start;
    const startOut = this.out.get(start)![OTHER];
    const ends: GrammarExpr[] = [];
    for (let q = 0; q < CLASSES; q++) if (startOut & (1 << q)) ends.push(this.ruleRef(start, OTHER, q));
    while (this.queue.length > 0) {
      const [name, p, q] = this.queue.pop()!;
      const options: GrammarExpr[] = [];
      this.productions.get(name)!.forEach((production, k) => {
        const expr = this.suffix(name, k, production, 0, p, q);
        if (expr !== null) options.push(expr);
      });
      this.rules.push({ name: variantName(name, p, q), body: alt(options) });
    }
    const trailing: GrammarLexeme = { name: 'trailing whitespace', regex: this.requiredSeparator };
    const root = `${start}@`;
    const rules = [{ name: root, body: seq([alt(ends), { kind: 'repeat', item: { kind: 'lexeme', name: trailing.name }, min: 0, max: 1 }]) }, ...this.rules];
    return { start: root, rules, lexemes: [...this.variants.values(), trailing], sourceName: this.ir.sourceName };
  }

  /** A rule body as productions over symbols; nested groups and repetitions become helper rules. */
  private lower(expr: GrammarExpr, owner: string): GrammarSymbol[][] {
    if (expr.kind === 'alt') return expr.items.flatMap((item) => this.lower(item, owner));
    if (expr.kind === 'seq') return [expr.items.map((item) => this.symbol(item, owner))];
    return [[this.symbol(expr, owner)]];
  }

  private symbol(expr: GrammarExpr, owner: string): GrammarSymbol {
    switch (expr.kind) {
      case 'rule':
        return { rule: expr.name };
      case 'lexeme':
        return { lexeme: expr.name };
      case 'text':
        throw new Error('separateTokens: character-level text in a token grammar');
      case 'seq':
      case 'alt':
        return this.helper(owner, this.lower(expr, owner));
      case 'repeat': {
        const item = this.symbol(expr.item, owner);
        const optional = (s: GrammarSymbol): GrammarSymbol => this.helper(owner, [[], [s]]);
        const items: GrammarSymbol[] = Array.from({ length: expr.min }, () => item);
        if (expr.max === Infinity) {
          // Left recursion: one Earley item per repetition (as the grammar compiler lowers x*).
          const name = this.freshName(owner);
          this.productions.set(name, [[], [{ rule: name }, item]]);
          items.push({ rule: name });
        } else {
          for (let i = expr.min; i < expr.max; i++) items.push(optional(item));
        }
        return items.length === 1 ? items[0] : this.helper(owner, [items]);
      }
    }
  }

  private helper(owner: string, productions: GrammarSymbol[][]): GrammarSymbol {
    const name = this.freshName(owner);
    this.productions.set(name, productions);
    return { rule: name };
  }

  private freshName(owner: string): string {
    return `${owner}~${this.helperCount++}`;
  }

  /** Least fixpoint of the end classes of every rule from every starting class. */
  private computeOut(): void {
    for (const name of this.productions.keys()) this.out.set(name, new Uint8Array(CLASSES));
    for (let changed = true; changed; ) {
      changed = false;
      for (const [name, productions] of this.productions) {
        const row = this.out.get(name)!;
        for (let p = 0; p < CLASSES; p++) {
          let mask = row[p];
          for (const production of productions) mask |= this.sequenceOut(production, 0, 1 << p);
          if (mask !== row[p]) {
            row[p] = mask;
            changed = true;
          }
        }
      }
    }
  }

  /** End classes of production[from..] when the token before it is of a class in `before` (a bitmask). */
  private sequenceOut(production: readonly GrammarSymbol[], from: number, before: number): number {
    let current = before;
    for (let i = from; i < production.length && current !== 0; i++) {
      let next = 0;
      for (let c = 0; c < CLASSES; c++) if (current & (1 << c)) next |= this.symbolOut(production[i], c);
      current = next;
    }
    return current;
  }

  /**
   * sequenceOut(production, from, 1 << before), tabled per production once the fixpoint is reached:
   * row i holds, per class before, the end classes of production[i..].
   */
  private suffixOut(production: readonly GrammarSymbol[], from: number, before: number): number {
    let table = this.suffixTables.get(production);
    if (table === undefined) {
      table = new Uint8Array((production.length + 1) * CLASSES);
      for (let c = 0; c < CLASSES; c++) table[production.length * CLASSES + c] = 1 << c;
      for (let i = production.length - 1; i >= 0; i--) {
        for (let c = 0; c < CLASSES; c++) {
          const after = this.symbolOut(production[i], c);
          let mask = 0;
          for (let d = 0; d < CLASSES; d++) if (after & (1 << d)) mask |= table[(i + 1) * CLASSES + d];
          table[i * CLASSES + c] = mask;
        }
      }
      this.suffixTables.set(production, table);
    }
    return table[from * CLASSES + before];
  }

  private symbolOut(symbol: GrammarSymbol, before: number): number {
    return 'lexeme' in symbol ? 1 << this.edges.get(symbol.lexeme)!.last : this.out.get(symbol.rule)![before];
  }

  /**
   * production[i..] after a token of class `before`, ending in class `end`; null when impossible.
   * Branches over the class after symbol i go through a helper rule, shared by every caller.
   */
  private suffix(name: string, k: number, production: readonly GrammarSymbol[], i: number, before: number, end: number): GrammarExpr | null {
    if (i === production.length) return before === end ? EMPTY_EXPR : null;
    const key = `${name}#${k}.${i}@${CLASS_LETTER[before]}${CLASS_LETTER[end]}`;
    const known = this.suffixes.get(key);
    if (known !== undefined) return known;
    const options: GrammarExpr[] = [];
    const after = this.symbolOut(production[i], before);
    for (let c = 0; c < CLASSES; c++) {
      if (!(after & (1 << c)) || !(this.suffixOut(production, i + 1, c) & (1 << end))) continue;
      const rest = this.suffix(name, k, production, i + 1, c, end);
      if (rest !== null) options.push(seq([this.symbolRef(production[i], before, c), rest]));
    }
    let result: GrammarExpr | null = options.length === 0 ? null : alt(options);
    if (result !== null && i > 0 && options.length > 1) {
      this.rules.push({ name: key, body: result });
      result = { kind: 'rule', name: key };
    }
    this.suffixes.set(key, result);
    return result;
  }

  private symbolRef(symbol: GrammarSymbol, before: number, end: number): GrammarExpr {
    if ('rule' in symbol) return this.ruleRef(symbol.rule, before, end);
    const lexeme = this.lexemes.get(symbol.lexeme)!;
    const required = glues(before, this.edges.get(lexeme.name)!.first);
    const name = required ? `${lexeme.name} after whitespace` : lexeme.name;
    if (!this.variants.has(name)) {
      const separator = required ? this.requiredSeparator : this.optionalSeparator;
      // `literal` goes: the variant's text has a separator in front of the literal.
      this.variants.set(name, { name, regex: concatNode([separator, lexeme.regex]), priority: lexeme.priority, pos: lexeme.pos });
    }
    return { kind: 'lexeme', name };
  }

  private ruleRef(rule: string, before: number, end: number): GrammarExpr {
    const name = variantName(rule, before, end);
    if (!this.built.has(name)) {
      this.built.add(name);
      this.queue.push([rule, before, end]);
    }
    return { kind: 'rule', name };
  }
}

function variantName(rule: string, before: number, end: number): string {
  return `${rule}@${CLASS_LETTER[before]}${CLASS_LETTER[end]}`;
}

/** The class of the first or last character of every text of the lexeme; one class per edge. */
function edgeClass(lexeme: GrammarLexeme, side: 'first' | 'last'): number {
  const set = edgeChars(lexeme.regex, side);
  const word = set.intersect(WORD_CHARS);
  const minus = set.intersect(MINUS_CHAR);
  const other = set.subtract(WORD_CHARS).subtract(MINUS_CHAR);
  const kinds = [word, minus, other].filter((s) => !s.isEmpty()).length;
  if (kinds > 1) {
    throw new Error(`separateTokens: lexeme ${lexeme.name} ${side === 'first' ? 'starts' : 'ends'} with characters of different classes (${set})`);
  }
  return !word.isEmpty() ? WORD : !minus.isEmpty() ? MINUS : OTHER;
}

/** Characters that can come first (or last) in a non-empty text of `node`. */
function edgeChars(node: RegexNode, side: 'first' | 'last'): CodePointSet {
  switch (node.kind) {
    case 'chars':
      return node.set;
    case 'alt':
      return node.items.reduce((acc, item) => acc.union(edgeChars(item, side)), CodePointSet.empty());
    case 'repeat':
      return node.max === 0 ? CodePointSet.empty() : edgeChars(node.item, side);
    case 'concat': {
      let set = CodePointSet.empty();
      const items = side === 'first' ? node.items : [...node.items].reverse();
      for (const item of items) {
        set = set.union(edgeChars(item, side));
        if (!nullable(item)) break;
      }
      return set;
    }
    case 'bytes':
      throw new Error('separateTokens: raw byte lexemes have no character classes');
    default:
      return CodePointSet.empty();
  }
}

function nullable(node: RegexNode): boolean {
  switch (node.kind) {
    case 'empty':
    case 'anchor':
      return true;
    case 'concat':
      return node.items.every(nullable);
    case 'alt':
      return node.items.some(nullable);
    case 'repeat':
      return node.min === 0 || nullable(node.item);
    default:
      return false;
  }
}
