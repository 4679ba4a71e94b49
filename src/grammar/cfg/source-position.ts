import type { IRecognitionException, IToken, ILexingError } from 'chevrotain';
import { GrammarError } from '../../errors.js';
import type { SourcePos } from './grammar-ir.js';

/**
 * Maps offsets of a grammar source to 1-based line:column and turns chevrotain's lexing and parsing
 * errors into GrammarErrors that name the position and the rule being defined there.
 */
export class SourceText {
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly text: string,
    readonly sourceName: string | undefined,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** Line and column (1-based, column in UTF-16 code units like editors count) of `offset`. */
  pos(offset: number): SourcePos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }

  /** Position of `token`, or of `delta` code units into its image. */
  tokenPos(token: IToken, delta = 0): SourcePos {
    if (!Number.isFinite(token.startOffset)) return this.pos(this.text.length);
    return this.pos(token.startOffset + delta);
  }

  error(message: string, at: SourcePos | undefined, rule?: string): GrammarError {
    const where = at ?? { line: 1, column: 1 };
    return new GrammarError(message, { line: where.line, column: where.column, rule, source: this.sourceName });
  }

  /** `unclosed` maps an opening character to what it starts (`"` -> 'string literal'). */
  lexingError(error: Pick<ILexingError, 'offset' | 'length'>, ruleAt: (offset: number) => string | undefined, unclosed: Record<string, string> = {}): GrammarError {
    const first = this.text[error.offset];
    const opened = unclosed[first];
    const snippet = JSON.stringify(this.text.slice(error.offset, error.offset + Math.max(1, Math.min(error.length, 12))));
    const message = opened ? `unterminated ${opened} (no closing ${first === '[' ? ']' : first})` : `unexpected character(s) ${snippet}`;
    return this.error(message, this.pos(error.offset), ruleAt(error.offset));
  }

  /** `ruleAt(offset)` names the definition the error is in (the last one starting before `offset`). */
  parsingError(
    error: IRecognitionException,
    ruleAt: (offset: number) => string | undefined,
    describe: (tokenTypeName: string) => string,
  ): GrammarError {
    const token = error.token;
    const offset = Number.isFinite(token.startOffset) ? token.startOffset : this.text.length;
    const found = token.tokenType?.name === 'EOF' ? 'end of input' : JSON.stringify(token.image);
    const expected = /^Expecting token of type --> (\w+) <--/.exec(error.message);
    const message = expected ? `expected ${describe(expected[1])} but found ${found}` : `unexpected ${found}`;
    return this.error(message, this.pos(offset), ruleAt(offset - 1));
  }
}
