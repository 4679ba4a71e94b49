import { expect } from 'vitest';
import { GrammarError } from '../../../src/errors.js';
import { compileGrammar } from '../../../src/grammar/cfg/index.js';

/** The GrammarError that compiling `source` throws (sourceName test.gbnf / test.lark); fails without one. */
export function grammarErrorOf(source: string, syntax: 'gbnf' | 'lark'): GrammarError {
  try {
    compileGrammar(source, { syntax, sourceName: `test.${syntax}` });
  } catch (e) {
    expect(e).toBeInstanceOf(GrammarError);
    return e as GrammarError;
  }
  throw new Error(`expected a GrammarError for ${JSON.stringify(source)}`);
}
