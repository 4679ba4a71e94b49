import { describe, expect, it } from 'vitest';
import { caseClosure, caseEquivalents, CodePointSet } from '../../../src/grammar/regex/index.js';
import { caseSensitiveCodePoints } from '../../../src/grammar/regex/case-folding.js';
import { allScalarValues } from '../../../src/grammar/regex/unicode-property.js';

describe('case folding (flags iu)', () => {
  it('no code point outside the table is case-equivalent to one inside (the table is complete)', () => {
    // A /[table]/giu scan over every scalar value finds exactly the table's members: any other code
    // point equivalent to a member would match too.
    const table = caseSensitiveCodePoints();
    let cls = '';
    for (const [lo, hi] of table.ranges()) cls += lo === hi ? `\\u{${lo.toString(16)}}` : `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`;
    const found = [...allScalarValues().matchAll(new RegExp(`[${cls}]`, 'giu'))].map((m) => m[0].codePointAt(0)!);
    expect(found.filter((cp) => !table.has(cp))).toEqual([]);
    expect(found.length).toBe(table.size);
    expect(table.size).toBeGreaterThan(2500);
  });

  it('each equivalence class is what RegExp /c/iu accepts', () => {
    const table = caseSensitiveCodePoints();
    const cps: number[] = [];
    for (const [lo, hi] of table.ranges()) for (let cp = lo; cp <= hi; cp += 7) cps.push(cp);
    const wrong: string[] = [];
    for (const cp of cps) {
      const eq = caseEquivalents(cp);
      const re = new RegExp(`^\\u{${cp.toString(16)}}$`, 'iu');
      for (const other of eq) if (!re.test(String.fromCodePoint(other))) wrong.push(`${cp} ~ ${other}`);
      if (!eq.includes(cp)) wrong.push(`${cp} missing`);
    }
    expect(wrong).toEqual([]);
  });

  it('known classes', () => {
    expect(caseEquivalents(0x6b)).toEqual([0x4b, 0x6b, 0x212a]); // k K KELVIN SIGN
    expect(caseEquivalents(0x73)).toEqual([0x53, 0x73, 0x17f]); // s S LONG S
    expect(caseEquivalents(0x3c3)).toEqual([0x3a3, 0x3c2, 0x3c3]); // Σ ς σ
    expect(caseEquivalents(0xdf)).toEqual([0xdf, 0x1e9e]); // ß ẞ
    expect(caseEquivalents(0x131)).toEqual([0x131]); // dotless i folds to nothing else in 'u' mode
    expect(caseEquivalents(0x10428)).toEqual([0x10400, 0x10428]); // Deseret
    expect(caseEquivalents(0x31)).toEqual([0x31]);
  });

  it('the ASCII shortcut equals the full table', () => {
    const wrong: number[] = [];
    for (let cp = 0; cp < 0x80; cp++) {
      const shortcut = caseClosure(CodePointSet.single(cp));
      // Adding a non-ASCII member forces the table path.
      const full = caseClosure(CodePointSet.fromCodePoints([cp, 0x4e2d])).subtract(CodePointSet.single(0x4e2d));
      if (!shortcut.equals(full)) wrong.push(cp);
    }
    expect(wrong).toEqual([]);
  });

  it('closure of large sets (complements) stays closed', () => {
    const notK = CodePointSet.single(0x6b).complement();
    expect(caseClosure(notK).equals(CodePointSet.all())).toBe(true);
    const closedK = caseClosure(CodePointSet.single(0x6b));
    expect(caseClosure(closedK.complement()).equals(closedK.complement())).toBe(true);
  });
});
