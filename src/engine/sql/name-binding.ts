/**
 * The alias-aware half of the SQL constraint. A context-free grammar cannot tie `T2` in `T2.year` to
 * the table that `FROM concert AS T2` bound it to (SQL writes the select list before FROM), so the
 * grammar lets an alias-qualified column be any column of the database. This check, run on every
 * prefix of the text, rejects a qualified name as soon as it provably cannot bind:
 *
 * - `X.col` where X is bound (by an alias or a table name) in a scope whose FROM clause is complete,
 *   to a table without column `col`, from the first letter that no column of that table has (`X.co`
 *   is refused when no column starts with `co`), so a sampler is turned to a real column at once;
 * - `X.` where no scope can ever bind X: every scope from the reference outwards has finished its
 *   FROM clause without binding it.
 *
 * It never decides what a later part of the text could still change: a reference in a select list
 * (the FROM comes later), in an ON clause (the FROM is still open), in the ORDER BY of a compound
 * query, or in a subquery whose enclosing query has not reached FROM yet is left alone, and so is a
 * subquery in FROM (its columns are not known here). Hence it is monotone, as a prefix check must be:
 * once a prefix fails, every continuation fails, because the bindings it relied on can no longer
 * change. What it leaves open, the execution check decides on the completed query.
 *
 * Tables are matched by name in any letter case; columns likewise, plus rowid/oid/_rowid_.
 */
export interface NameBindingSchema {
  readonly tables: readonly { readonly name: string; readonly columns: readonly { readonly name: string }[] }[];
}

/** A prefix check: false when the text can no longer become a query whose qualified names bind. */
export function nameBindingCheck(schema: NameBindingSchema): (prefix: string) => boolean {
  const tables = new Map<string, ReadonlySet<string>>();
  for (const table of schema.tables) {
    tables.set(table.name.toLowerCase(), new Set([...table.columns.map((c) => c.name.toLowerCase()), 'rowid', 'oid', '_rowid_']));
  }
  return (prefix) => bindable(tokenize(prefix), tables);
}

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct';

interface Token {
  readonly kind: TokenKind;
  /** Lowercase name for words and quoted identifiers, the character for punctuation. */
  readonly text: string;
  /** False for the last token when the text may still extend it (`T1.na` -> `name`). */
  readonly complete: boolean;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/** SQLite's tokens, as far as the check needs them; comments are skipped. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (WORD_START.test(ch)) {
      let j = i + 1;
      while (j < n && WORD_PART.test(text[j])) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j).toLowerCase(), complete: j < n });
      i = j;
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(text[i + 1] ?? '') && tokens[tokens.length - 1]?.kind !== 'word')) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.$]/.test(text[j])) j++;
      tokens.push({ kind: 'number', text: text.slice(i, j), complete: j < n });
      i = j;
    } else if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      let j = i + 1;
      let body = '';
      let closed = false;
      while (j < n) {
        if (text[j] === close) {
          if (close !== ']' && text[j + 1] === close) {
            body += close;
            j += 2;
            continue;
          }
          closed = true;
          j++;
          break;
        }
        body += text[j++];
      }
      tokens.push({ kind: ch === "'" ? 'string' : 'quoted', text: body.toLowerCase(), complete: closed && j < n });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: ch, complete: true });
      i++;
    }
  }
  return tokens;
}

/** Words that end a table reference in FROM (anything else after a table name is its alias). */
const AFTER_TABLE = new Set([
  'as', 'join', 'left', 'right', 'full', 'inner', 'cross', 'natural', 'outer', 'on', 'using', 'where', 'group', 'having', 'order',
  'limit', 'union', 'intersect', 'except', 'window', 'indexed', 'not',
]);
/** Clause keywords that end a FROM clause at its own level. */
const AFTER_FROM = new Set(['where', 'group', 'having', 'order', 'limit', 'union', 'intersect', 'except', 'window']);
const COMPOUND = new Set(['union', 'intersect', 'except']);

interface Scope {
  /** Parenthesis depth of the scope's own tokens. */
  readonly depth: number;
  from: 'before' | 'in' | 'done';
  /** Names bound in FROM: a table's columns, or null for a subquery (columns unknown). */
  bindings: Map<string, ReadonlySet<string> | null>;
  /** A compound operator was seen: its ORDER BY names result columns, which are not checked. */
  compound: boolean;
  orderOfCompound: boolean;
  /** In FROM: a table or subquery is expected next, or the alias of the last one may follow. */
  expect: 'table' | 'alias' | 'other';
  /** In FROM: the name bound by the last table reference (an alias replaces it). */
  lastBound: string | undefined;
  lastColumns: ReadonlySet<string> | null;
}

function newScope(depth: number): Scope {
  return { depth, from: 'before', bindings: new Map(), compound: false, orderOfCompound: false, expect: 'other', lastBound: undefined, lastColumns: null };
}

function bindable(tokens: readonly Token[], tables: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  const scopes: Scope[] = [newScope(0)];
  let depth = 0;
  /** A subquery closed in FROM: its alias (if one follows) binds to unknown columns. */
  let closedSubquery: Scope | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const scope = scopes[scopes.length - 1];
    if (token.kind === 'punct' && token.text === '(') {
      depth++;
      if (tokens[i + 1]?.kind === 'word' && tokens[i + 1].text === 'select') scopes.push(newScope(depth));
      continue;
    }
    if (token.kind === 'punct' && token.text === ')') {
      if (scope.depth === depth && scopes.length > 1) {
        scopes.pop();
        const parent = scopes[scopes.length - 1];
        if (parent.from === 'in' && parent.expect === 'table') {
          parent.expect = 'alias';
          parent.lastBound = undefined;
          parent.lastColumns = null;
          closedSubquery = parent;
        }
      }
      depth--;
      continue;
    }
    if (!token.complete) continue;
    if (depth !== scope.depth) {
      // Inside parentheses of this scope (an expression or a parenthesised join): only qualified names matter.
      if (!checkReference(tokens, i, scopes)) return false;
      if (scope.from === 'in') fromToken(scope, token, tables, tokens, i);
      continue;
    }
    if (token.kind === 'word') {
      const word = token.text;
      if (word === 'from' && scope.from === 'before') {
        scope.from = 'in';
        scope.expect = 'table';
        continue;
      }
      if (AFTER_FROM.has(word) && scope.from === 'in') scope.from = 'done';
      if (COMPOUND.has(word)) {
        scope.compound = true;
        scope.from = 'before';
        scope.bindings = new Map();
        continue;
      }
      if (word === 'order' && scope.compound) scope.orderOfCompound = true;
    }
    if (scope.from === 'in') {
      if (closedSubquery === scope && token.kind !== 'punct') {
        // `(SELECT ...) AS sub` / `(SELECT ...) sub`: the alias of a subquery, columns unknown.
        if (token.kind === 'word' && token.text === 'as') continue;
        if (token.kind === 'quoted' || (token.kind === 'word' && !AFTER_TABLE.has(token.text))) scope.bindings.set(token.text, null);
        closedSubquery = undefined;
        scope.expect = 'other';
        continue;
      }
      closedSubquery = undefined;
      fromToken(scope, token, tables, tokens, i);
      continue;
    }
    if (!checkReference(tokens, i, scopes)) return false;
  }
  return checkEnd(tokens, scopes);
}

/** Follows the table references of a FROM clause and records the names they bind. */
function fromToken(scope: Scope, token: Token, tables: ReadonlyMap<string, ReadonlySet<string>>, tokens: readonly Token[], i: number): void {
  if (token.kind === 'punct') {
    if (token.text === ',') scope.expect = 'table';
    else if (token.text !== '.') scope.expect = 'other';
    return;
  }
  const word = token.kind === 'word' ? token.text : undefined;
  if (word === 'join') {
    scope.expect = 'table';
    return;
  }
  if (word === 'as' && scope.expect === 'alias') return;
  if (scope.expect === 'table' && (token.kind === 'word' || token.kind === 'quoted') && tokens[i + 1]?.text !== '.') {
    const columns = tables.get(token.text) ?? null;
    scope.bindings.set(token.text, columns);
    scope.lastBound = token.text;
    scope.lastColumns = columns;
    scope.expect = 'alias';
    return;
  }
  if (scope.expect === 'alias' && (token.kind === 'quoted' || (token.kind === 'word' && !AFTER_TABLE.has(token.text)))) {
    // An alias hides the table's own name (SQLite: `FROM singer AS s` has no `singer.name`).
    if (scope.lastBound !== undefined) scope.bindings.delete(scope.lastBound);
    scope.bindings.set(token.text, scope.lastColumns);
    scope.expect = 'other';
    return;
  }
  if (word !== undefined && (word === 'natural' || word === 'left' || word === 'right' || word === 'full' || word === 'inner' || word === 'cross' || word === 'outer')) return;
  scope.expect = 'other';
}

/**
 * When tokens[i] is the name of a complete qualified reference `X.Y` or `X.*` (tokens i-2 .. i),
 * false if it provably cannot bind (see the file comment); true otherwise.
 */
function checkReference(tokens: readonly Token[], i: number, scopes: readonly Scope[]): boolean {
  const name = tokens[i];
  const star = name.kind === 'punct' && name.text === '*';
  if (!(name.kind === 'word' || name.kind === 'quoted' || star)) return true;
  const binding = qualifierBinding(tokens, i - 1, scopes);
  if (binding === 'undecided' || binding === null) return true;
  if (binding === 'unbound') return false;
  return star || binding.has(name.text);
}

/**
 * The end of the text, where the last name may still grow: `X.` needs X bound, and `X.na` needs a
 * column of X's table that starts with `na` (so a wrong column is refused at its first wrong letter).
 */
function checkEnd(tokens: readonly Token[], scopes: readonly Scope[]): boolean {
  const last = tokens[tokens.length - 1];
  if (last === undefined) return true;
  if (last.kind === 'punct' && last.text === '.') return qualifierBinding(tokens, tokens.length - 1, scopes) !== 'unbound';
  if (last.complete || !(last.kind === 'word' || last.kind === 'quoted')) return true;
  const binding = qualifierBinding(tokens, tokens.length - 2, scopes);
  if (binding === 'undecided' || binding === null) return true;
  if (binding === 'unbound') return false;
  for (const column of binding) if (column.startsWith(last.text)) return true;
  return false;
}

/**
 * When tokens[dot] is the `.` of a qualified name: what its qualifier is bound to, for good (a
 * table's columns, or null for unknown columns), 'unbound' when no scope can ever bind it, or
 * 'undecided' when a scope that could still bind it is open. Also 'undecided' when it is no
 * qualified name at all.
 */
function qualifierBinding(tokens: readonly Token[], dot: number, scopes: readonly Scope[]): ReadonlySet<string> | null | 'unbound' | 'undecided' {
  const period = tokens[dot];
  const qualifier = tokens[dot - 1];
  if (period?.kind !== 'punct' || period.text !== '.' || !(qualifier?.kind === 'word' || qualifier?.kind === 'quoted')) return 'undecided';
  if (tokens[dot - 2]?.kind === 'punct' && tokens[dot - 2].text === '.') return 'undecided';
  for (let s = scopes.length - 1; s >= 0; s--) {
    const scope = scopes[s];
    // A scope whose FROM is open (or not yet written) may still bind the qualifier, or bind it again.
    if (scope.from !== 'done' || scope.orderOfCompound) return 'undecided';
    const binding = scope.bindings.get(qualifier.text);
    if (binding !== undefined) return binding;
  }
  return 'unbound';
}
