import type { ByteClassId, ByteCursor, ByteMachine } from '../automaton/byte-machine.js';
import { caseClosure } from './case-folding.js';
import { DEFAULT_MAX_STATES } from './dfa-table.js';
import { compileNode } from './dfa-machine.js';
import { compileWithLookaround } from './lookaround.js';
import { exactLiveness } from './regex-intersection.js';
import { parseFlags, parseRegex, parseRegexSlice } from './regex-parser.js';
import { mapCharSets, type RegexNode } from './regex-node.js';
import type { RegexOptions } from './regex-options.js';

/** A compiled regex over UTF-8 bytes; states are small integers; DFA built lazily on demand. */
export interface RegexMachine extends ByteMachine<number> {
  /** The state after `byte`, or undefined when no continuation can match any more. */
  step(state: number, byte: number): number | undefined;
  /** States are hash-consed DFA states, so the state is its own mask key. */
  maskKey(state: number): number;
  cursor(state: number): ByteCursor;
  /** True when some continuation can still match (state not dead). */
  canContinue(state: number): boolean;
  /** True when the state accepts and no byte can follow (end of match is forced). */
  isFinalOnly(state: number): boolean;
  /** The bytes every match must continue with from `state` (empty when there is a choice). */
  forcedBytes(state: number): Uint8Array;
  /** The vocabulary slices `state` loops on (see ByteMachine.loopClasses). */
  loopClasses(state: number): readonly ByteClassId[];
}

/**
 * Compiles a pattern (ECMAScript syntax, see regex-parser.ts) or a RegexNode. For a RegexNode, flag
 * 'i' closes its sets under case folding; other flags only matter to the parser.
 *
 * Pattern text may also use what has no RegexNode form: word boundaries `\b` / `\B` (without flag
 * i) and lookahead at the edges (`^(?=...)(?!...)rest`, and a trailing `(?=...)` in 'search'
 * semantics; lookaround.ts). A machine never steps into a state without an accepting future, so
 * `step` returning a state means the input read so far can still be completed to a match.
 *
 * Throws RegexError for an unsupported or malformed pattern, LimitError when the NFA would exceed
 * its node budget (counted repetition too large); later, `step` throws LimitError (limit
 * 'maxStates') if the lazily built DFA outgrows `maxStates`.
 */
export function compileRegex(pattern: string | RegexNode, options: RegexOptions = {}): RegexMachine {
  const semantics = options.semantics ?? 'full';
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  let node: RegexNode;
  if (typeof pattern === 'string') {
    const withLookaround = compileWithLookaround(pattern, options);
    if (withLookaround !== undefined) return withLookaround;
    node = parseRegexSlice(pattern, 0, pattern.length, options, true);
  } else {
    node = regexNodeOf(pattern, options);
  }
  return exactLiveness(compileNode(node, semantics, maxStates), maxStates);
}

/** The RegexNode of a pattern string or node, with the options' flags applied. */
export function regexNodeOf(pattern: string | RegexNode, options: RegexOptions): RegexNode {
  if (typeof pattern === 'string') return parseRegex(pattern, options);
  const flags = parseFlags(options.flags, '');
  return flags.ignoreCase ? mapCharSets(pattern, caseClosure) : pattern;
}

/**
 * True when `machine` accepts the UTF-8 encoding of `text`. A lone surrogate has no UTF-8 encoding, so
 * a text containing one never matches.
 */
export function matches(machine: RegexMachine, text: string): boolean {
  let state: number | undefined = machine.initial;
  for (let i = 0; i < text.length && state !== undefined; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const trail = text.charCodeAt(i + 1);
      if (cp > 0xdbff || !(trail >= 0xdc00 && trail <= 0xdfff)) return false;
      cp = 0x10000 + ((cp - 0xd800) << 10) + (trail - 0xdc00);
      i++;
    }
    if (cp < 0x80) {
      state = machine.step(state, cp);
    } else if (cp < 0x800) {
      state = machine.step(state, 0xc0 | (cp >> 6));
      if (state !== undefined) state = machine.step(state, 0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      state = machine.step(state, 0xe0 | (cp >> 12));
      if (state !== undefined) state = machine.step(state, 0x80 | ((cp >> 6) & 0x3f));
      if (state !== undefined) state = machine.step(state, 0x80 | (cp & 0x3f));
    } else {
      state = machine.step(state, 0xf0 | (cp >> 18));
      if (state !== undefined) state = machine.step(state, 0x80 | ((cp >> 12) & 0x3f));
      if (state !== undefined) state = machine.step(state, 0x80 | ((cp >> 6) & 0x3f));
      if (state !== undefined) state = machine.step(state, 0x80 | (cp & 0x3f));
    }
  }
  return state !== undefined && machine.accepts(state);
}

