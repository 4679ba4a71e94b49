import { describe, expect, it } from 'vitest';
import { patternComponent } from '../../../src/grammar/jsonschema/pattern-component.js';

/**
 * StringComponent.neverDies says that no string-body character can kill a state, which lets masks
 * take the whole string-body slice and lets horizon classes skip body-only subtrees. Its exploration
 * covers every state the characters reach, however many, answering them all at once.
 */
describe('RegexComponent.neverDies', () => {
  const step = (c: ReturnType<typeof patternComponent>, state: number, text: string) => {
    for (const b of new TextEncoder().encode(text)) state = c.step(state, b);
    return state;
  };

  it('holds for every state of a long unanchored count', () => {
    // 163 states (runs of 0..161 characters, then found): more than one exploration used to allow.
    const c = patternComponent('[a-z0-9]{162}', { semantics: 'search' });
    expect(c.neverDies(c.initial)).toBe(true);
    for (const text of ['abc', 'a'.repeat(100), 'a'.repeat(170), 'ab cd', 'é']) expect(c.neverDies(step(c, c.initial, text)), text).toBe(true);
  });

  it('fails where some character kills a reachable state', () => {
    const anchored = patternComponent('^[a-z0-9]{162}$', { semantics: 'full' });
    expect(anchored.neverDies(anchored.initial)).toBe(false);
    // After a letter anything may follow; after a digit only digits.
    const mixed = patternComponent('^(?:[a-z][\\s\\S]*|[0-9]+)$', { semantics: 'full' });
    expect(mixed.neverDies(step(mixed, mixed.initial, 'a'))).toBe(true);
    expect(mixed.neverDies(mixed.initial)).toBe(false);
    expect(mixed.neverDies(step(mixed, mixed.initial, '1'))).toBe(false);
  });

  it('finds a death that only multi-byte characters reach', () => {
    // Every ASCII body character (DEL included) loops; any other character kills.
    const ascii = patternComponent('^[\\u0020-\\u007f]*$', { semantics: 'full' });
    expect(ascii.neverDies(ascii.initial)).toBe(false);
    expect(ascii.neverDies(step(ascii, ascii.initial, 'abc'))).toBe(false);
    const latin = patternComponent('^[\\u0020-\\u007fé]*$', { semantics: 'full' });
    expect(latin.neverDies(step(latin, latin.initial, 'é'))).toBe(false);
    // Every body character loops (escapes are not body characters).
    const notQuote = patternComponent('^[^"]*$', { semantics: 'full' });
    expect(notQuote.neverDies(notQuote.initial)).toBe(true);
  });

  it('marks false only the states that lead to the death found', () => {
    // From the start, `a` leads to a state that never dies, explored before the death after `b`.
    const mixed = patternComponent('^(?:a[\\s\\S]*|[^a]+)$', { semantics: 'full' });
    expect(mixed.neverDies(mixed.initial)).toBe(false);
    expect(mixed.neverDies(step(mixed, mixed.initial, 'a'))).toBe(true);
    expect(mixed.neverDies(step(mixed, mixed.initial, 'ab'))).toBe(true);
    expect(mixed.neverDies(step(mixed, mixed.initial, 'b'))).toBe(false);
  });

  it('says a word count may die, in every state and every order of asking', () => {
    // It dies past its last word only: each state's closure reaches that death.
    const pattern = '^(?:\\S+\\s+){0,3}\\S+$';
    const texts = ['', 'a', 'a ', 'a b', 'a b ', 'a b c', 'a b c ', 'a b c d', 'a\u00a0b', 'é b  c', 'a b c d '];
    const orders = [texts, [...texts].reverse(), texts.filter((_, i) => i % 2 === 1).concat(texts.filter((_, i) => i % 2 === 0))];
    for (const order of orders) {
      const c = patternComponent(pattern, { semantics: 'full' });
      let asked = 0;
      for (const text of order) {
        const state = step(c, c.initial, text);
        if (state < 0) continue; // past the last word: dead already
        expect(c.neverDies(state), JSON.stringify(text)).toBe(false);
        asked++;
      }
      expect(asked).toBe(texts.length - 1);
    }
    // A count with no end never dies once it has started a word.
    const open = patternComponent('(?:\\S+\\s+){0,3}\\S+', { semantics: 'search' });
    expect(open.neverDies(step(open, open.initial, 'a b'))).toBe(true);
  });

  it('answers the same whichever state is asked first', () => {
    const fresh = patternComponent('[a-f]{40}x', { semantics: 'search' });
    const late = step(fresh, fresh.initial, 'abcdef');
    expect(fresh.neverDies(late)).toBe(true);
    expect(fresh.neverDies(fresh.initial)).toBe(true);
  });
});
