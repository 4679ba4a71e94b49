import type { Vocabulary } from '../../grammar/vocab/vocabulary.js';
import type { Potential } from './potential.js';

/**
 * Potentials over the decoded text of a token sequence: a user predicate (e.g. an ajv check of the
 * completed JSON value) or a user score (a critic). The state is an immutable chain of token byte
 * chunks; the text is decoded only when a function needs it, at most once per state.
 *
 * A prefix function sees only complete UTF-8 characters (a token may end inside one); a complete
 * function sees the whole text, invalid bytes as U+FFFD. Special tokens contribute no text.
 */
export class TextState {
  private cachedPrefix: string | undefined;
  private cachedComplete: string | undefined;

  private constructor(
    readonly parent: TextState | undefined,
    readonly chunk: Uint8Array,
    /** Bytes in the whole chain. */
    readonly byteLength: number,
    /** log weight of this prefix, computed when the state is made (prefix functions run once per token). */
    readonly logw: number,
  ) {}

  static readonly EMPTY = new TextState(undefined, new Uint8Array(0), 0, 0);

  static extend(parent: TextState, chunk: Uint8Array, logwOf: ((state: TextState) => number) | undefined): TextState {
    if (parent.logw === -Infinity) return parent;
    const state = new TextState(parent, chunk, parent.byteLength + chunk.length, 0);
    if (logwOf === undefined) return state;
    const logw = logwOf(state);
    return logw === 0 ? state : new TextState(parent, chunk, state.byteLength, logw);
  }

  /** All bytes of the chain. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    out.set(this.chunk, this.byteLength - this.chunk.length);
    for (let s = this.parent; s !== undefined; s = s.parent) out.set(s.chunk, s.byteLength - s.chunk.length);
    return out;
  }

  /** The text up to the last complete UTF-8 character. */
  prefixText(): string {
    if (this.cachedPrefix === undefined) {
      const bytes = this.bytes();
      this.cachedPrefix = decoder.decode(bytes.subarray(0, completeUtf8Length(bytes)));
    }
    return this.cachedPrefix;
  }

  /** The whole text (a dangling partial character decodes as U+FFFD). */
  text(): string {
    return (this.cachedComplete ??= decoder.decode(this.bytes()));
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 character. */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  // Look back over at most 3 continuation bytes for the lead byte of the last character.
  for (let back = 1; back <= Math.min(4, n); back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

export interface TextPotentialOptions {
  /** The vocabulary whose token bytes make the text. */
  readonly vocabulary: Vocabulary;
  /** The decoder's EOS id (default: the vocabulary's first EOS id). */
  readonly eosId?: number;
}

class TextPotential implements Potential<TextState> {
  readonly initial = TextState.EMPTY;
  readonly vocabSize: number;
  readonly eosId: number;
  private readonly prefixLogw: ((state: TextState) => number) | undefined;
  /** The last completed state and its weight: a sampler checks EOS, then scores the same state. */
  private lastComplete: TextState | undefined;
  private lastCompleteLogw = 0;

  constructor(
    readonly kind: 'boolean' | 'weighted',
    private readonly vocabulary: Vocabulary,
    eosId: number | undefined,
    prefix: ((text: string) => number) | undefined,
    private readonly completeLogw: (text: string) => number,
  ) {
    this.vocabSize = vocabulary.size;
    this.eosId = eosId ?? vocabulary.eosIds[0];
    this.prefixLogw = prefix === undefined ? undefined : (state) => prefix(state.prefixText());
    const initialLogw = prefix === undefined ? 0 : prefix('');
    if (initialLogw !== 0) this.initial = TextState.extend(TextState.EMPTY, new Uint8Array(0), () => initialLogw);
  }

  extend(state: TextState, token: number): TextState {
    return TextState.extend(state, this.vocabulary.tokenBytes(token), this.prefixLogw);
  }

  prefix(state: TextState): number {
    return state.logw;
  }

  complete(state: TextState): number {
    if (state.logw === -Infinity) return -Infinity;
    if (state !== this.lastComplete) {
      this.lastCompleteLogw = this.completeLogw(state.text());
      this.lastComplete = state;
    }
    return this.lastCompleteLogw;
  }
}

/**
 * A boolean potential from predicates over text: `complete(text)` decides whether a finished text is
 * acceptable (e.g. ajv validation of the parsed value); the optional `prefix(text)` rejects texts
 * that no continuation can repair (it must be monotone: once false, false for every extension).
 */
export function textPredicate(
  predicate: { readonly complete: (text: string) => boolean; readonly prefix?: (text: string) => boolean },
  options: TextPotentialOptions,
): Potential<TextState> {
  const prefix = predicate.prefix;
  return new TextPotential(
    'boolean',
    options.vocabulary,
    options.eosId,
    prefix === undefined ? undefined : (text) => (prefix(text) ? 0 : -Infinity),
    (text) => (predicate.complete(text) ? 0 : -Infinity),
  );
}

/**
 * A weighted potential (critic) from user scoring functions over text, returning log weights:
 * `complete(text)` scores a finished text; `prefix(text)` (optional, default 0) scores unfinished
 * ones, which SMC uses as a twist to steer particles early. -Infinity rejects.
 */
export function textCritic(
  score: { readonly complete: (text: string) => number; readonly prefix?: (text: string) => number },
  options: TextPotentialOptions,
): Potential<TextState> {
  return new TextPotential('weighted', options.vocabulary, options.eosId, score.prefix, score.complete);
}

/**
 * A boolean potential accepting a finished text only when it parses as JSON and `check(value)` holds
 * (e.g. an ajv validate function): the semantic check a token automaton cannot do exactly
 * (uniqueItems, `not`, cross-field rules), applied at EOS.
 */
export function jsonPredicate(check: (value: unknown) => boolean, options: TextPotentialOptions): Potential<TextState> {
  return textPredicate(
    {
      complete: (text) => {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          return false;
        }
        return check(value);
      },
    },
    options,
  );
}
