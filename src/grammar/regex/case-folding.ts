import { CodePointSet } from './code-point-set.js';
import { scanScalarValues } from './unicode-property.js';

/**
 * Case-insensitive matching as ECMAScript does it with flags 'iu': two code points match when their
 * Unicode simple case foldings are equal (Canonicalize, ECMA-262 §22.2.2.7.3). A chars set under 'i'
 * becomes its closure under that equivalence.
 *
 * The equivalence classes come from the running engine itself, so they agree with RegExp exactly:
 * the candidates are the code points that change under case folding or case mapping (every member of
 * a non-trivial class does; test/grammar/regex checks that no other code point is equivalent to one),
 * and each class is what `/c/giu` finds among the candidates. Built once, on first use (~70 ms).
 */

interface CaseTable {
  /** Non-trivial equivalence classes (two or more members), each sorted. */
  readonly classes: readonly Int32Array[];
  readonly candidates: CodePointSet;
}

let table: CaseTable | undefined;

function caseTable(): CaseTable {
  if (table !== undefined) return table;
  const candidates = scanScalarValues(/[\p{Changes_When_Casefolded}\p{Changes_When_Casemapped}]+/gu);
  const cps: number[] = [];
  for (const [lo, hi] of candidates.ranges()) for (let cp = lo; cp <= hi; cp++) cps.push(cp);
  const text = String.fromCodePoint(...cps);
  const assigned = new Set<number>();
  const classes: Int32Array[] = [];
  for (const cp of cps) {
    if (assigned.has(cp)) continue;
    const members: number[] = [];
    const regex = new RegExp(`\\u{${cp.toString(16)}}`, 'giu');
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) members.push(m[0].codePointAt(0)!);
    for (const member of members) assigned.add(member);
    if (members.length > 1) classes.push(Int32Array.from(members).sort());
  }
  table = { classes, candidates };
  return table;
}

/** The only code points outside ASCII whose simple case folding is an ASCII letter: ſ (s) and K (k). */
const LONG_S = 0x17f;
const KELVIN = 0x212a;

/** The code points that match `set` case-insensitively (closure under simple case folding). */
export function caseClosure(set: CodePointSet): CodePointSet {
  if (set.isEmpty()) return set;
  // ASCII-only sets (SQL keywords, Lark "select"i) skip building the table; the test suite checks
  // this shortcut against the full table.
  if (set.hi(set.rangeCount - 1) < 0x80) return asciiCaseClosure(set);
  const { classes, candidates } = caseTable();
  const relevant = set.intersect(candidates);
  if (relevant.isEmpty()) return set;
  const added: number[] = [];
  for (const members of classes) {
    let inSet = 0;
    for (let i = 0; i < members.length; i++) if (relevant.has(members[i])) inSet++;
    if (inSet === 0 || inSet === members.length) continue;
    for (let i = 0; i < members.length; i++) if (!relevant.has(members[i])) added.push(members[i]);
  }
  return added.length === 0 ? set : set.union(CodePointSet.fromCodePoints(added));
}

function asciiCaseClosure(set: CodePointSet): CodePointSet {
  const added: number[] = [];
  for (const [lo, hi] of set.ranges()) {
    for (let cp = lo; cp <= hi; cp++) {
      if (cp >= 0x41 && cp <= 0x5a) added.push(cp + 0x20);
      else if (cp >= 0x61 && cp <= 0x7a) added.push(cp - 0x20);
      else continue;
      if (cp === 0x53 || cp === 0x73) added.push(LONG_S);
      if (cp === 0x4b || cp === 0x6b) added.push(KELVIN);
    }
  }
  return added.length === 0 ? set : set.union(CodePointSet.fromCodePoints(added));
}

/** The code points equivalent to `codePoint` under simple case folding (itself included), sorted. */
export function caseEquivalents(codePoint: number): number[] {
  return [...caseClosure(CodePointSet.single(codePoint)).ranges()].flatMap(([lo, hi]) =>
    Array.from({ length: hi - lo + 1 }, (_, i) => lo + i),
  );
}

/** Every code point that has a case equivalent other than itself (for tests and diagnostics). */
export function caseSensitiveCodePoints(): CodePointSet {
  const { classes } = caseTable();
  const cps: number[] = [];
  for (const members of classes) cps.push(...members);
  return CodePointSet.fromCodePoints(cps);
}
