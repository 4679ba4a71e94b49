import { AbortError, CompileError, FormworkError, GrammarError, InputError, LimitError, ModelLoadError, RegexError } from '../../errors.js';
import { IncompleteOutputError, NoValidOutputError } from '../generate/output-errors.js';

/**
 * An error with the HTTP status the service answers it with. Thrown by the request layer (bad JSON,
 * unknown route, body too large, busy); every other error is mapped by `errorResponse`.
 */
export class HttpError extends FormworkError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message);
  }
}

export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: { readonly code: string; readonly message: string; readonly limit?: string }; readonly [key: string]: unknown };
}

/**
 * The answer to a failed request. Client mistakes are 4xx with formwork's message (which names the
 * field or file at fault): 400 malformed input, 404 unknown database, 413 too large, 422 a constraint
 * that does not compile or an output the constraint could not complete (with the partial text), 504
 * the time limit; 503 while shutting down or overloaded; anything unexpected is 500 without details
 * (the service logs them).
 */
export function errorResponse(error: unknown): ErrorResponse {
  if (error instanceof HttpError) return response(error.status, error.code, error.message, {}, error.headers);
  if (error instanceof IncompleteOutputError || error instanceof NoValidOutputError) {
    return response(422, error.code, error.message, { text: error.text, usage: error.usage });
  }
  if (error instanceof InputError) return response(400, error.code, error.message);
  if (error instanceof CompileError || error instanceof GrammarError || error instanceof RegexError) return response(422, error.code, error.message);
  if (error instanceof LimitError) {
    const status = error.limit === 'timeoutMs' ? 504 : error.limit === 'maxBodyBytes' ? 413 : 422;
    return response(status, error.code, error.message, { limit: error.limit });
  }
  if (error instanceof AbortError) return response(504, error.code, error.message);
  if (error instanceof ModelLoadError) return response(500, error.code, 'the model could not be used (see the service log)');
  if (error instanceof FormworkError) return response(500, error.code, error.message);
  return response(500, 'INTERNAL', 'internal error (see the service log)');
}

function response(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Readonly<Record<string, string>> = {},
): ErrorResponse {
  const { limit, ...rest } = extra as { limit?: string };
  return { status, headers, body: { error: { code, message, ...(limit !== undefined ? { limit } : {}) }, ...rest } };
}
