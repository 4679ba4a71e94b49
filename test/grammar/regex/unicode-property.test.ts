import { describe, expect, it } from 'vitest';
import { unicodePropertySet } from '../../../src/grammar/regex/index.js';
import { int, rng } from './random-regex.js';

describe('Unicode property sets', () => {
  const properties = ['L', 'Lu', 'Letter', 'Nd', 'gc=Nd', 'General_Category=Punctuation', 'Script=Greek', 'sc=Cyrl', 'scx=Hira', 'Emoji', 'ASCII', 'Any', 'White_Space', 'Cs', 'Co', 'Cn'];
  for (const name of properties) {
    it(`\\p{${name}} agrees with RegExp on sampled code points`, () => {
      const set = unicodePropertySet(name)!;
      expect(set).toBeDefined();
      const re = new RegExp(`^\\p{${name}}$`, 'u');
      const r = rng(name.length * 31 + name.charCodeAt(0));
      const probes: number[] = [];
      for (const [lo, hi] of set.ranges()) probes.push(lo, hi, lo - 1, hi + 1);
      for (let i = 0; i < 2000; i++) probes.push(int(r, 0, 0x10ffff));
      const wrong = probes.filter(
        (cp) => cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) && set.has(cp) !== re.test(String.fromCodePoint(cp)),
      );
      expect(wrong).toEqual([]);
    });
  }

  it('is cached (same object) and rejects unknown names and injected syntax', () => {
    expect(unicodePropertySet('L')).toBe(unicodePropertySet('L'));
    expect(unicodePropertySet('Nope')).toBeUndefined();
    expect(unicodePropertySet('Script=Nope')).toBeUndefined();
    expect(unicodePropertySet('L}|\\p{Lu')).toBeUndefined();
    expect(unicodePropertySet('RGI_Emoji')).toBeUndefined();
  });
});
