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

  it('answers the same whichever state is asked first', () => {
    const fresh = patternComponent('[a-f]{40}x', { semantics: 'search' });
    const late = step(fresh, fresh.initial, 'abcdef');
    expect(fresh.neverDies(late)).toBe(true);
    expect(fresh.neverDies(fresh.initial)).toBe(true);
  });
});
