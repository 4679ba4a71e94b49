import type { IToken, TokenType } from 'chevrotain';

/**
 * What a hand-written scanner returns for the chevrotain parsers: the tokens before the first error
 * (all of them when there is none; skipped ones left out), and where that error is.
 */
export interface SourceScan {
  readonly tokens: IToken[];
  /**
   * The first offset where no token matches, and how many characters follow it before one does (as
   * chevrotain's Lexer reports a lexing error).
   */
  readonly error?: { readonly offset: number; readonly length: number };
}

/**
 * Builds chevrotain tokens (1-based line and column, inclusive end offset) as a scanner walks its
 * source left to right, counting line breaks in everything it passes, skipped text included.
 */
export class TokenWriter {
  readonly tokens: IToken[] = [];
  private line = 1;
  private lineStart = 0;

  constructor(private readonly source: string) {}

  /** A token of `type` for source[offset, end), then moves past it. */
  push(type: TokenType, offset: number, end: number): void {
    this.tokens.push({
      image: this.source.slice(offset, end),
      startOffset: offset,
      endOffset: end - 1,
      startLine: this.line,
      startColumn: offset - this.lineStart + 1,
      tokenType: type,
      tokenTypeIdx: type.tokenTypeIdx!,
    });
    this.pass(offset, end);
  }

  /** Moves past source[offset, end) (skipped text, or a token's own line breaks). */
  pass(offset: number, end: number): void {
    for (let i = offset; i < end; i++) {
      if (this.source.charCodeAt(i) === 0x0a) {
        this.line++;
        this.lineStart = i + 1;
      }
    }
  }

  result(error?: { offset: number; length: number }): SourceScan {
    return error ? { tokens: this.tokens, error } : { tokens: this.tokens };
  }
}
