/**
 * JSON Schema (draft 2020-12, draft-07) compiled to a byte machine that accepts exactly the valid
 * documents: every keyword is enforced by the token masks, checked when the value it governs
 * completes, or refused at compile time (strict mode) with its JSON pointer.
 */
import { CompileError, InputError, LimitError } from '../../errors.js';
import type { ByteMachine } from '../automaton/byte-machine.js';
import { createTokenAutomaton, type TokenAutomatonOptions, type TrieTokenAutomaton, type Final } from '../automaton/trie-token-automaton.js';
import type { Vocabulary } from '../vocab/vocabulary.js';
import { MUST, LinkTable } from './child-link.js';
import { GoalTable, TY_ARRAY, TY_BOOLEAN, TY_NULL, TY_NUMBER, TY_OBJECT, TY_STRING } from './goal.js';
import { validateAgainstMetaSchema } from './meta-schema.js';
import type { NumberForm } from './number-shape.js';
import { referenceValidator, type ReferenceValidator } from './reference-validator.js';
import { DEFAULT_LIMITS, SchemaCompiler, type CompilerLimits, type CoverageEntry } from './schema-compiler.js';
import { SchemaMachine, type SchemaState } from './schema-machine.js';
import { draftOfMetaSchema, isObject, SchemaRegistry, type Draft } from './schema-resources.js';

export type { CoverageEntry, Enforcement } from './schema-compiler.js';
export type { SchemaState } from './schema-machine.js';
export type { Draft } from './schema-resources.js';
export type { NumberForm } from './number-shape.js';

export interface JsonSchemaLimits extends CompilerLimits {
  /** Deepest nesting of a document the machine accepts. Default 512. */
  readonly maxDepth: number;
}

export interface JsonSchemaOptions {
  /** Dialect when the schema has no `$schema`; default '2020-12'. */
  draft?: Draft;
  /** Default true: anything the compiler cannot enforce exactly is a CompileError. */
  strict?: boolean;
  /** 'any' (default): properties in any order. 'schema': named properties in the schema's order. */
  propertyOrder?: 'any' | 'schema';
  /** 'flexible' (default): JSON whitespace between tokens. 'compact': none at all. */
  whitespace?: 'flexible' | 'compact';
  /** Longest run of whitespace bytes between two tokens (default 64; Infinity for no bound). */
  maxWhitespaceRun?: number;
  /**
   * Which number texts the machine admits. 'bounded' (default): integers of `type: integer` in plain
   * form `-?(0|[1-9][0-9]*)`, at most 19 integer digits, 24 fraction digits and a 3-digit exponent with
   * a finite value (number-shape.ts). 'exact': every JSON number text the keywords allow (up to a
   * 6-digit exponent), for conformance harnesses that force texts like `1.0` for an integer.
   */
  numbers?: NumberForm;
  /** Schemas for remote `$ref`s, by absolute URI. Nothing is ever fetched. */
  remotes?: Record<string, unknown>;
  limits?: Partial<JsonSchemaLimits>;
  /**
   * Default false: a schema no document can satisfy is a CompileError. True compiles it to a machine
   * that accepts nothing (conformance harnesses count its rejections).
   */
  allowEmpty?: boolean;
  /**
   * Default true: every complete document is also validated by the reference validator (ajv) before
   * the machine accepts it.
   */
  finalValidation?: boolean;
}

export interface CompiledJsonSchema {
  readonly machine: ByteMachine<SchemaState>;
  readonly draft: Draft;
  /** How every keyword of the schema is enforced, by JSON pointer. */
  readonly coverage: readonly CoverageEntry[];
  /** What lenient mode ignored, and other notes (dialect fallbacks). */
  readonly warnings: readonly string[];
  /** The exact validator: the reference validator (ajv with formats) AND the machine's own semantics. */
  validate(value: unknown): boolean;
  /** Whether ajv could compile this schema for the final validation (compiles it on first call). */
  referenceAvailable(): boolean;
}

const DEFAULT_MAX_WS = 64;

/** Compiles a JSON Schema (object or boolean) into a byte machine. Throws CompileError / LimitError. */
export function compileJsonSchema(schema: unknown, options: JsonSchemaOptions = {}): CompiledJsonSchema {
  if (!(typeof schema === 'boolean' || isObject(schema))) {
    throw new CompileError(`a JSON Schema must be an object or a boolean, got ${Array.isArray(schema) ? 'an array' : typeof schema}`, { pointer: '' });
  }
  const limits: JsonSchemaLimits = { ...DEFAULT_LIMITS, maxDepth: 512, ...options.limits };
  // Recursive algorithms below (meta-schema validation, registry, compiler) stay far from the stack
  // limit only for documents of bounded depth: measure first, iteratively.
  const depth = jsonDepth(schema, limits.maxSchemaDepth + 1);
  if (depth > limits.maxSchemaDepth) {
    throw new LimitError(`the schema document is nested deeper than ${limits.maxSchemaDepth} levels (limits.maxSchemaDepth)`, { limit: 'maxSchemaDepth' });
  }
  try {
    return compile(schema, options, limits);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new LimitError(`compiling this schema exceeded the call stack (${error.message}); simplify it or lower its nesting`, { limit: 'stack' });
    }
    throw error;
  }
}

/** Nesting depth of a JSON value, counted iteratively, stopping at `cap`. */
function jsonDepth(value: unknown, cap: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max >= cap) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

function compile(schema: unknown, options: JsonSchemaOptions, limits: JsonSchemaLimits): CompiledJsonSchema {
  const strict = options.strict ?? true;
  const warnings: string[] = [];
  const whitespace = options.whitespace ?? 'flexible';
  if (whitespace !== 'flexible' && whitespace !== 'compact') throw new InputError(`whitespace must be 'flexible' or 'compact'`, { where: 'compileJsonSchema' });
  const maxWhitespaceRun = whitespace === 'compact' ? 0 : (options.maxWhitespaceRun ?? DEFAULT_MAX_WS);
  if (!(maxWhitespaceRun >= 0)) throw new InputError(`maxWhitespaceRun must be >= 0`, { where: 'compileJsonSchema' });

  // Dialect: $schema, else the option, else 2020-12; a document without $schema that is only valid
  // as draft-07 (e.g. `items` arrays) is read as draft-07 unless the caller chose the dialect.
  const declared = isObject(schema) ? schema.$schema : undefined;
  let draft: Draft = draftOfMetaSchema(declared) ?? options.draft ?? '2020-12';
  if (declared !== undefined && draftOfMetaSchema(declared) === undefined) {
    warnings.push(`unknown $schema ${JSON.stringify(declared)}: read as draft ${draft}`);
  }
  let metaErrors = validateAgainstMetaSchema(schema, draft);
  if (metaErrors !== undefined && declared === undefined && options.draft === undefined) {
    if (validateAgainstMetaSchema(schema, '7') === undefined) {
      warnings.push('not a valid draft 2020-12 schema but a valid draft-07 one: read as draft-07');
      draft = '7';
      metaErrors = undefined;
    }
  }
  if (metaErrors !== undefined) {
    if (strict) throw new CompileError(`invalid schema (draft ${draft} meta-schema): ${metaErrors.message}`, { pointer: metaErrors.pointer, keyword: metaErrors.keyword });
    warnings.push(`invalid schema (draft ${draft} meta-schema) at ${metaErrors.pointer || '/'}: ${metaErrors.message}`);
  }

  const registry = new SchemaRegistry(schema, draft, options.remotes);
  let reference: ReferenceValidator | undefined;
  const ref = () => (reference ??= referenceValidator(schema, draft, options.remotes));
  const numbers = options.numbers ?? 'bounded';
  if (numbers !== 'bounded' && numbers !== 'exact') throw new InputError(`numbers must be 'bounded' or 'exact'`, { where: 'compileJsonSchema' });
  const compiler = new SchemaCompiler(registry, { strict, limits, boundedNumbers: numbers === 'bounded' });
  const root = compiler.compileRoot();
  warnings.push(...compiler.warnings);

  const goals = new GoalTable(registry.usesUnevaluated);
  const links = new LinkTable(goals);
  const rootLink = links.link('root', () => [{ owner: -1, kind: MUST, nodes: [root] }]);
  if (!options.allowEmpty) {
    const types = [TY_NULL, TY_BOOLEAN, TY_NUMBER, TY_STRING, TY_ARRAY, TY_OBJECT];
    if (types.every((ty) => rootLink.goal.failingFor(ty).length > 0)) {
      throw new CompileError('the schema accepts no value at all (empty language)', { pointer: '' });
    }
  }
  const finalValidation = options.finalValidation ?? true;
  const machine = new SchemaMachine(rootLink, links, {
    maxWhitespaceRun,
    propertyOrder: options.propertyOrder ?? 'any',
    maxDepth: limits.maxDepth,
    numbers,
    validateDocument: finalValidation ? (value) => finalCheck(ref(), value) : undefined,
  });
  return {
    machine,
    draft,
    coverage: compiler.coverage,
    warnings,
    validate(value: unknown): boolean {
      const text = JSON.stringify(value);
      if (text === undefined) return false;
      let s: SchemaState | undefined = machine.initial;
      const bytes = Buffer.from(text, 'utf8');
      for (let i = 0; i < bytes.length && s !== undefined; i++) s = machine.step(s, bytes[i]);
      return s !== undefined && machine.accepts(s);
    },
    referenceAvailable: () => ref().available(),
  };
}

/**
 * The final validation: ajv's verdict when it has one. When ajv cannot compile the schema, or throws
 * while validating (its $dynamicRef support can recurse without end), it has no verdict and the
 * machine's own semantics decide alone.
 */
function finalCheck(ref: ReferenceValidator, value: unknown): boolean {
  if (!ref.available()) return true;
  try {
    return ref.validate(value);
  } catch {
    return true;
  }
}

export interface JsonSchemaAutomatonOptions extends JsonSchemaOptions, TokenAutomatonOptions {}

/** The token automaton of a schema over a vocabulary (masks, advance, EOS). */
export function jsonSchemaAutomaton(
  schema: unknown,
  vocabulary: Vocabulary,
  options: JsonSchemaAutomatonOptions = {},
): TrieTokenAutomaton<SchemaState> {
  const compiled = isCompiled(schema) ? schema : compileJsonSchema(schema, options);
  const machine = compiled.machine as SchemaMachine;
  machine.serveVocabulary(vocabulary.trie.maxDepth, numberTokens(vocabulary), closesKeyAfterComma(vocabulary), vocabulary.trie);
  // The reference validator compiles on first use, and its first use is the EOS bit of the first
  // complete document: measured 100-350 ms inside one mask on MaskBench schemas (the bulk of the
  // p99.9 mask time). An automaton serves documents, so that compile belongs to its construction.
  if (machine.validatesDocuments) compiled.referenceAvailable();
  return createTokenAutomaton(machine, vocabulary, options);
}

const numberTokenStats = new WeakMap<Vocabulary, { maxDigitRun: number; longExponent: boolean }>();

/** The longest run of digits in any token, and whether a token holds a 3-digit exponent (`e+100`). */
function numberTokens(vocabulary: Vocabulary): { maxDigitRun: number; longExponent: boolean } {
  let stats = numberTokenStats.get(vocabulary);
  if (stats === undefined) {
    let maxDigitRun = 0;
    let longExponent = false;
    for (let id = 0; id < vocabulary.tokenCount; id++) {
      const bytes = vocabulary.tokenBytes(id);
      let run = 0;
      let afterE = -1; // digits since an e/E (and optional sign), -1 when none
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if (b >= 0x30 && b <= 0x39) {
          run++;
          if (run > maxDigitRun) maxDigitRun = run;
          if (afterE >= 0 && ++afterE >= 3) longExponent = true;
        } else {
          run = 0;
          afterE = b === 0x65 || b === 0x45 ? 0 : (b === 0x2b || b === 0x2d) && afterE === 0 ? 0 : -1;
        }
      }
    }
    stats = { maxDigitRun, longExponent };
    numberTokenStats.set(vocabulary, stats);
  }
  return stats;
}

const keyClosingTokens = new WeakMap<Vocabulary, boolean>();

/**
 * Whether some token can hold a whole key after a comma (`,"id":`, `, "id"`): a comma, whitespace, a
 * quoted body (escapes skipped), then only whitespace up to a colon or the token's end. Without such
 * tokens no mask sees past the next key of an object, which lets the machine's mask keys leave out
 * the keys already written (SchemaMachine.serveVocabulary). Llama-3 has none (`","","` goes on with a
 * comma after its empty key).
 */
function closesKeyAfterComma(vocabulary: Vocabulary): boolean {
  let found = keyClosingTokens.get(vocabulary);
  if (found === undefined) {
    found = false;
    for (let id = 0; id < vocabulary.tokenCount && !found; id++) found = holdsKeyAfterComma(vocabulary.tokenBytes(id));
    keyClosingTokens.set(vocabulary, found);
  }
  return found;
}

function holdsKeyAfterComma(bytes: Uint8Array): boolean {
  const ws = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x2c) continue;
    let j = i + 1;
    while (j < bytes.length && ws(bytes[j])) j++;
    if (j >= bytes.length || bytes[j] !== 0x22) continue;
    for (j++; j < bytes.length && bytes[j] !== 0x22; j++) if (bytes[j] === 0x5c) j++;
    if (j >= bytes.length) continue;
    for (j++; j < bytes.length && ws(bytes[j]); j++);
    if (j === bytes.length || bytes[j] === 0x3a) return true;
  }
  return false;
}

function isCompiled(v: unknown): v is CompiledJsonSchema {
  return isObject(v) && v.machine instanceof SchemaMachine;
}

export type { Final };
