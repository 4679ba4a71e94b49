import { FormworkError } from '../../errors.js';
import type { GenerateUsage } from './generate-result.js';

/**
 * Generation ran out of tokens (maxTokens, or the model's context) before the constraint was
 * complete: the text is a prefix of a valid output, never a valid output itself. Carries what was
 * generated and what it cost, like the AI SDK's NoObjectGeneratedError.
 */
export class IncompleteOutputError extends FormworkError {
  readonly text: string;
  readonly tokens: readonly number[];
  readonly usage: GenerateUsage;

  constructor(details: { text: string; tokens: readonly number[]; usage: GenerateUsage; maxTokens: number }) {
    super(
      'INCOMPLETE_OUTPUT',
      `generation stopped after ${details.tokens.length} tokens (maxTokens ${details.maxTokens} or the model's context) ` +
        `before the output was complete; raise maxTokens. Partial text: ${preview(details.text)}`,
    );
    this.text = details.text;
    this.tokens = details.tokens;
    this.usage = details.usage;
  }
}

/**
 * No output satisfies the constraint: every particle died (a dead end the masks could not see, e.g.
 * a semantic check that fails when a value completes), or the final validation refused the value.
 * `reason` says which; `text` is the best attempt (may be empty).
 */
export class NoValidOutputError extends FormworkError {
  readonly reason: 'dead' | 'invalid';
  readonly text: string;
  readonly tokens: readonly number[];
  readonly usage: GenerateUsage;
  /** For `invalid`: the validator's messages (ajv's instancePath + message, or zod's issues). */
  readonly errors: readonly string[];

  constructor(details: {
    reason: 'dead' | 'invalid';
    text: string;
    tokens: readonly number[];
    usage: GenerateUsage;
    errors?: readonly string[];
    cause?: unknown;
  }) {
    const why =
      details.reason === 'dead'
        ? 'every sampled continuation was refused by the constraint (all particles died)'
        : `the output failed validation (${(details.errors ?? []).join('; ') || 'no details'})`;
    super('NO_VALID_OUTPUT', `no valid output: ${why}. Text so far: ${preview(details.text)}`, { cause: details.cause });
    this.reason = details.reason;
    this.text = details.text;
    this.tokens = details.tokens;
    this.usage = details.usage;
    this.errors = details.errors ?? [];
  }
}

function preview(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);
}
