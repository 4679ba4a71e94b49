import type { GrammarExpr, GrammarIR } from '../../../src/grammar/cfg/index.js';
import type { RegexNode } from '../../../src/grammar/regex/index.js';

/**
 * An independent recognizer for tests: reads the grammar IR as a character-level CFG (no lexemes, no
 * Earley) and decides membership by a least fixpoint over spans, like CYK: rule R matches text[i, j)
 * when its body does, given what is known of every rule so far. Span sets are bitmasks of end
 * positions, so texts are limited to 30 code points. Slow in theory, obviously right, which is the
 * point.
 */
export function referenceRecognizer(ir: GrammarIR): (text: string) => boolean {
  const rules = new Map(ir.rules.map((r) => [r.name, r.body]));
  const lexemes = new Map(ir.lexemes.map((l) => [l.name, l.regex]));
  return (text: string) => {
    const cps = [...text].map((c) => c.codePointAt(0)!);
    const n = cps.length;
    if (n > 30) throw new Error('the reference recognizer handles at most 30 code points');
    /** table.get(rule)[i]: bitmask of j such that the rule matches text[i, j). */
    const table = new Map<string, Int32Array>();
    for (const name of rules.keys()) table.set(name, new Int32Array(n + 1));

    const regexSpans = (node: RegexNode, i: number): number => {
      switch (node.kind) {
        case 'empty':
          return 1 << i;
        case 'nothing':
        case 'bytes':
        case 'anchor':
          return 0;
        case 'chars':
          return i < n && node.set.has(cps[i]) ? 1 << (i + 1) : 0;
        case 'concat':
          return sequence(node.items, i, regexSpans);
        case 'alt': {
          let out = 0;
          for (const item of node.items) out |= regexSpans(item, i);
          return out;
        }
        case 'repeat':
          return repetition(node.item, node.min, node.max, i, n, regexSpans);
      }
    };
    // Memo of spans per pass; values only grow between passes, so a stale memo only costs a pass.
    let memo = new Map<GrammarExpr, Int32Array>();
    const spans = (e: GrammarExpr, i: number): number => {
      if (e.kind === 'rule') return table.get(e.name)![i];
      let row = memo.get(e);
      if (row === undefined) memo.set(e, (row = new Int32Array(n + 1).fill(-1)));
      if (row[i] < 0) row[i] = computeSpans(e, i);
      return row[i];
    };
    const computeSpans = (e: GrammarExpr, i: number): number => {
      switch (e.kind) {
        case 'seq':
          return sequence(e.items, i, spans);
        case 'alt': {
          let out = 0;
          for (const item of e.items) out |= spans(item, i);
          return out;
        }
        case 'repeat':
          return repetition(e.item, e.min, e.max, i, n, spans);
        case 'rule':
          return table.get(e.name)![i];
        case 'lexeme':
          return regexSpans(lexemes.get(e.name)!, i);
        case 'text':
          return regexSpans(e.regex, i);
      }
    };
    for (let changed = true; changed; ) {
      changed = false;
      memo = new Map();
      for (const [name, body] of rules) {
        const row = table.get(name)!;
        for (let i = 0; i <= n; i++) {
          const found = row[i] | spans(body, i);
          if (found !== row[i]) {
            row[i] = found;
            changed = true;
          }
        }
      }
    }
    return (table.get(ir.start)![0] & (1 << n)) !== 0;
  };
}

function sequence<T>(items: readonly T[], i: number, spans: (item: T, i: number) => number): number {
  let current = 1 << i;
  for (const item of items) current = step(current, item, spans);
  return current;
}

/** Ends reachable by one more `item` from any position in `from`. */
function step<T>(from: number, item: T, spans: (item: T, i: number) => number): number {
  let out = 0;
  for (let k = 0; from >>> k !== 0; k++) if (from & (1 << k)) out |= spans(item, k);
  return out;
}

function repetition<T>(item: T, min: number, max: number, i: number, n: number, spans: (item: T, i: number) => number): number {
  // Positions after exactly c repetitions; past min + n + 1 repetitions nothing new can appear (all
  // but n of them would match the empty string and could be dropped).
  let out = min === 0 ? 1 << i : 0;
  let current = 1 << i;
  const limit = Math.min(max, min + n + 1);
  for (let c = 1; c <= limit && current !== 0; c++) {
    current = step(current, item, spans);
    if (c >= min) out |= current;
  }
  return out;
}
