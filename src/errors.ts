/**
 * Every error formwork throws on purpose is a FormworkError: callers can branch on the class or on
 * `code`, and the message always names the input at fault (JSON pointer, grammar line:column, path).
 */
export class FormworkError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A JSON Schema (or other spec) that cannot be compiled; `pointer` is the JSON pointer of the culprit. */
export class CompileError extends FormworkError {
  readonly pointer: string;
  readonly keyword: string | undefined;

  constructor(message: string, details: { pointer: string; keyword?: string; cause?: unknown }) {
    super('COMPILE', `${message} (at ${details.pointer || '/'}${details.keyword ? `, keyword "${details.keyword}"` : ''})`, {
      cause: details.cause,
    });
    this.pointer = details.pointer;
    this.keyword = details.keyword;
  }
}

/** A grammar (GBNF, Lark, SQL) that is malformed or meaningless; line and column are 1-based. */
export class GrammarError extends FormworkError {
  readonly line: number;
  readonly column: number;
  readonly rule: string | undefined;
  readonly source: string | undefined;

  constructor(message: string, details: { line: number; column: number; rule?: string; source?: string }) {
    const where = `${details.source ? `${details.source}:` : ''}${details.line}:${details.column}`;
    super('GRAMMAR', `${where}: ${message}${details.rule ? ` (in rule "${details.rule}")` : ''}`);
    this.line = details.line;
    this.column = details.column;
    this.rule = details.rule;
    this.source = details.source;
  }
}

/** A regular expression that is malformed or uses a construct no finite automaton can match. */
export class RegexError extends FormworkError {
  readonly pattern: string;
  /** Offset (in UTF-16 code units, as JavaScript strings count) of the construct in `pattern`. */
  readonly position: number;
  readonly construct: string | undefined;

  constructor(message: string, details: { pattern: string; position: number; construct?: string }) {
    super('REGEX', `${message} at position ${details.position} of /${details.pattern}/`);
    this.pattern = details.pattern;
    this.position = details.position;
    this.construct = details.construct;
  }
}

/** A model directory, tokenizer or ONNX file that is missing or does not fit together. */
export class ModelLoadError extends FormworkError {
  readonly path: string;

  constructor(message: string, details: { path: string; cause?: unknown }) {
    super('MODEL_LOAD', `${details.path}: ${message}`, { cause: details.cause });
    this.path = details.path;
  }
}

/** Work stopped because the caller's AbortSignal fired. */
export class AbortError extends FormworkError {
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super('ABORTED', message, options);
  }
}

/** Throws AbortError when `signal` has fired; call it at every await point of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}

/** A work limit (fuel, size, depth, time) was exceeded; `limit` names which one. */
export class LimitError extends FormworkError {
  readonly limit: string;

  constructor(message: string, details: { limit: string }) {
    super('LIMIT', message);
    this.limit = details.limit;
  }
}

/** Input to an API or CLI call that is malformed (wrong type, unknown option, bad file). */
export class InputError extends FormworkError {
  readonly where: string | undefined;

  constructor(message: string, details: { where?: string } = {}) {
    super('INPUT', details.where ? `${details.where}: ${message}` : message);
    this.where = details.where;
  }
}
