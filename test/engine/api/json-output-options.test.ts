import { describe, expect, it } from 'vitest';
import { ConstraintCache, resolveConstraint } from '../../../src/engine/generate/constraint.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';

/** The `json` options of generate() reach the JSON Schema compiler (one token per byte, so text = tokens). */
describe('generate() json output options', () => {
  const vocabulary = vocabularyFromBytes([new Uint8Array(0), ...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b))], { eosIds: [0] });
  const acceptsText = (numbers: 'bounded' | 'exact' | undefined, text: string): boolean => {
    const constraint = resolveConstraint({ schema: { type: 'integer' }, json: numbers === undefined ? {} : { numbers } }, vocabulary, new ConstraintCache());
    const automaton = constraint.automaton!;
    let state: unknown = automaton.initial;
    for (const byte of Buffer.from(text)) {
      const next = automaton.advance(state, 1 + byte);
      if (next === undefined) return false;
      state = next;
    }
    return automaton.accepts(state);
  };

  it("numbers: 'bounded' (the default) writes integers as plain digits; 'exact' admits every JSON spelling", () => {
    expect(acceptsText(undefined, '12')).toBe(true);
    expect(acceptsText(undefined, '1.0')).toBe(false);
    expect(acceptsText('bounded', '1e2')).toBe(false);
    expect(acceptsText('exact', '1.0')).toBe(true);
    expect(acceptsText('exact', '1e2')).toBe(true);
  });

  it('constraints compiled with different options are cached apart', () => {
    const cache = new ConstraintCache();
    const bounded = resolveConstraint({ schema: { type: 'integer' }, json: { numbers: 'bounded' } }, vocabulary, cache);
    const exact = resolveConstraint({ schema: { type: 'integer' }, json: { numbers: 'exact' } }, vocabulary, cache);
    expect(bounded.automaton).not.toBe(exact.automaton);
  });
});
