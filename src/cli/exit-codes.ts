import { AbortError, CompileError, GrammarError, InputError, LimitError, ModelLoadError, RegexError, type FormworkError } from '../errors.js';
import { IncompleteOutputError, NoValidOutputError } from '../engine/generate/output-errors.js';

/**
 * The exit statuses of `formwork`, the contract scripts rely on (also printed by `formwork --help`).
 * Each class of failure has its own status, so a script can retry a generation that ran out of
 * tokens without retrying a schema that never compiles.
 */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** Generation failed: out of tokens (IncompleteOutputError) or no valid output (NoValidOutputError). */
  generationFailed: 1,
  /** Usage: unknown command or flag, missing or malformed argument, unreadable input file (InputError). */
  usage: 2,
  /** The schema, grammar or regex cannot be compiled (CompileError, GrammarError, RegexError). */
  constraint: 3,
  /** The model directory is missing, incomplete or not loadable (ModelLoadError). */
  model: 4,
  /** A work limit was exceeded, e.g. a prompt longer than the model's context (LimitError). */
  limit: 5,
  /** An unexpected internal error (a bug: please report it). */
  internal: 70,
  /** Interrupted (Ctrl-C / SIGINT, AbortError). */
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `Exit status:
  0    success
  1    generation failed: ran out of tokens before the output was complete, or no valid output
  2    usage error: unknown command or flag, bad argument, unreadable input file
  3    the schema, grammar or regex cannot be compiled
  4    the model cannot be loaded
  5    a limit was exceeded (e.g. the prompt does not fit the model's context)
  70   internal error (a bug)
  130  interrupted`;

export function exitCodeOf(error: unknown): number {
  if (error instanceof IncompleteOutputError || error instanceof NoValidOutputError) return EXIT.generationFailed;
  if (error instanceof InputError) return EXIT.usage;
  if (error instanceof CompileError || error instanceof GrammarError || error instanceof RegexError) return EXIT.constraint;
  if (error instanceof ModelLoadError) return EXIT.model;
  if (error instanceof LimitError) return EXIT.limit;
  if (error instanceof AbortError) return EXIT.interrupted;
  return EXIT.internal;
}

/** The `error` member of a command's `--json` failure line: what a script needs to branch on. */
export function errorJson(error: FormworkError): { name: string; code: string; message: string; exitCode: number } {
  return { name: error.name, code: error.code, message: error.message, exitCode: exitCodeOf(error) };
}
