import { RegexError } from '../../errors.js';
import { compileRegex, parseRegex, type RegexMachine, type RegexNode } from '../regex/index.js';
import { RegexComponent } from './string-component.js';

/**
 * Components for ECMAScript patterns, shared by every schema of the process: a pattern is parsed once
 * (so a bad pattern fails at compile time) and its DFA is built lazily on first use, then reused by
 * every schema that names the same pattern. Measured: building a pattern's automaton costs ~0.7 ms,
 * parsing a small fraction of it, and most patterns of a schema are never reached by a document.
 */
const cache = new Map<string, RegexComponent>();
const CACHE_LIMIT = 4096;

export interface PatternOptions {
  /** 'search' for JSON Schema `pattern` (RegExp.test), 'full' for formats. */
  readonly semantics: 'search' | 'full';
  readonly flags?: string;
}

/**
 * The component of `pattern`. JSON Schema patterns are ECMA-262 regexes in Unicode mode (as ajv compiles
 * them); a pattern that is only valid without the `u` flag (`\_`, `\-` outside a class: common in
 * real-world schemas) is read in non-Unicode syntax, still matching code points. The pattern TEXT is
 * compiled (compileRegex), so what the regex module supports beyond RegexNode (lookahead at the edges,
 * `\b`) is enforced by masks too. The syntax is checked now (a bad pattern fails at compile time); the
 * automaton is built on first use, except for those text-only constructs, which compile eagerly to learn
 * whether they are supported. Throws RegexError when no reading works.
 */
export function patternComponent(pattern: string, options: PatternOptions): RegexComponent {
  const flags = options.flags ?? '';
  const key = `${options.semantics}/${flags}/${pattern}`;
  let component = cache.get(key);
  if (component !== undefined) return component;
  const semantics = options.semantics;
  let build: () => RegexMachine;
  const readings = [flags + 'u', flags];
  const chosen = readings.find((f) => parses(pattern, f, semantics));
  if (chosen !== undefined) {
    build = () => compileRegex(pattern, { flags: chosen, semantics });
  } else {
    let machine: RegexMachine | undefined;
    let first: unknown;
    for (const f of readings) {
      try {
        machine = compileRegex(pattern, { flags: f, semantics });
        break;
      } catch (error) {
        if (!(error instanceof RegexError)) throw error;
        first ??= error;
      }
    }
    if (machine === undefined) throw first;
    const built = machine;
    build = () => built;
  }
  component = new RegexComponent(`/${pattern}/`, build);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, component);
  return component;
}

/** True when `pattern` parses as a plain RegexNode under `flags` (false on RegexError). */
function parses(pattern: string, flags: string, semantics: 'search' | 'full'): boolean {
  try {
    parseRegex(pattern, { flags, semantics });
    return true;
  } catch (error) {
    if (error instanceof RegexError) return false;
    throw error;
  }
}

/** A component from a RegexNode built in code (formats), cached under `name`. */
export function nodeComponent(name: string, build: () => RegexNode, flags = ''): RegexComponent {
  const key = `node/${name}`;
  let component = cache.get(key);
  if (component === undefined) {
    component = new RegexComponent(name, () => compileRegex(build(), { semantics: 'full', flags }));
    cache.set(key, component);
  }
  return component;
}
