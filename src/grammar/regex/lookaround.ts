import { CodePointSet } from './code-point-set.js';
import { DEFAULT_MAX_STATES } from './dfa-table.js';
import { compileNode } from './dfa-machine.js';
import { complementRegex, intersectRegex } from './regex-intersection.js';
import type { RegexMachine } from './regex-machine.js';
import { concatNode, repeatNode, type RegexNode } from './regex-node.js';
import type { RegexOptions } from './regex-options.js';
import { parseRegexSlice } from './regex-parser.js';

/**
 * Lookahead at the edges of a pattern, the forms real schemas use: rules checked from the start
 * (`^(?=.*\d)(?=.*[a-z]).{8,}$`, `^(?!default$).*`) and a trailing condition in search semantics
 * (`[^/]+(?=\.json)`). Lookahead in general makes the language depend on two overlapping readings of
 * the text, but at these positions it is plain automaton algebra:
 *
 * - `^(?=B)R`: the text starts with B and matches ^R, so ^R AND (B, then anything); `(?!B)` takes the
 *   complement of (B, then anything). In 'full' semantics the leading `^` is implied.
 * - `A(?=B)` at the very end, in 'search' semantics: some match of A is followed by B, then anything
 *   may follow, which is exactly a search for AB.
 *
 * Other positions (inside groups or repetitions, after alternation, a trailing negative lookahead)
 * are left to the parser, which reports them with RegexError. Returns undefined when the pattern
 * has no lookahead of these forms.
 */
export function compileWithLookaround(pattern: string, options: RegexOptions): RegexMachine | undefined {
  if (!pattern.includes('(?=') && !pattern.includes('(?!')) return undefined;
  const semantics = options.semantics ?? 'full';
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const shape = topLevelShape(pattern);
  if (shape === undefined || shape.alternation) return undefined;

  let pos = 0;
  const anchored = pattern[0] === '^';
  if (anchored) pos = 1;
  const conditions: { start: number; end: number; negative: boolean }[] = [];
  if (anchored || semantics === 'full') {
    for (const g of shape.groups) {
      if (g.start !== pos || !(g.kind === '(?=' || g.kind === '(?!')) break;
      if (isQuantifier(pattern, g.end + 1)) return undefined;
      conditions.push({ start: g.start + 3, end: g.end, negative: g.kind === '(?!' });
      pos = g.end + 1;
    }
  }
  let restEnd = pattern.length;
  let trailing: { start: number; end: number } | undefined;
  const last = shape.groups[shape.groups.length - 1];
  if (semantics === 'search' && last !== undefined && last.kind === '(?=' && last.end === pattern.length - 1 && last.start >= pos) {
    trailing = { start: last.start + 3, end: last.end };
    restEnd = last.start;
  }
  if (conditions.length === 0 && trailing === undefined) return undefined;

  const parse = (start: number, end: number): RegexNode => parseRegexSlice(pattern, start, end, options, true);
  const main = concatNode([
    ...(anchored ? [{ kind: 'anchor', which: 'start' } as RegexNode] : []),
    parse(pos, restEnd),
    ...(trailing ? [parse(trailing.start, trailing.end)] : []),
  ]);
  const machines: RegexMachine[] = [compileNode(main, semantics, maxStates)];
  const anything = repeatNode({ kind: 'chars', set: CodePointSet.all() }, 0, Infinity);
  for (const c of conditions) {
    const prefix = compileNode(concatNode([parse(c.start, c.end), anything]), 'full', maxStates);
    machines.push(c.negative ? complementRegex(prefix, { maxStates }) : prefix);
  }
  return intersectRegex(machines, { maxStates });
}

function isQuantifier(pattern: string, at: number): boolean {
  const c = pattern[at];
  return c === '*' || c === '+' || c === '?' || c === '{';
}

interface TopLevelGroup {
  /** Index of `(`. */
  start: number;
  /** Index of the matching `)`. */
  end: number;
  /** `(?=`, `(?!`, or `(` for any other group. */
  kind: '(?=' | '(?!' | '(';
}

/**
 * The top-level groups of a pattern and whether it has a top-level `|`; undefined when parentheses
 * do not balance (the parser then reports the error).
 */
function topLevelShape(pattern: string): { groups: TopLevelGroup[]; alternation: boolean } | undefined {
  const groups: TopLevelGroup[] = [];
  let alternation = false;
  let depth = 0;
  let groupStart = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      // Skip the class; `]` right after `[` or `[^` closes an empty class in ECMAScript.
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
    } else if (c === '(') {
      if (depth === 0) groupStart = i;
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) {
        const head = pattern.slice(groupStart, groupStart + 3);
        groups.push({ start: groupStart, end: i, kind: head === '(?=' || head === '(?!' ? head : '(' });
      }
    } else if (c === '|' && depth === 0) {
      alternation = true;
    }
  }
  return depth === 0 ? { groups, alternation } : undefined;
}
