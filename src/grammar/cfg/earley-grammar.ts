import { LimitError } from '../../errors.js';
import type { GrammarExpr, GrammarIR } from './grammar-ir.js';
import { regexNullable } from './regex-language.js';

/**
 * The grammar as the Earley parser reads it: flat productions over integer symbols in one typed array.
 *
 * Symbols: 0..ntCount-1 are nonterminals (0 is the augmented start S' -> start), ntCount + k is
 * lexeme k. `rhs` holds every production's symbols followed by an end marker `-(lhs + 1)`, so an
 * Earley item is just an index into `rhs` (the position of its dot) and its next symbol is `rhs[item]`.
 *
 * Lowering of the IR's operators, chosen for Earley: `x*` becomes the left-recursive `T -> T x | ε`
 * (left recursion keeps one item per repetition instead of a growing chain, and identical item sets
 * for every repetition, which the chart interns); `x{m,n}` becomes m copies (by doubling past 8) then
 * the optional chain `O_k -> x O_k-1 | ε`; groups and alternatives inside sequences become helper
 * nonterminals.
 */
export class EarleyGrammar {
  readonly ntCount: number;
  readonly lexemeCount: number;
  readonly ntNames: readonly string[];
  readonly lexemeNames: readonly string[];
  readonly rhs: Int32Array;
  /** Productions of nonterminal n: prodStart[prodOffset[n] .. prodOffset[n+1]). */
  readonly prodOffset: Int32Array;
  readonly prodStart: Int32Array;
  /** Per symbol (nonterminals then lexemes): derives the empty string. */
  readonly nullable: Uint8Array;

  constructor(ir: GrammarIR, limits: { maxSymbols: number }) {
    const builder = new Builder(ir, limits.maxSymbols);
    this.ntCount = builder.productions.length;
    this.lexemeCount = ir.lexemes.length;
    this.ntNames = builder.ntNames;
    this.lexemeNames = ir.lexemes.map((l) => l.name);
    const prodOffset = new Int32Array(this.ntCount + 1);
    const starts: number[] = [];
    const rhs: number[] = [];
    for (let nt = 0; nt < this.ntCount; nt++) {
      prodOffset[nt] = starts.length;
      for (const prod of builder.productions[nt]) {
        starts.push(rhs.length);
        for (const sym of prod) rhs.push(sym >= LEXEME_BASE ? this.ntCount + sym - LEXEME_BASE : sym);
        rhs.push(-(nt + 1));
      }
    }
    prodOffset[this.ntCount] = starts.length;
    this.rhs = Int32Array.from(rhs);
    this.prodOffset = prodOffset;
    this.prodStart = Int32Array.from(starts);
    this.nullable = new Uint8Array(this.ntCount + this.lexemeCount);
    for (let k = 0; k < this.lexemeCount; k++) this.nullable[this.ntCount + k] = regexNullable(ir.lexemes[k].regex) ? 1 : 0;
    for (let changed = true; changed; ) {
      changed = false;
      for (let nt = 0; nt < this.ntCount; nt++) {
        if (this.nullable[nt]) continue;
        for (let p = prodOffset[nt]; p < prodOffset[nt + 1]; p++) {
          let i = this.prodStart[p];
          while (this.rhs[i] >= 0 && this.nullable[this.rhs[i]]) i++;
          if (this.rhs[i] < 0) {
            this.nullable[nt] = 1;
            changed = true;
            break;
          }
        }
      }
    }
  }

  isLexeme(sym: number): boolean {
    return sym >= this.ntCount;
  }

  /** Human-readable item, for debugging: `lhs -> a b . c`. */
  itemText(item: number): string {
    let start = item;
    while (start > 0 && this.rhs[start - 1] >= 0) start--;
    let end = item;
    while (this.rhs[end] >= 0) end++;
    const name = (s: number) => (s < this.ntCount ? this.ntNames[s] : `@${this.lexemeNames[s - this.ntCount]}`);
    const parts: string[] = [];
    for (let i = start; i < end; i++) {
      if (i === item) parts.push('.');
      parts.push(name(this.rhs[i]));
    }
    if (item === end) parts.push('.');
    return `${this.ntNames[-this.rhs[end] - 1]} -> ${parts.join(' ')}`;
  }
}

class Builder {
  readonly productions: number[][][] = [];
  readonly ntNames: string[] = [];
  private readonly ruleIds = new Map<string, number>();
  private readonly lexemeIds = new Map<string, number>();
  private readonly lowered = new Map<GrammarExpr, number[]>();
  private symbols = 0;

  constructor(
    private readonly ir: GrammarIR,
    private readonly maxSymbols: number,
  ) {
    this.newNt("S'");
    for (const rule of ir.rules) this.ruleIds.set(rule.name, this.newNt(rule.name));
    ir.lexemes.forEach((l, k) => this.lexemeIds.set(l.name, k));
    this.add(0, [[this.ruleIds.get(ir.start)!]]);
    for (const rule of ir.rules) this.add(this.ruleIds.get(rule.name)!, this.alternatives(rule.body, rule.name));
  }

  private newNt(name: string): number {
    this.productions.push([]);
    this.ntNames.push(name);
    return this.productions.length - 1;
  }

  private add(nt: number, prods: number[][]): void {
    for (const p of prods) {
      this.symbols += p.length + 1;
      if (this.symbols > this.maxSymbols) {
        throw new LimitError(
          `grammar too large: more than ${this.maxSymbols} symbols after expanding repetitions and groups (raise maxGrammarSymbols or use fewer counted repetitions of rules)`,
          { limit: 'maxGrammarSymbols' },
        );
      }
      this.productions[nt].push(p);
    }
  }

  private alternatives(e: GrammarExpr, rule: string): number[][] {
    if (e.kind === 'alt') return e.items.map((i) => this.sequence(i, rule));
    return [this.sequence(e, rule)];
  }

  private sequence(e: GrammarExpr, rule: string): number[] {
    if (e.kind === 'seq') return e.items.flatMap((i) => this.item(i, rule));
    return this.item(e, rule);
  }

  private item(e: GrammarExpr, rule: string): number[] {
    const cached = this.lowered.get(e);
    if (cached) return cached;
    let out: number[];
    switch (e.kind) {
      case 'rule':
        out = [this.ruleIds.get(e.name)!];
        break;
      case 'lexeme':
        out = [LEXEME_BASE + this.lexemeIds.get(e.name)!];
        break;
      case 'seq':
        out = this.sequence(e, rule);
        break;
      case 'alt': {
        const nt = this.newNt(`${rule}(alt)`);
        this.add(nt, this.alternatives(e, rule));
        out = [nt];
        break;
      }
      case 'repeat':
        out = this.repetition(this.sequence(e.item, rule), e.min, e.max, rule);
        break;
      case 'text':
        throw new Error('text pieces must be turned into lexemes before Earley lowering');
    }
    this.lowered.set(e, out);
    return out;
  }

  private repetition(unitSeq: number[], min: number, max: number, rule: string): number[] {
    if (max === 0) return [];
    let unit: number;
    if (unitSeq.length === 1) {
      unit = unitSeq[0];
    } else {
      unit = this.newNt(`${rule}(group)`);
      this.add(unit, [unitSeq]);
    }
    const out: number[] = [];
    if (min <= 8) {
      for (let i = 0; i < min; i++) out.push(unit);
    } else {
      // unit^min by binary powers: P1 = unit, P2k -> Pk Pk.
      let power = unit;
      for (let bits = min, size = 1; bits > 0; bits >>= 1, size *= 2) {
        if (bits & 1) out.push(power);
        if (bits > 1) {
          const next = this.newNt(`${rule}(x${size * 2})`);
          this.add(next, [[power, power]]);
          power = next;
        }
      }
    }
    if (max === Infinity) {
      const star = this.newNt(`${rule}(*)`);
      this.add(star, [[star, unit], []]);
      out.push(star);
    } else if (max > min) {
      let chain = -1;
      for (let k = 1; k <= max - min; k++) {
        const nt = this.newNt(`${rule}(opt${k})`);
        this.add(nt, [chain < 0 ? [unit] : [unit, chain], []]);
        chain = nt;
      }
      out.push(chain);
    }
    return out;
  }
}

/** Lexeme symbols while nonterminals are still being created; renumbered to ntCount + k at the end. */
const LEXEME_BASE = 1 << 29;
