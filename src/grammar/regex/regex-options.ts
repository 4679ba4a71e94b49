export interface RegexOptions {
  /**
   * 'search': RegExp.prototype.test semantics (JSON Schema `pattern`: unanchored unless ^/$);
   * 'full': the whole input must match (grammar terminals, formats). Default 'full'.
   */
  semantics?: 'search' | 'full';
  /**
   * ECMAScript flags subset: 'i' (case-insensitive, Unicode simple case folding), 's' (dotAll),
   * 'u' (Unicode mode; we are always code-point based, 'u' only changes syntax strictness: pass it for
   * JSON Schema, as ajv does, so that `\p{L}` is a property escape rather than the letter p).
   * 'g' and 'd' are accepted and ignored (they do not change which strings match); 'm', 'y' and 'v'
   * throw RegexError.
   */
  flags?: string;
  /** Bound on DFA states built lazily; exceeding it throws LimitError (limit 'maxStates'). */
  maxStates?: number;
}
