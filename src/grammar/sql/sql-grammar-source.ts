import { InputError } from '../../errors.js';
import { AGGREGATE_FUNCTIONS, COLLATIONS, COMMON_FUNCTIONS, isBareIdentifier, RESERVED_WORDS, SCALAR_FUNCTIONS, TYPE_NAMES } from './sql-words.js';

/** The names a schema-aware SQL grammar allows: the database's tables (and views) and their columns. */
export interface SqlGrammarSchema {
  readonly tables: readonly { readonly name: string; readonly columns: readonly { readonly name: string }[] }[];
  /**
   * Functions the database engine offers (lowercase names, e.g. from pragma_function_list); the
   * grammar offers its built-in functions that are among them. Default: all built-in functions.
   */
  readonly functions?: readonly string[];
}

export interface SqlSourceOptions {
  /**
   * Allow aliases without AS (`SELECT count(*) n`, `FROM singer s`), as SQLite does. Default false:
   * an alias needs AS. Measured with small models: with implicit aliases, a model that wants a name
   * the grammar refuses slides into an alias instead (`SELECT COUNT(*) FROM78`, `FROM_items`), a
   * valid but meaningless query; requiring AS leaves it the real names. No Spider gold query uses an
   * implicit alias.
   */
  readonly implicitAliases?: boolean;
  /**
   * The names a table alias may have (schema-aware grammars): 'any' (default) for every identifier,
   * or a list such as T1..T9. An alias-qualified column (`T1.age`) can start wherever an expression
   * can, so with 'any' every identifier-like token is allowed there: masks of 50,000+ tokens with a
   * 128k vocabulary, and room for a weak model to invent qualifiers. A fixed list keeps expression
   * starts to the database's own names.
   */
  readonly aliases?: 'any' | readonly string[];
  /** 'all' (default): every built-in function (see sql-words.ts); 'common': COMMON_FUNCTIONS only. */
  readonly functions?: 'all' | 'common';
}

/**
 * The SQL grammar as Lark-subset text (see parseLark), token level: whitespace between tokens is
 * `%ignore`d, and SQLite's rule that adjacent words need whitespace between them is added when the
 * grammar is compiled (token-boundaries.ts), so compile it with compileSqlGrammar, not compileGrammar.
 *
 * The dialect is SQLite's SELECT: compound queries (UNION [ALL], INTERSECT, EXCEPT) with ORDER BY
 * and LIMIT/OFFSET; DISTINCT; `*` and `t.*`; joins (comma, [NATURAL] [LEFT|RIGHT|FULL [OUTER]|INNER|
 * CROSS] JOIN, ON / USING); subqueries in FROM, as scalars, after IN and EXISTS; WHERE, GROUP BY,
 * HAVING; expressions with SQLite's operator precedence (OR, AND, NOT, = == != <> IS [NOT] [DISTINCT
 * FROM], [NOT] LIKE/GLOB/REGEXP/MATCH [ESCAPE], [NOT] BETWEEN, [NOT] IN, ISNULL/NOTNULL/NOT NULL, < <=
 * > >=, & | << >>, + -, * / %, || -> ->>, unary - + ~, COLLATE), CASE, CAST, aggregate and scalar
 * function calls, and literals (numbers, 'strings', "strings" as SQLite's legacy mode reads them, X'blob',
 * NULL, TRUE, FALSE, CURRENT_DATE/TIME/TIMESTAMP). Not covered: WITH (common table expressions),
 * VALUES, window functions (OVER), comments, bound parameters.
 *
 * With a schema, table names are the database's tables and views, and column names its columns, in
 * any letter case and in any of SQLite's quotes ("x", `x`, [x]); a name SQLite reserves is offered
 * quoted only. A column qualified by a table name (`singer.age`) must be a column of that table. A
 * column qualified by an alias (`T1.age`) may be any column of the database: aliases are bound in
 * FROM, which SQL writes after the select list, so no context-free grammar can tie `T1` to its table.
 * The SQL backend's execution check does (engine/sql/name-binding.ts): a qualified name after its
 * FROM clause is complete must bind as soon as it is written, and a completed query must run. Aliases
 * are identifiers that are not a keyword, function or name of the grammar, written after AS (unless
 * `implicitAliases`), and a result-column alias is never a column reference (write `ORDER BY
 * count(*)`, not `ORDER BY cnt`).
 *
 * Without a schema (the plain SQLite grammar), any identifier (bare, unless reserved, or quoted) names
 * a table or a column, and qualified names are `x.y`.
 */
export function sqlGrammarSource(schema?: SqlGrammarSchema, options: SqlSourceOptions = {}): string {
  const engine = schema?.functions === undefined ? undefined : new Set(schema.functions.map((f) => f.toLowerCase()));
  const common = options.functions === 'common' ? new Set(COMMON_FUNCTIONS) : undefined;
  const offered = (list: readonly string[]) => list.filter((f) => (engine === undefined || engine.has(f)) && (common === undefined || common.has(f)));
  const aggregates = offered(AGGREGATE_FUNCTIONS).filter((f) => f !== 'count');
  const scalars = offered(SCALAR_FUNCTIONS);
  const lines = [
    `// SQLite SELECT, ${schema === undefined ? 'plain (no database)' : `schema-aware (${schema.tables.length} tables)`}: formwork's SQL grammar`,
    grammarCore(options.implicitAliases === true ? '"as"i?' : '"as"i'),
    `function_call: "count"i "(" ("*" | "distinct"i? expr)? ")"`,
    ...(aggregates.length > 0 ? [`    | aggregate_function "(" "distinct"i? expr ("," expr)* ")"`] : []),
    ...(scalars.length > 0 ? [`    | scalar_function "(" (expr ("," expr)*)? ")"`] : []),
    ...(aggregates.length > 0 ? [`aggregate_function: ${aggregates.map(word).join(' | ')}`] : []),
    ...(scalars.length > 0 ? [`scalar_function: ${scalars.map(word).join(' | ')}`] : []),
    `type_name: (${TYPE_NAMES.map(word).join(' | ')}) ("(" signed_number ("," signed_number)? ")")?`,
    `signed_number: ("+" | "-")? NUMBER`,
    `collation_name: ${COLLATIONS.map(word).join(' | ')}`,
    '',
    ...(schema === undefined ? plainNames(scalars, aggregates) : schemaNames(schema, options.aliases ?? 'any')),
    '',
    TERMINALS,
  ];
  return lines.join('\n');
}

/** Everything that does not depend on the database; `as` is the AS keyword of aliases, optional or not. */
const grammarCore = (as: string) => String.raw`
start: query ";"?

query: select_core (compound_operator select_core)* order_by? limit?
compound_operator: "union"i "all"i? | "intersect"i | "except"i
select_core: "select"i ("distinct"i | "all"i)? result_column ("," result_column)* from_clause? where_clause? group_by? having?
result_column: "*" | table_ref "." "*" | expr (${as} column_alias)?
from_clause: "from"i join_source
join_source: table_or_subquery (join_operator table_or_subquery join_constraint?)*
table_or_subquery: table_name (${as} table_alias)?
    | "(" query ")" (${as} table_alias)?
    | "(" join_source ")"
join_operator: "," | "natural"i? join_kind? "join"i
join_kind: ("left"i | "right"i | "full"i) "outer"i? | "inner"i | "cross"i
join_constraint: "on"i expr | "using"i "(" column_name ("," column_name)* ")"
where_clause: "where"i expr
group_by: "group"i "by"i expr ("," expr)*
having: "having"i expr
order_by: "order"i "by"i ordering_term ("," ordering_term)*
ordering_term: expr ("collate"i collation_name)? ("asc"i | "desc"i)? ("nulls"i ("first"i | "last"i))?
limit: "limit"i expr (("offset"i | ",") expr)?

expr: conjunction ("or"i conjunction)*
conjunction: negation ("and"i negation)*
negation: "not"i negation | equality
equality: comparison equality_tail*
equality_tail: ("=" | "==" | "!=" | "<>") comparison
    | "is"i "not"i? ("distinct"i "from"i)? comparison
    | "not"i? ("like"i | "glob"i | "regexp"i | "match"i) comparison ("escape"i comparison)?
    | "not"i? "between"i comparison "and"i comparison
    | "not"i? "in"i "(" (query | expr ("," expr)*)? ")"
    | "isnull"i | "notnull"i | "not"i "null"i
comparison: bitwise (("<" | "<=" | ">" | ">=") bitwise)*
bitwise: additive (("&" | "|" | "<<" | ">>") additive)*
additive: multiplicative (("+" | "-") multiplicative)*
multiplicative: concatenation (("*" | "/" | "%") concatenation)*
concatenation: unary (("||" | "->" | "->>") unary)*
unary: ("-" | "+" | "~")* primary ("collate"i collation_name)?
primary: literal
    | column_ref
    | function_call
    | "(" expr ("," expr)* ")"
    | "(" query ")"
    | "exists"i "(" query ")"
    | "cast"i "(" expr "as"i type_name ")"
    | "case"i expr? ("when"i expr "then"i expr)+ ("else"i expr)? "end"i
literal: NUMBER | FRACTION | STRING | DQ_STRING | BLOB | "null"i | "true"i | "false"i
    | "current_date"i | "current_time"i | "current_timestamp"i
`;

/**
 * Lexemes. IDENT is any bare identifier; compileSqlGrammar narrows it to non-reserved ones, and its
 * priority -1 makes every word of the grammar (keyword, function, table or column name) win over it.
 */
const TERMINALS = String.raw`NUMBER: /[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?|0[xX][0-9a-fA-F]+/
FRACTION: /\.[0-9]+([eE][+-]?[0-9]+)?/
STRING: /'([^']|'')*'/
DQ_STRING: /"([^"]|"")*"/
BLOB: /[xX]'([0-9a-fA-F][0-9a-fA-F])*'/
IDENT.-1: /[A-Za-z_\u0080-\u{10FFFF}][A-Za-z0-9_$\u0080-\u{10FFFF}]*/
WS: /[ \t\n\r\f]+/
%ignore WS
`;

/** Names in the plain grammar: any identifier. */
function plainNames(scalars: readonly string[], aggregates: readonly string[]): string[] {
  // Words of the grammar that SQLite lets a table or column be named after (DESC, DATE, LEFT...): they
  // win over IDENT (see TERMINALS), so they are names by their own right.
  const words = new Set<string>(['count', ...aggregates, ...scalars, ...TYPE_NAMES, ...COLLATIONS]);
  for (const match of grammarCore('').matchAll(/"([a-z_]+)"i/g)) words.add(match[1]);
  const nonReserved = [...words].filter((w) => !RESERVED_WORDS.has(w)).sort();
  return [
    'table_name: name',
    'table_ref: name',
    'column_name: name',
    'column_ref: name ("." name)?',
    'table_alias: IDENT',
    'column_alias: IDENT',
    `name: IDENT | QUOTED_NAME | ${nonReserved.map(word).join(' | ')}`,
    'QUOTED_NAME: /"([^"]|"")*"|`([^`]|``)*`|\\[[^\\]]*\\]/',
  ];
}

/** Names in a schema-aware grammar: the database's tables and columns. */
function schemaNames(schema: SqlGrammarSchema, aliases: 'any' | readonly string[]): string[] {
  if (!Array.isArray(schema.tables) || schema.tables.length === 0) {
    throw new InputError('the database has no tables: a schema-aware SQL grammar needs at least one', { where: 'sqlGrammarSource' });
  }
  const columnRule = new Map<string, string>();
  const columnLines: string[] = [];
  const tableLines: string[] = [];
  let alias = 'IDENT';
  if (aliases !== 'any') {
    if (!Array.isArray(aliases) || aliases.length === 0) throw new InputError('aliases must be "any" or a non-empty list of names', { where: 'sqlGrammarSource' });
    for (const a of aliases) {
      if (typeof a !== 'string' || !isBareIdentifier(a)) throw new InputError(`alias ${JSON.stringify(a)} is not an identifier SQLite takes unquoted`, { where: 'sqlGrammarSource' });
    }
    alias = 'alias_name';
  }
  const qualified: string[] = [`${alias} "." column_name`];
  const tableRules: string[] = [];
  schema.tables.forEach((table, t) => {
    if (typeof table.name !== 'string' || table.name === '') throw new InputError(`table ${t} has no name`, { where: 'sqlGrammarSource' });
    if (!Array.isArray(table.columns) || table.columns.length === 0) {
      throw new InputError(`table "${table.name}" has no columns`, { where: 'sqlGrammarSource' });
    }
    const own = new Set<string>();
    for (const column of table.columns) {
      const key = column.name.toLowerCase();
      if (!columnRule.has(key)) {
        const rule = `column_${columnRule.size}`;
        columnRule.set(key, rule);
        columnLines.push(`${rule}: ${nameForms(column.name)}`);
      }
      own.add(columnRule.get(key)!);
    }
    tableRules.push(`table_${t}`);
    tableLines.push(`table_${t}: ${nameForms(table.name)}`, `columns_of_${t}: ${[...own].join(' | ')}`);
    qualified.push(`table_${t} "." columns_of_${t}`);
  });
  return [
    `table_name: ${tableRules.join(' | ')}`,
    `table_ref: table_name | ${alias}`,
    `column_name: ${[...columnRule.values()].join(' | ')}`,
    'column_ref: column_name | qualified_column',
    `qualified_column: ${qualified.join('\n    | ')}`,
    `table_alias: ${alias}`,
    'column_alias: IDENT',
    ...(aliases === 'any' ? [] : [`alias_name: ${[...new Set(aliases.map((a) => a.toLowerCase()))].map(word).join(' | ')}`]),
    ...tableLines,
    ...columnLines,
  ];
}

/** A name as SQLite accepts it: bare (unless reserved or not an identifier), "double", `back` or [bracket] quoted. */
function nameForms(name: string): string {
  const forms: string[] = [];
  if (isBareIdentifier(name)) forms.push(larkString(name));
  forms.push(larkString(`"${name.replaceAll('"', '""')}"`), larkString(`\`${name.replaceAll('`', '``')}\``));
  if (!name.includes(']')) forms.push(larkString(`[${name}]`));
  return forms.join(' | ');
}

/** A case-insensitive keyword or name. */
function word(text: string): string {
  return larkString(text);
}

/**
 * A case-insensitive Lark string literal for `text`: `"` and `\` escaped, control characters as \xNN,
 * everything else verbatim. larkStringValue reads it back.
 */
export function larkString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"i`;
}

/** The text of a literal written by larkString (the name Lark gives its lexeme), or undefined. */
export function larkStringValue(image: string): string | undefined {
  if (!(image.startsWith('"') && image.endsWith('"i') && image.length >= 3)) return undefined;
  return image.slice(1, -2).replace(/\\(x[0-9a-f]{2}|.)/gs, (_, e: string) => (e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e));
}
