import { createToken, EmbeddedActionsParser, Lexer, type IToken, type TokenType } from 'chevrotain';
import { CodePointSet, type RegexNode } from '../regex/index.js';
import { EMPTY_EXPR, repeat, seq, type GrammarExpr, type GrammarIR, type GrammarRule, type SourcePos } from './grammar-ir.js';
import { SourceText } from './source-position.js';

/**
 * GBNF, llama.cpp's grammar dialect, translated into the grammar IR:
 *
 *   name ::= alternatives      (`root` is the start rule unless options.start says otherwise)
 *   "literal" with escapes \x.. \u.... \U........ \t \r \n \\ \" \[ \] \-
 *   [a-z0-9_] [^"\\]  character classes, `.` any character
 *   ( ... ) grouping, | * + ? {m} {m,} {m,n} {,n}, # comments
 *
 * GBNF is character-level: literals, classes and `.` become anonymous `text` pieces, and the compiler
 * merges regular parts into lexemes (lexeme-extraction.ts). A rule ends where the next `name ::=` begins, so rules
 * may span lines freely (llama.cpp only allows line breaks inside parentheses and after `|`; every
 * grammar it accepts reads the same here). Names may also contain `_`.
 */
export function parseGbnf(source: string, options: { start?: string; sourceName?: string } = {}): GrammarIR {
  const text = new SourceText(source, options.sourceName);
  const lexed = gbnfLexer().tokenize(source);
  const ruleAt = (offset: number) => ruleNameBefore(lexed.tokens, offset);
  if (lexed.errors.length > 0) throw text.lexingError(lexed.errors[0], ruleAt, { '"': 'string literal', '[': 'character class' });
  const parser = gbnfParser();
  parser.text = text;
  parser.input = lexed.tokens;
  const rules = parser.grammar();
  if (parser.errors.length > 0) throw text.parsingError(parser.errors[0], ruleAt, (name) => TOKEN_DESCRIPTIONS[name] ?? name);
  const seen = new Map<string, GrammarRule>();
  for (const rule of rules) {
    if (seen.has(rule.name)) {
      const first = seen.get(rule.name)!.pos;
      throw text.error(`rule "${rule.name}" is defined twice (first at ${first?.line}:${first?.column})`, rule.pos, rule.name);
    }
    seen.set(rule.name, rule);
  }
  return { start: options.start ?? 'root', rules, lexemes: [], sourceName: options.sourceName };
}

const RuleStart = createToken({ name: 'RuleStart', pattern: /[A-Za-z0-9_-]+[ \t]*::=/, line_breaks: false });
const Name = createToken({ name: 'Name', pattern: /[A-Za-z0-9_-]+/, line_breaks: false });
const Literal = createToken({ name: 'Literal', pattern: /"(?:[^"\\]|\\[\s\S])*"/, line_breaks: true });
const CharClass = createToken({ name: 'CharClass', pattern: /\[(?:[^\]\\]|\\[\s\S])*\]/, line_breaks: true });
const TokenRef = createToken({ name: 'TokenRef', pattern: /!?<[^>\n]*>/, line_breaks: true });
const AnyChar = createToken({ name: 'AnyChar', pattern: /\./, line_breaks: false });
const LParen = createToken({ name: 'LParen', pattern: /\(/, line_breaks: false });
const RParen = createToken({ name: 'RParen', pattern: /\)/, line_breaks: false });
const Pipe = createToken({ name: 'Pipe', pattern: /\|/, line_breaks: false });
const Star = createToken({ name: 'Star', pattern: /\*/, line_breaks: false });
const Plus = createToken({ name: 'Plus', pattern: /\+/, line_breaks: false });
const Question = createToken({ name: 'Question', pattern: /\?/, line_breaks: false });
const Braces = createToken({ name: 'Braces', pattern: /\{[^}\n]*\}/, line_breaks: true });
const Space = createToken({ name: 'Space', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED, line_breaks: true });
const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: Lexer.SKIPPED, line_breaks: false });

const allTokens: TokenType[] = [
  Space, Comment, RuleStart, Name, Literal, CharClass, TokenRef, AnyChar,
  LParen, RParen, Pipe, Star, Plus, Question, Braces,
];

class GbnfParser extends EmbeddedActionsParser {
  text!: SourceText;
  private ruleName = '';

  /** `validate`: run chevrotain's grammar checks (tests; see FRONT_END_BUILD). */
  constructor(validate = false) {
    super(allTokens, { recoveryEnabled: false, skipValidations: !validate });
    this.performSelfAnalysis();
  }

  grammar = this.RULE('grammar', (): GrammarRule[] => {
    const rules: GrammarRule[] = [];
    this.MANY(() => {
      const rule = this.SUBRULE(this.rule);
      this.ACTION(() => rules.push(rule));
    });
    return rules;
  });

  rule = this.RULE('rule', (): GrammarRule => {
    const head = this.CONSUME(RuleStart);
    const name = this.ACTION(() => head.image.replace(/[ \t]*::=$/, ''));
    this.ACTION(() => (this.ruleName = name));
    const body = this.SUBRULE(this.alternatives);
    return this.ACTION(() => ({ name, body, pos: this.text.tokenPos(head) }));
  });

  alternatives = this.RULE('alternatives', (): GrammarExpr => {
    const items: GrammarExpr[] = [];
    const first = this.SUBRULE(this.sequence);
    this.ACTION(() => items.push(first));
    this.MANY(() => {
      this.CONSUME(Pipe);
      const next = this.SUBRULE2(this.sequence);
      this.ACTION(() => items.push(next));
    });
    return this.ACTION(() => (items.length === 1 ? items[0] : { kind: 'alt', items }));
  });

  sequence = this.RULE('sequence', (): GrammarExpr => {
    const items: GrammarExpr[] = [];
    this.MANY(() => {
      const item = this.SUBRULE(this.postfix);
      this.ACTION(() => items.push(item));
    });
    return this.ACTION(() => seq(items));
  });

  postfix = this.RULE('postfix', (): GrammarExpr => {
    let item = this.SUBRULE(this.atom);
    this.MANY(() => {
      const op = this.OR([
        { ALT: () => this.CONSUME(Star) },
        { ALT: () => this.CONSUME(Plus) },
        { ALT: () => this.CONSUME(Question) },
        { ALT: () => this.CONSUME(Braces) },
      ]);
      this.ACTION(() => {
        const [min, max] = this.bounds(op);
        item = repeat(item, min, max);
      });
    });
    return item;
  });

  atom = this.RULE('atom', (): GrammarExpr => {
    return this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(Name);
          return this.ACTION(() => ({ kind: 'rule', name: t.image, pos: this.text.tokenPos(t) }) as GrammarExpr);
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(Literal);
          return this.ACTION(() => this.literal(t));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(CharClass);
          return this.ACTION(() => this.charClass(t));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(AnyChar);
          return this.ACTION(() => text({ kind: 'chars', set: CodePointSet.all() }, this.text.tokenPos(t)));
        },
      },
      {
        ALT: () => {
          this.CONSUME(LParen);
          const inner = this.SUBRULE(this.alternatives);
          this.CONSUME(RParen);
          return inner;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(TokenRef);
          return this.ACTION(() => {
            throw this.text.error(
              `token references like ${t.image} are not supported: formwork grammars describe text, not token ids`,
              this.text.tokenPos(t),
              this.ruleName,
            );
          });
        },
      },
    ]);
  });

  private bounds(op: IToken): [number, number] {
    if (op.tokenType === Star) return [0, Infinity];
    if (op.tokenType === Plus) return [1, Infinity];
    if (op.tokenType === Question) return [0, 1];
    const m = /^\{[ \t]*(\d*)[ \t]*(?:(,)[ \t]*(\d*)[ \t]*)?\}$/.exec(op.image);
    if (!m || (m[1] === '' && (m[2] === undefined || m[3] === ''))) {
      throw this.text.error(`malformed repetition ${op.image}: expected {m}, {m,}, {m,n} or {,n}`, this.text.tokenPos(op), this.ruleName);
    }
    const min = m[1] === '' ? 0 : Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (max < min) {
      throw this.text.error(`repetition ${op.image} has its maximum below its minimum`, this.text.tokenPos(op), this.ruleName);
    }
    return [min, max];
  }

  private literal(t: IToken): GrammarExpr {
    const chars = this.decode(t, 1, t.image.length - 1, false);
    if (chars.length === 0) return EMPTY_EXPR;
    const regex: RegexNode =
      chars.length === 1
        ? { kind: 'chars', set: CodePointSet.single(chars[0].cp) }
        : { kind: 'concat', items: chars.map((c) => ({ kind: 'chars', set: CodePointSet.single(c.cp) }) as RegexNode) };
    return text(regex, this.text.tokenPos(t));
  }

  private charClass(t: IToken): GrammarExpr {
    const negated = t.image[1] === '^';
    const chars = this.decode(t, negated ? 2 : 1, t.image.length - 1, true);
    const ranges: [number, number][] = [];
    for (let i = 0; i < chars.length; i++) {
      // `a-z` is a range unless the dash is the class's last character (llama.cpp's rule).
      if (i + 2 < chars.length && chars[i + 1].cp === 0x2d && !chars[i + 1].escaped) {
        const lo = chars[i].cp;
        const hi = chars[i + 2].cp;
        if (hi < lo) {
          throw this.text.error(`character range ${t.image} goes backwards`, this.text.tokenPos(t, chars[i].offset), this.ruleName);
        }
        ranges.push([lo, hi]);
        i += 2;
      } else {
        ranges.push([chars[i].cp, chars[i].cp]);
      }
    }
    let set = CodePointSet.fromRanges(ranges);
    if (negated) set = set.complement();
    return text({ kind: 'chars', set }, this.text.tokenPos(t));
  }

  /** Code points of image[from, to) with GBNF escapes decoded. */
  private decode(t: IToken, from: number, to: number, inClass: boolean): { cp: number; offset: number; escaped: boolean }[] {
    const image = t.image;
    const out: { cp: number; offset: number; escaped: boolean }[] = [];
    let i = from;
    while (i < to) {
      const offset = i;
      if (image[i] !== '\\') {
        const cp = image.codePointAt(i)!;
        out.push({ cp, offset, escaped: false });
        i += cp > 0xffff ? 2 : 1;
        continue;
      }
      const e = image[i + 1];
      const hexLength = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hexLength > 0) {
        const digits = image.slice(i + 2, i + 2 + hexLength);
        if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hexLength || i + 2 + hexLength > to) {
          throw this.text.error(`\\${e} needs ${hexLength} hex digits`, this.text.tokenPos(t, i), this.ruleName);
        }
        const cp = parseInt(digits, 16);
        if (cp > 0x10ffff) throw this.text.error(`\\${e}${digits} is beyond U+10FFFF`, this.text.tokenPos(t, i), this.ruleName);
        out.push({ cp, offset, escaped: true });
        i += 2 + hexLength;
        continue;
      }
      const simple = SIMPLE_ESCAPES[e];
      if (simple === undefined) {
        throw this.text.error(
          `unknown escape \\${e ?? ''} in ${inClass ? 'character class' : 'literal'} (use \\x, \\u, \\U, \\t, \\r, \\n, \\\\, \\", \\[, \\] or \\-)`,
          this.text.tokenPos(t, i),
          this.ruleName,
        );
      }
      out.push({ cp: simple, offset, escaped: true });
      i += 2;
    }
    return out;
  }
}

const TOKEN_DESCRIPTIONS: Record<string, string> = {
  RuleStart: '"name ::="',
  Name: 'a rule name',
  RParen: '")"',
  LParen: '"("',
};

const SIMPLE_ESCAPES: Record<string, number> = { t: 9, r: 13, n: 10, '\\': 0x5c, '"': 0x22, '[': 0x5b, ']': 0x5d, '-': 0x2d };

function text(regex: RegexNode, pos: SourcePos): GrammarExpr {
  return { kind: 'text', regex, pos };
}

function ruleNameBefore(tokens: IToken[], offset: number): string | undefined {
  let name: string | undefined;
  for (const t of tokens) {
    if (t.startOffset > offset) break;
    if (t.tokenType === RuleStart) name = t.image.replace(/[ \t]*::=$/, '');
  }
  return name;
}

// Building a chevrotain parser analyses the whole grammar (milliseconds); one instance serves every call.
let lexerInstance: Lexer | undefined;
let parserInstance: GbnfParser | undefined;

/**
 * The definitions above never change, so the checks chevrotain runs while building the lexer and parser
 * (definition validations, and regex analysis for first-character dispatch; every token's `line_breaks`
 * says whether it can match \n or \r, chevrotain's line terminators, as its own regex analysis would
 * find, which spares that analysis) are left to checkGbnfDefinitions, which the tests run. Measured in
 * fresh processes (minimum / median of 5): the first parse of json.gbnf 28.9 / 33.7 ms -> 16.1 / 20.4 ms.
 */
const FRONT_END_BUILD = { positionTracking: 'full', ensureOptimizations: false, safeMode: true, skipValidations: true } as const;

function gbnfLexer(): Lexer {
  lexerInstance ??= new Lexer(allTokens, FRONT_END_BUILD);
  return lexerInstance;
}

/** Builds the GBNF lexer and parser with all of chevrotain's definition checks; throws on a definition error. */
export function checkGbnfDefinitions(): void {
  new Lexer(allTokens, { positionTracking: 'full' });
  new GbnfParser(true);
}

function gbnfParser(): GbnfParser {
  parserInstance ??= new GbnfParser();
  return parserInstance;
}

