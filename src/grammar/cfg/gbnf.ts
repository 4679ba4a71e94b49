import { EmbeddedActionsParser, Lexer, type IToken } from 'chevrotain';
import { CodePointSet, type RegexNode } from '../regex/index.js';
import { EMPTY_EXPR, repeat, seq, type GrammarExpr, type GrammarIR, type GrammarRule, type SourcePos } from './grammar-ir.js';
import {
  AnyChar, CharClass, GBNF_TOKEN_TYPES, Literal, LParen, Name, Pipe, Plus, Postfix, Question, RParen, RuleStart, scanGbnf, Star, Atom,
} from './gbnf-scanner.js';
import { LL1Lookahead } from './ll1-lookahead.js';
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
  return parseWith(gbnfParser(), source, options);
}

/**
 * parseGbnf through a parser built with chevrotain's own LL(k) lookahead (and all its definition
 * checks) instead of the LL(1) tables: the reference the tests compare parseGbnf with.
 */
export function parseGbnfReference(source: string, options: { start?: string; sourceName?: string } = {}): GrammarIR {
  referenceParser ??= new GbnfParser(true);
  return parseWith(referenceParser, source, options);
}

function parseWith(parser: GbnfParser, source: string, options: { start?: string; sourceName?: string }): GrammarIR {
  const text = new SourceText(source, options.sourceName);
  const scanned = scanGbnf(source);
  const ruleAt = (offset: number) => ruleNameBefore(scanned.tokens, offset);
  if (scanned.error) throw text.lexingError(scanned.error, ruleAt, { '"': 'string literal', '[': 'character class' });
  parser.text = text;
  parser.input = scanned.tokens;
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

class GbnfParser extends EmbeddedActionsParser {
  text!: SourceText;
  private ruleName = '';

  /**
   * `validate` (tests): chevrotain's own LL(k) lookahead and all its grammar checks. Otherwise the
   * LL(1) tables of ll1-lookahead.ts and no checks (measured in fresh processes, first compile of
   * json.gbnf, CPU minimum of 8: 16.0 -> 14.1 ms).
   */
  constructor(validate = false) {
    super(
      GBNF_TOKEN_TYPES,
      validate ? { recoveryEnabled: false } : { recoveryEnabled: false, skipValidations: true, lookaheadStrategy: new LL1Lookahead() },
    );
    this.performSelfAnalysis();
  }

  // Three rules, and token categories (Atom, Postfix) instead of one alternative per token type:
  // building the parser records and analyses every rule and alternative, and in a fresh process that
  // build is the largest part of the first compile.
  grammar = this.RULE('grammar', (): GrammarRule[] => {
    const rules: GrammarRule[] = [];
    this.MANY(() => {
      const head = this.CONSUME(RuleStart);
      const name = this.ACTION(() => (this.ruleName = ruleNameOf(head)));
      const body = this.SUBRULE(this.alternatives);
      this.ACTION(() => rules.push({ name, body, pos: this.text.tokenPos(head) }));
    });
    return rules;
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
      let item = this.OR([
        {
          ALT: () => {
            const t = this.CONSUME(Atom);
            return this.ACTION(() => this.atom(t));
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
      ]);
      this.MANY2(() => {
        const op = this.CONSUME(Postfix);
        this.ACTION(() => {
          const [min, max] = this.bounds(op);
          item = repeat(item, min, max);
        });
      });
      this.ACTION(() => items.push(item));
    });
    return this.ACTION(() => seq(items));
  });

  private atom(t: IToken): GrammarExpr {
    switch (t.tokenType) {
      case Name:
        return { kind: 'rule', name: t.image, pos: this.text.tokenPos(t) };
      case Literal:
        return this.literal(t);
      case CharClass:
        return this.charClass(t);
      case AnyChar:
        return text({ kind: 'chars', set: CodePointSet.all() }, this.text.tokenPos(t));
      default:
        throw this.text.error(
          `token references like ${t.image} are not supported: formwork grammars describe text, not token ids`,
          this.text.tokenPos(t),
          this.ruleName,
        );
    }
  }

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

function ruleNameOf(head: IToken): string {
  return head.image.replace(/[ \t]*::=$/, '');
}

function ruleNameBefore(tokens: IToken[], offset: number): string | undefined {
  let name: string | undefined;
  for (const t of tokens) {
    if (t.startOffset > offset) break;
    if (t.tokenType === RuleStart) name = ruleNameOf(t);
  }
  return name;
}

// Building a chevrotain parser analyses the whole grammar (milliseconds); one instance serves every call.
let parserInstance: GbnfParser | undefined;
let referenceParser: GbnfParser | undefined;

/**
 * The tokens come from scanGbnf (gbnf-scanner.ts), not from a chevrotain Lexer, and the parser skips
 * chevrotain's definition validations; checkGbnfDefinitions, which the tests run, builds both with all
 * checks.
 */
export function checkGbnfDefinitions(): void {
  new Lexer(GBNF_TOKEN_TYPES, { positionTracking: 'full' });
  new GbnfParser(true);
}

function gbnfParser(): GbnfParser {
  parserInstance ??= new GbnfParser();
  return parserInstance;
}
