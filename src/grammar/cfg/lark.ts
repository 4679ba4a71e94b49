import { EmbeddedActionsParser, Lexer, LLkLookaheadStrategy, type IToken } from 'chevrotain';
import { RegexError } from '../../errors.js';
import { CodePointSet, parseRegex, type RegexNode } from '../regex/index.js';
import { altNode, concatNode, literalNode, repeatNode } from '../regex/regex-node.js';
import { alt, repeat, seq, type GrammarExpr, type GrammarIR, type GrammarLexeme, type GrammarRule, type SourcePos } from './grammar-ir.js';
import { commonTerminalSource } from './lark-common.js';
import {
  Arrow, Comma, Directive, Dot, DotDot, LARK_TOKEN_TYPES, LBrack, LParen, Num, Pipe, Plus, Question, RBrack, Regexp, RParen, RuleHead,
  RuleName, scanLark, Star, Str, TermHead, TermName, Tilde,
} from './lark-scanner.js';
import { LL1Lookahead } from './ll1-lookahead.js';
import { SourceText } from './source-position.js';

/**
 * A Lark subset translated into the grammar IR:
 *
 *   rule: expansion | expansion -> alias       (lowercase names; `?`/`!` prefixes and priorities
 *   TERMINAL.2: "literal" | "lit"i | /regex/is  accepted, they only shape Lark's trees)
 *   item? item* item+ [optional] (group) item ~ n  item ~ n..m  "a".."z"
 *   %ignore TERMINAL_OR_LITERAL    %import common.NAME [-> ALIAS]    %import common (A, B)
 *   // comments
 *
 * Terminals are regular: their definitions (and the terminals they reference) become one RegexNode,
 * a lexeme. Strings and regexes written inside rules become anonymous lexemes named by their text.
 * Text is cut into lexemes by maximal munch over all terminals (GrammarIR.longestMatch), the way
 * Lark's standard lexer and the languages it describes tokenize.
 * Regexes use ECMAScript syntax (Lark's Python `re` agrees on everything but exotic constructs).
 * Terminal priorities decide which lexeme ends where several match the same text (GrammarLexeme).
 * Templates, %declare, %override and %extend are not supported and say so.
 */
export function parseLark(source: string, options: { start?: string; sourceName?: string } = {}): GrammarIR {
  const text = new SourceText(source, options.sourceName);
  const statements = parseStatements(text);
  return new LarkTranslator(text, statements).translate(options.start ?? 'start');
}

/**
 * parseLark through a parser built with chevrotain's own LL(k) lookahead for every decision (and all
 * its definition checks): the reference the tests compare parseLark with.
 */
export function parseLarkReference(source: string, options: { start?: string; sourceName?: string } = {}): GrammarIR {
  const text = new SourceText(source, options.sourceName);
  referenceParser ??= new LarkParser(true);
  const statements = parseStatements(text, referenceParser);
  return new LarkTranslator(text, statements).translate(options.start ?? 'start');
}

type LarkExpr =
  | { kind: 'seq'; items: LarkExpr[] }
  | { kind: 'alt'; items: LarkExpr[] }
  | { kind: 'repeat'; item: LarkExpr; min: number; max: number }
  | { kind: 'string'; value: string; caseInsensitive: boolean; pos: SourcePos; image: string }
  | { kind: 'regexp'; node: RegexNode; pos: SourcePos; image: string }
  | { kind: 'range'; from: number; to: number; pos: SourcePos; image: string }
  | { kind: 'rule'; name: string; pos: SourcePos }
  | { kind: 'terminal'; name: string; pos: SourcePos };

type Statement =
  | { kind: 'rule'; name: string; body: LarkExpr; pos: SourcePos }
  | { kind: 'terminal'; name: string; body: LarkExpr; priority: number; pos: SourcePos }
  | { kind: 'ignore'; body: LarkExpr; pos: SourcePos }
  | { kind: 'import'; module: string; names: { name: string; alias: string; pos: SourcePos }[]; pos: SourcePos };

class LarkParser extends EmbeddedActionsParser {
  text!: SourceText;
  definition = '';

  /**
   * `validate` (tests): chevrotain's own LL(k) lookahead and all its grammar checks. Otherwise LL(1)
   * tables (ll1-lookahead.ts) wherever one token decides, LL(k) for the three decisions that need
   * more, and no checks: faster to build in a fresh process.
   */
  constructor(validate = false) {
    super(
      LARK_TOKEN_TYPES,
      validate
        ? { recoveryEnabled: false }
        : { recoveryEnabled: false, skipValidations: true, lookaheadStrategy: new LL1Lookahead(new LLkLookaheadStrategy()) },
    );
    this.performSelfAnalysis();
  }

  file = this.RULE('file', (): Statement[] => {
    const out: Statement[] = [];
    this.MANY(() => {
      const s = this.SUBRULE(this.statement);
      this.ACTION(() => out.push(s));
    });
    return out;
  });

  statement = this.RULE('statement', (): Statement => {
    return this.OR([
      {
        ALT: () => {
          const head = this.CONSUME(RuleHead);
          const name = this.ACTION(() => headName(head.image).replace(/^[?!]/, ''));
          this.ACTION(() => (this.definition = name));
          const body = this.SUBRULE(this.expansions);
          return this.ACTION(() => ({ kind: 'rule', name, body, pos: this.text.tokenPos(head) }) as Statement);
        },
      },
      {
        ALT: () => {
          const head = this.CONSUME(TermHead);
          const name = this.ACTION(() => headName(head.image));
          this.ACTION(() => (this.definition = name));
          const body = this.SUBRULE2(this.expansions);
          return this.ACTION(
            () => ({ kind: 'terminal', name, body, priority: headPriority(head.image), pos: this.text.tokenPos(head) }) as Statement,
          );
        },
      },
      { ALT: () => this.SUBRULE(this.directive) },
    ]);
  });

  directive = this.RULE('directive', (): Statement => {
    const d = this.CONSUME(Directive);
    const pos = this.ACTION(() => this.text.tokenPos(d));
    this.ACTION(() => (this.definition = d.image));
    return this.OR([
      {
        GATE: () => d.image === '%ignore',
        ALT: () => {
          const body = this.SUBRULE(this.expansions);
          return this.ACTION(() => ({ kind: 'ignore', body, pos }) as Statement);
        },
      },
      {
        GATE: () => d.image === '%import',
        ALT: () => {
          const module = this.CONSUME(RuleName);
          const path: IToken[] = [];
          this.MANY(() => {
            this.CONSUME(Dot);
            const part = this.OR2([{ ALT: () => this.CONSUME2(RuleName) }, { ALT: () => this.CONSUME(TermName) }]);
            this.ACTION(() => path.push(part));
          });
          const names: { name: string; alias: string; pos: SourcePos }[] = [];
          this.OR3([
            {
              ALT: () => {
                this.CONSUME(LParen);
                this.AT_LEAST_ONE_SEP({
                  SEP: Comma,
                  DEF: () => {
                    const n = this.OR4([{ ALT: () => this.CONSUME3(RuleName) }, { ALT: () => this.CONSUME2(TermName) }]);
                    this.ACTION(() => names.push({ name: n.image, alias: n.image, pos: this.text.tokenPos(n) }));
                  },
                });
                this.CONSUME(RParen);
              },
            },
            {
              ALT: () => {
                let alias: IToken | undefined;
                this.OPTION(() => {
                  this.CONSUME(Arrow);
                  alias = this.OR5([{ ALT: () => this.CONSUME4(RuleName) }, { ALT: () => this.CONSUME3(TermName) }]);
                });
                this.ACTION(() => {
                  const last = path.pop();
                  if (!last) throw this.text.error(`%import needs a name: %import ${module.image}.NAME`, pos);
                  names.push({ name: last.image, alias: alias?.image ?? last.image, pos: this.text.tokenPos(last) });
                });
              },
            },
          ]);
          return this.ACTION(
            () => ({ kind: 'import', module: [module.image, ...path.map((p) => p.image)].join('.'), names, pos }) as Statement,
          );
        },
      },
      {
        ALT: () => {
          return this.ACTION(() => {
            throw this.text.error(`${d.image} is not supported (only %ignore and %import)`, pos);
          });
        },
      },
    ]);
  });

  expansions = this.RULE('expansions', (): LarkExpr => {
    const items: LarkExpr[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: Pipe,
      DEF: () => {
        const e = this.SUBRULE(this.expansion);
        this.OPTION(() => {
          this.CONSUME(Arrow);
          this.CONSUME(RuleName);
        });
        this.ACTION(() => items.push(e));
      },
    });
    return this.ACTION(() => (items.length === 1 ? items[0] : { kind: 'alt', items }));
  });

  expansion = this.RULE('expansion', (): LarkExpr => {
    const items: LarkExpr[] = [];
    this.MANY(() => {
      const e = this.SUBRULE(this.expr);
      this.ACTION(() => items.push(e));
    });
    return this.ACTION(() => (items.length === 1 ? items[0] : { kind: 'seq', items }));
  });

  expr = this.RULE('expr', (): LarkExpr => {
    let item = this.SUBRULE(this.atom);
    this.MANY(() => {
      this.OR([
        { ALT: () => { this.CONSUME(Question); this.ACTION(() => (item = { kind: 'repeat', item, min: 0, max: 1 })); } },
        { ALT: () => { this.CONSUME(Star); this.ACTION(() => (item = { kind: 'repeat', item, min: 0, max: Infinity })); } },
        { ALT: () => { this.CONSUME(Plus); this.ACTION(() => (item = { kind: 'repeat', item, min: 1, max: Infinity })); } },
        {
          ALT: () => {
            const tilde = this.CONSUME(Tilde);
            const lo = this.CONSUME(Num);
            let hi: IToken | undefined;
            this.OPTION(() => {
              this.CONSUME(DotDot);
              hi = this.CONSUME2(Num);
            });
            this.ACTION(() => {
              const min = Number(lo.image);
              const max = hi ? Number(hi.image) : min;
              if (max < min) throw this.text.error(`repetition ~ ${min}..${max} has its maximum below its minimum`, this.text.tokenPos(tilde), this.definition);
              item = { kind: 'repeat', item, min, max };
            });
          },
        },
      ]);
    });
    return item;
  });

  atom = this.RULE('atom', (): LarkExpr => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(LParen);
          const e = this.SUBRULE(this.expansions);
          this.CONSUME(RParen);
          return e;
        },
      },
      {
        ALT: () => {
          this.CONSUME(LBrack);
          const e = this.SUBRULE2(this.expansions);
          this.CONSUME(RBrack);
          return this.ACTION(() => ({ kind: 'repeat', item: e, min: 0, max: 1 }) as LarkExpr);
        },
      },
      {
        ALT: () => {
          const s = this.CONSUME(Str);
          let to: IToken | undefined;
          this.OPTION(() => {
            this.CONSUME(DotDot);
            to = this.CONSUME2(Str);
          });
          return this.ACTION(() => (to ? this.range(s, to) : this.string(s)));
        },
      },
      {
        ALT: () => {
          const r = this.CONSUME(Regexp);
          return this.ACTION(() => this.regexp(r));
        },
      },
      {
        ALT: () => {
          const n = this.CONSUME2(RuleName);
          return this.ACTION(() => ({ kind: 'rule', name: n.image, pos: this.text.tokenPos(n) }) as LarkExpr);
        },
      },
      {
        ALT: () => {
          const n = this.CONSUME(TermName);
          return this.ACTION(() => ({ kind: 'terminal', name: n.image, pos: this.text.tokenPos(n) }) as LarkExpr);
        },
      },
    ]);
  });

  private string(t: IToken): LarkExpr {
    const caseInsensitive = t.image.endsWith('i');
    const body = t.image.slice(1, caseInsensitive ? -2 : -1);
    return { kind: 'string', value: this.unescape(body, t), caseInsensitive, pos: this.text.tokenPos(t), image: t.image };
  }

  private range(from: IToken, to: IToken): LarkExpr {
    const a = [...this.unescape(from.image.slice(1, -1), from)];
    const b = [...this.unescape(to.image.slice(1, -1), to)];
    const pos = this.text.tokenPos(from);
    if (a.length !== 1 || b.length !== 1) throw this.text.error(`a range "a".."z" needs single characters`, pos, this.definition);
    const lo = a[0].codePointAt(0)!;
    const hi = b[0].codePointAt(0)!;
    if (hi < lo) throw this.text.error(`range ${from.image}..${to.image} goes backwards`, pos, this.definition);
    return { kind: 'range', from: lo, to: hi, pos, image: `${from.image}..${to.image}` };
  }

  private regexp(t: IToken): LarkExpr {
    const end = t.image.lastIndexOf('/');
    const pattern = t.image.slice(1, end);
    const flags = t.image.slice(end + 1);
    const pos = this.text.tokenPos(t);
    for (const f of flags) {
      if (f !== 'i' && f !== 's' && f !== 'u') {
        throw this.text.error(`regex flag "${f}" is not supported (only i, s)`, this.text.tokenPos(t, end + 1), this.definition);
      }
    }
    try {
      const node = parseRegex(pattern, { semantics: 'full', flags: flags.replace('u', '') + 'u' });
      return { kind: 'regexp', node, pos, image: t.image };
    } catch (e) {
      if (e instanceof RegexError) {
        throw this.text.error(`${e.message}`, this.text.tokenPos(t, 1 + e.position), this.definition);
      }
      throw e;
    }
  }

  /** Python-style string escapes, as Lark reads its literals; unknown escapes keep the backslash. */
  private unescape(body: string, t: IToken): string {
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = body[i + 1];
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hex > 0) {
        const digits = body.slice(i + 2, i + 2 + hex);
        const cp = parseInt(digits, 16);
        if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex || cp > 0x10ffff) {
          throw this.text.error(`\\${e} needs ${hex} hex digits`, this.text.tokenPos(t, 1 + i), this.definition);
        }
        out += String.fromCodePoint(cp);
        i += 1 + hex;
        continue;
      }
      const simple = PY_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i++;
      } else {
        out += '\\';
      }
    }
    return out;
  }
}

const TOKEN_DESCRIPTIONS: Record<string, string> = {
  RParen: '")"',
  RBrack: '"]"',
  Num: 'a number',
  Str: 'a string',
  RuleName: 'a rule name',
  TermName: 'a terminal name',
  Dot: '"."',
};

const PY_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '0': '\0', '\\': '\\', '"': '"', "'": "'",
};

function headName(image: string): string {
  return image.replace(/(?:\.-?\d+)?[ \t]*:$/, '');
}

function headPriority(image: string): number {
  const m = /\.(-?\d+)[ \t]*:$/.exec(image);
  return m ? Number(m[1]) : 0;
}

function parseStatements(text: SourceText, parser = larkParser()): Statement[] {
  const lexed = scanLark(text.text);
  const definitionAt = (offset: number) => {
    let name: string | undefined;
    for (const t of lexed.tokens) {
      if (t.startOffset > offset) break;
      if (t.tokenType === RuleHead || t.tokenType === TermHead) name = headName(t.image).replace(/^[?!]/, '');
      else if (t.tokenType === Directive) name = t.image;
    }
    return name;
  };
  if (lexed.error) throw text.lexingError(lexed.error, definitionAt, { '"': 'string literal', '/': 'regex' });
  parser.text = text;
  parser.definition = '';
  parser.input = lexed.tokens;
  const statements = parser.file();
  if (parser.errors.length > 0) throw text.parsingError(parser.errors[0], definitionAt, (name) => TOKEN_DESCRIPTIONS[name] ?? name);
  return statements;
}

/** Resolves names, inlines terminals into regexes and turns inline literals into anonymous lexemes. */
class LarkTranslator {
  private readonly rules = new Map<string, Statement & { kind: 'rule' }>();
  private readonly terminals = new Map<string, { body: LarkExpr; priority: number; pos: SourcePos; regex?: RegexNode }>();
  private readonly lexemes = new Map<string, GrammarLexeme>();
  private readonly ignored = new Set<string>();
  private readonly resolving = new Set<string>();

  constructor(
    private readonly text: SourceText,
    private readonly statements: Statement[],
  ) {}

  translate(start: string): GrammarIR {
    const ignores: (Statement & { kind: 'ignore' })[] = [];
    for (const s of this.statements) {
      if (s.kind === 'rule' || s.kind === 'terminal') {
        if (this.rules.has(s.name) || this.terminals.has(s.name)) {
          throw this.text.error(`"${s.name}" is defined twice`, s.pos, s.name);
        }
        if (s.kind === 'rule') this.rules.set(s.name, s);
        else this.terminals.set(s.name, { body: s.body, priority: s.priority, pos: s.pos });
      } else if (s.kind === 'import') {
        this.importNames(s);
      } else {
        ignores.push(s);
      }
    }
    const rules: GrammarRule[] = [];
    for (const r of this.rules.values()) rules.push({ name: r.name, body: this.ruleExpr(r.body, r.name), pos: r.pos });
    for (const ig of ignores) this.ignore(ig);
    // Terminals no rule mentions still get compiled, so their mistakes are reported, but are left out.
    for (const name of this.terminals.keys()) this.terminalRegex(name, name, this.terminals.get(name)!.pos);
    const lexemes = [...this.lexemes.values()].map((l) => (this.ignored.has(l.name) ? { ...l, ignore: true } : l));
    return { start, rules, lexemes, sourceName: this.text.sourceName, longestMatch: true };
  }

  /** Terminal definitions only, for the `common` library. */
  terminalLibrary(): Map<string, RegexNode> {
    for (const s of this.statements) {
      if (s.kind === 'terminal') this.terminals.set(s.name, { body: s.body, priority: s.priority, pos: s.pos });
    }
    const out = new Map<string, RegexNode>();
    for (const [name, t] of this.terminals) out.set(name, this.terminalRegex(name, name, t.pos));
    return out;
  }

  private importNames(s: Statement & { kind: 'import' }): void {
    if (s.module !== 'common') {
      throw this.text.error(`%import ${s.module}: only the "common" module is available`, s.pos);
    }
    const common = commonTerminals();
    for (const { name, alias, pos } of s.names) {
      const regex = common.get(name);
      if (!regex) throw this.text.error(`common has no terminal "${name}" (it has ${[...common.keys()].join(', ')})`, pos);
      if (this.terminals.has(alias) || this.rules.has(alias)) throw this.text.error(`"${alias}" is defined twice`, pos, alias);
      this.terminals.set(alias, { body: { kind: 'seq', items: [] }, priority: 0, pos, regex });
    }
  }

  private ignore(s: Statement & { kind: 'ignore' }): void {
    const names: string[] = [];
    const visit = (e: LarkExpr): boolean => {
      if (e.kind === 'terminal') {
        this.terminalLexeme(e.name, e.pos, '%ignore');
        names.push(e.name);
        return true;
      }
      if (e.kind === 'alt') return e.items.every(visit);
      return false;
    };
    if (!visit(s.body)) {
      const name = `%ignore ${s.pos.line}:${s.pos.column}`;
      this.lexemes.set(name, { name, regex: this.regexOf(s.body, '%ignore'), pos: s.pos });
      names.push(name);
    }
    for (const n of names) this.ignored.add(n);
  }

  private ruleExpr(e: LarkExpr, rule: string): GrammarExpr {
    switch (e.kind) {
      case 'seq':
        return seq(e.items.map((i) => this.ruleExpr(i, rule)));
      case 'alt':
        return alt(e.items.map((i) => this.ruleExpr(i, rule)));
      case 'repeat':
        return repeat(this.ruleExpr(e.item, rule), e.min, e.max);
      case 'rule':
        if (!this.rules.has(e.name)) throw this.text.error(`undefined rule "${e.name}"`, e.pos, rule);
        return { kind: 'rule', name: e.name, pos: e.pos };
      case 'terminal':
        return this.terminalLexeme(e.name, e.pos, rule);
      case 'string': {
        // A literal that some terminal defines exactly (COMMA: ",") is that terminal, as in Lark.
        if (!e.caseInsensitive) {
          for (const [name, t] of this.terminals) {
            if (t.body.kind === 'string' && !t.body.caseInsensitive && t.body.value === e.value) return this.terminalLexeme(name, e.pos, rule);
          }
        }
        return this.anonymous(e.image, this.regexOf(e, rule), e.pos, e.caseInsensitive ? undefined : e.value);
      }
      case 'regexp':
      case 'range':
        return this.anonymous(e.image, this.regexOf(e, rule), e.pos);
    }
  }

  private anonymous(name: string, regex: RegexNode, pos: SourcePos, literal?: string): GrammarExpr {
    if (!this.lexemes.has(name)) this.lexemes.set(name, { name, regex, literal, pos });
    return { kind: 'lexeme', name, pos };
  }

  private terminalLexeme(name: string, pos: SourcePos, where: string): GrammarExpr {
    const t = this.terminals.get(name);
    if (!t) throw this.text.error(`undefined terminal "${name}"`, pos, where);
    if (!this.lexemes.has(name)) {
      const regex = this.terminalRegex(name, where, pos);
      const literal = t.body.kind === 'string' && !t.body.caseInsensitive ? t.body.value : undefined;
      this.lexemes.set(name, { name, regex, literal, priority: t.priority || undefined, pos: t.pos });
    }
    return { kind: 'lexeme', name, pos };
  }

  private terminalRegex(name: string, where: string, pos: SourcePos): RegexNode {
    const t = this.terminals.get(name);
    if (!t) throw this.text.error(`undefined terminal "${name}"`, pos, where);
    if (t.regex) return t.regex;
    if (this.resolving.has(name)) {
      throw this.text.error(`terminal "${name}" refers to itself: terminals must be regular (use a rule for recursion)`, pos, where);
    }
    this.resolving.add(name);
    t.regex = this.regexOf(t.body, name);
    this.resolving.delete(name);
    return t.regex;
  }

  /** The regular language of a terminal expression (terminal references inlined). */
  private regexOf(e: LarkExpr, where: string): RegexNode {
    switch (e.kind) {
      case 'seq':
        return concatNode(e.items.map((i) => this.regexOf(i, where)));
      case 'alt':
        return altNode(e.items.map((i) => this.regexOf(i, where)));
      case 'repeat':
        return repeatNode(this.regexOf(e.item, where), e.min, e.max);
      case 'string':
        if (!e.caseInsensitive) return literalNode(e.value);
        return parseRegex(escapeRegex(e.value), { semantics: 'full', flags: 'iu' });
      case 'regexp':
        return e.node;
      case 'range':
        return { kind: 'chars', set: CodePointSet.range(e.from, e.to) };
      case 'terminal':
        return this.terminalRegex(e.name, where, e.pos);
      case 'rule':
        throw this.text.error(`terminal "${where}" refers to rule "${e.name}": terminals may only use terminals`, e.pos, where);
    }
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

let commonCache: Map<string, RegexNode> | undefined;

/** The terminals of Lark's `common` library (lark-common.ts), compiled once. */
export function commonTerminals(): Map<string, RegexNode> {
  if (!commonCache) {
    const text = new SourceText(commonTerminalSource, 'common.lark');
    commonCache = new LarkTranslator(text, parseStatements(text)).terminalLibrary();
  }
  return commonCache;
}

let parserInstance: LarkParser | undefined;
let referenceParser: LarkParser | undefined;

/**
 * The tokens come from scanLark (lark-scanner.ts), not from a chevrotain Lexer, and the parser skips
 * chevrotain's definition validations; checkLarkDefinitions, which the tests run, builds both with all
 * checks.
 */
export function checkLarkDefinitions(): void {
  new Lexer(LARK_TOKEN_TYPES, { positionTracking: 'full' });
  new LarkParser(true);
}

function larkParser(): LarkParser {
  parserInstance ??= new LarkParser();
  return parserInstance;
}
