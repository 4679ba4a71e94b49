/**
 * A corpus of C-like programs for the grammar benchmark (bench/grammar.ts with
 * `--grammar schemas/grammars/c-like.lark`): what a model writes under a code grammar: globals,
 * functions with loops and conditionals, C's expression precedence levels, block and line comments in
 * several languages, string literals with escapes and format specifiers, character literals, hex and
 * float numbers, with 2- or 4-space indentation or tabs. Deterministic (seeded); every program is in
 * the language of c-like.lark (checked when written).
 *
 * Regenerate: npx tsx bench/grammar-c-corpus.ts   (writes bench/corpus/c-programs.json)
 */
import { writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileGrammar } from '../src/grammar/cfg/index.js';
import { SeededRandom } from './seeded-random.js';

export const cCorpusPath = join(dirname(fileURLToPath(import.meta.url)), 'corpus', 'c-programs.json');

const NAMES = ['count', 'total', 'index', 'len', 'buf', 'node', 'next', 'value', 'key', 'sum', 'acc', 'width', 'height', 'offset', 'flags', 'mask', 'result', 'tmp', 'left', 'right', 'lo', 'hi', 'mid', 'step', 'limit', 'score', 'ptr', 'head', 'tail', 'size'];
const FUNCTIONS = ['parse_header', 'hash_bytes', 'update_state', 'read_block', 'find_max', 'normalize', 'checksum', 'merge_runs', 'scan_tokens', 'encode_utf8', 'grow_buffer', 'list_push', 'clamp_range', 'apply_filter', 'print_report'];
const TYPES = ['int', 'long', 'unsigned int', 'unsigned char', 'double', 'float', 'char', 'short', 'unsigned long', 'const char *', 'struct node *', 'int *', 'double *'];
const COMMENTS = [
  'Returns the number of bytes written, or -1 on error.',
  'The caller owns the buffer; it must hold at least len + 1 bytes.',
  'TODO: handle overflow when size exceeds INT_MAX',
  'Binary search over the sorted prefix [lo, hi).',
  'Gibt die Anzahl der gelesenen Zeichen zurück.',
  'Retourne la valeur normalisée entre 0 et 1 (inclus).',
  'バッファが足りない場合は再確保する。',
  '计算校验和，溢出时回绕。',
  'Вычисляет сумму элементов массива.',
  'NOTE: not thread-safe -- guard with a lock if shared.',
  'Fast path: the common case is a single ASCII byte (< 0x80).',
  'Invariant: head != NULL implies tail != NULL.',
];
const MESSAGES = [
  'error: %s\\n',
  'read %d bytes from \\"%s\\"\\n',
  'value=%ld, mask=0x%08x\\n',
  'Zürich → São Paulo: %.2f km\\n',
  'warning: index %d out of range [0, %d)\\n',
  '\\tdone in %u ms\\n',
  'ok',
  'Überprüfung fehlgeschlagen: %s',
  'résultat : %g\\n',
  '完了しました (%d 件)\\n',
  'path: C:\\\\temp\\\\out.txt',
  '%s:%d: unexpected \'%c\'\\n',
];
const CHARS = ["'a'", "'\\n'", "'\\0'", "'\\t'", "'x'", "'\\''", "'\\\\'", "' '", "'0'", "'Z'"];

class ProgramWriter {
  private out = '';
  private depth = 0;

  constructor(
    private readonly r: SeededRandom,
    private readonly indent: string,
  ) {}

  program(): string {
    const r = this.r;
    if (r.chance(0.7)) this.blockComment(r.int(1, 3));
    for (let g = r.int(0, 3); g > 0; g--) this.line(this.declaration(true));
    for (let f = r.int(2, 5); f > 0; f--) {
      this.out += '\n';
      this.func();
    }
    return this.out;
  }

  private line(text: string): void {
    this.out += this.indent.repeat(this.depth) + text + '\n';
  }

  private blockComment(lines: number): void {
    if (lines === 1) {
      this.line(`/* ${this.r.pick(COMMENTS)} */`);
      return;
    }
    this.line('/*');
    for (let k = 0; k < lines; k++) this.line(` * ${this.r.pick(COMMENTS)}`);
    this.line(' */');
  }

  private name(): string {
    const r = this.r;
    const base = r.pick(NAMES);
    return r.chance(0.2) ? `${base}_${r.int(0, 9)}` : base;
  }

  private declaration(global: boolean): string {
    const r = this.r;
    const type = r.pick(TYPES);
    const parts: string[] = [];
    for (let k = r.int(1, global ? 1 : 3); k > 0; k--) {
      const name = this.name();
      if (r.chance(0.2)) parts.push(`${name}[${r.int(2, 256)}]`);
      else if (r.chance(0.6)) parts.push(`${name} = ${type.includes('char *') ? `"${r.pick(MESSAGES)}"` : this.expr(1)}`);
      else parts.push(name);
    }
    return `${type} ${parts.join(', ')};`;
  }

  private func(): void {
    const r = this.r;
    if (r.chance(0.6)) this.blockComment(r.int(1, 2));
    const params = r.chance(0.15) ? 'void' : Array.from({ length: r.int(1, 3) }, () => `${r.pick(TYPES)} ${this.name()}`).join(', ');
    this.line(`${r.pick(['int', 'void', 'double', 'long', 'unsigned int', 'const char *', 'struct node *'])} ${r.pick(FUNCTIONS)}(${params}) {`);
    this.depth++;
    for (let s = r.int(2, 6); s > 0; s--) this.statement(2);
    this.line(`return ${this.expr(2)};`);
    this.depth--;
    this.line('}');
  }

  private statement(budget: number): void {
    const r = this.r;
    const kind = budget <= 0 ? r.int(0, 2) : r.int(0, 9);
    switch (kind) {
      case 0:
        this.line(`${this.lvalue()} ${r.pick(['=', '+=', '-=', '|=', '<<=', '*='])} ${this.expr(2)};`);
        break;
      case 1:
        this.line(`printf("${r.pick(MESSAGES)}", ${this.expr(1)});${r.chance(0.3) ? ` // ${r.pick(COMMENTS)}` : ''}`);
        break;
      case 2:
        this.line(this.declaration(false));
        break;
      case 3:
        this.line(`// ${r.pick(COMMENTS)}`);
        this.statement(budget - 1);
        break;
      case 4:
      case 5:
        this.compound(`if (${this.condition()})`, budget);
        if (r.chance(0.4)) this.compound('else', budget);
        break;
      case 6: {
        const i = r.pick(['i', 'j', 'k']);
        this.compound(`for (${i} = 0; ${i} < ${this.name()}; ${i}++)`, budget);
        break;
      }
      case 7:
        this.compound(`while (${this.condition()})`, budget);
        break;
      case 8:
        this.line(`${this.name()} = ${this.name()}->${this.name()};`);
        break;
      default:
        this.line(`${this.name()}[${this.expr(1)}] = ${r.chance(0.5) ? r.pick(CHARS) : this.expr(2)};`);
    }
  }

  private compound(head: string, budget: number): void {
    this.line(`${head} {`);
    this.depth++;
    for (let s = this.r.int(1, 3); s > 0; s--) this.statement(budget - 1);
    this.depth--;
    this.line('}');
  }

  private lvalue(): string {
    const r = this.r;
    return r.chance(0.7) ? this.name() : r.chance(0.5) ? `*${this.name()}` : `${this.name()}.${this.name()}`;
  }

  private condition(): string {
    const r = this.r;
    const cmp = () => `${this.expr(1)} ${r.pick(['<', '<=', '>', '>=', '==', '!='])} ${this.expr(1)}`;
    return r.chance(0.3) ? `${cmp()} ${r.pick(['&&', '||'])} ${cmp()}` : cmp();
  }

  private expr(depth: number): string {
    const r = this.r;
    if (depth <= 0 || r.chance(0.35)) return this.atom();
    switch (r.int(0, 5)) {
      case 0:
        return `${this.expr(depth - 1)} ${r.pick(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'])} ${this.expr(depth - 1)}`;
      case 1:
        return `(${this.expr(depth - 1)})`;
      case 2:
        return `${r.pick(FUNCTIONS)}(${this.expr(depth - 1)}, ${this.atom()})`;
      case 3:
        return `${this.name()}[${this.expr(depth - 1)}]`;
      case 4:
        return `${r.pick(['-', '!', '~', '(int) ', '(double) ', 'sizeof(int) * '])}${this.atom()}`;
      default:
        return `${this.condition()} ? ${this.atom()} : ${this.atom()}`;
    }
  }

  private atom(): string {
    const r = this.r;
    switch (r.int(0, 7)) {
      case 0:
        return String(r.int(0, 1000));
      case 1:
        return `0x${r.int(0, 0xffff).toString(16).toUpperCase()}`;
      case 2:
        return `${r.int(0, 99)}.${r.int(0, 999)}${r.chance(0.3) ? 'f' : ''}`;
      case 3:
        return `${r.int(1, 9)}e${r.chance(0.5) ? '-' : ''}${r.int(1, 12)}`;
      case 4:
        return r.pick(CHARS);
      case 5:
        return `${this.name()}++`;
      default:
        return this.name();
    }
  }
}

export function generateCPrograms(count = 24, seed = 0x5eed_c0de): string[] {
  const r = new SeededRandom(seed);
  const programs: string[] = [];
  for (let k = 0; k < count; k++) programs.push(new ProgramWriter(r, r.pick(['  ', '    ', '\t'])).program());
  return programs;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(fileURLToPath(import.meta.url))) {
  const programs = generateCPrograms();
  const grammarPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'grammars', 'c-like.lark');
  const grammar = compileGrammar(readFileSync(grammarPath, 'utf8'), { syntax: 'lark', sourceName: 'c-like.lark' });
  programs.forEach((p, k) => {
    if (!grammar.matches(p)) throw new Error(`program ${k} is not in c-like.lark:\n${p}`);
  });
  writeFileSync(cCorpusPath, JSON.stringify(programs, null, 1) + '\n');
  console.log(`wrote ${programs.length} programs (${programs.reduce((n, p) => n + p.length, 0)} characters) to ${cCorpusPath}`);
}
