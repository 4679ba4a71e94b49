import type { Rng } from './rng.js';
import type { Column, Database, Row, Table } from './sql-databases.js';

/**
 * Question -> SQL pairs over the corpus's databases, in Spider's style (upper-case keywords, T1/T2
 * aliases in joins, no trailing semicolon). Literal values are drawn from the database's rows, so
 * every query returns something; build-corpus executes each one in SQLite to prove it runs.
 */
export interface SqlPair {
  readonly question: string;
  readonly sql: string;
  /** Template name, for the evaluation's breakdown. */
  readonly template: string;
}

interface Ctx {
  readonly rng: Rng;
  readonly db: Database;
  readonly rows: Map<string, Row[]>;
}

const byRole = (t: Table, role: Column['role']): Column[] => t.columns.filter((c) => c.role === role);

/** The column that names a row: its label, else its first descriptive column. */
function labelOf(t: Table): Column {
  return byRole(t, 'label')[0] ?? byRole(t, 'category')[0] ?? t.columns.find((c) => c.role !== 'id' && c.role !== 'fk')!;
}

function valueOf(ctx: Ctx, t: Table, col: Column): string | number {
  const rows = ctx.rows.get(t.name)!;
  const index = t.columns.indexOf(col);
  return ctx.rng.pick(rows)[index]!;
}

/** A random element, or undefined when there is none (a template that does not apply). */
function one<T>(ctx: Ctx, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : ctx.rng.pick(items);
}

const lit = (v: string | number): string => (typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`);
/** A value as a question spells it (strings bare, as Spider's questions do). */
const say = (v: string | number): string => String(v);

type Template = (ctx: Ctx, t: Table) => Omit<SqlPair, 'template'> | null;

const TEMPLATES: Record<string, Template> = {
  all: (ctx, t) => ({ question: ctx.rng.pick([`List all ${t.nouns}.`, `Show every ${t.noun}.`, `Give me all the ${t.nouns}.`]), sql: `SELECT * FROM ${t.name}` }),
  labels: (ctx, t) => {
    const l = labelOf(t);
    return { question: ctx.rng.pick([`List the ${l.phrase} of every ${t.noun}.`, `What is the ${l.phrase} of each ${t.noun}?`]), sql: `SELECT ${l.name} FROM ${t.name}` };
  },
  filter: (ctx, t) => {
    const cat = one(ctx, [...byRole(t, 'category'), ...byRole(t, 'label')]);
    const l = labelOf(t);
    if (!cat || cat === l) return null;
    const v = valueOf(ctx, t, cat);
    return { question: ctx.rng.pick([`List the ${l.phrase} of ${t.nouns} whose ${cat.phrase} is ${say(v)}.`, `Which ${t.nouns} have ${cat.phrase} ${say(v)}? Give their ${l.phrase}.`]), sql: `SELECT ${l.name} FROM ${t.name} WHERE ${cat.name} = ${lit(v)}` };
  },
  count: (ctx, t) => ({ question: ctx.rng.pick([`How many ${t.nouns} are there?`, `Count the ${t.nouns}.`, `What is the number of ${t.nouns}?`]), sql: `SELECT COUNT(*) FROM ${t.name}` }),
  countFilter: (ctx, t) => {
    const cat = one(ctx, byRole(t, 'category').concat(byRole(t, 'flag')));
    if (!cat) return null;
    if (cat.role === 'flag') return { question: `How many ${t.nouns} are ${cat.phrase}?`, sql: `SELECT COUNT(*) FROM ${t.name} WHERE ${cat.name} = 1` };
    const v = valueOf(ctx, t, cat);
    return { question: ctx.rng.pick([`How many ${t.nouns} have ${cat.phrase} ${say(v)}?`, `Count the ${t.nouns} whose ${cat.phrase} is ${say(v)}.`]), sql: `SELECT COUNT(*) FROM ${t.name} WHERE ${cat.name} = ${lit(v)}` };
  },
  countCompare: (ctx, t) => {
    const m = one(ctx, byRole(t, 'measure'));
    if (!m) return null;
    const v = valueOf(ctx, t, m);
    const [word, op] = ctx.rng.pick([['greater than', '>'], ['more than', '>'], ['less than', '<'], ['at least', '>=']] as const);
    return { question: `How many ${t.nouns} have a ${m.phrase} ${word} ${v}?`, sql: `SELECT COUNT(*) FROM ${t.name} WHERE ${m.name} ${op} ${v}` };
  },
  aggregate: (ctx, t) => {
    const m = one(ctx, byRole(t, 'measure'));
    if (!m) return null;
    const [word, fn] = ctx.rng.pick([['average', 'AVG'], ['maximum', 'MAX'], ['minimum', 'MIN'], ['total', 'SUM'], ['highest', 'MAX'], ['lowest', 'MIN']] as const);
    return { question: ctx.rng.pick([`What is the ${word} ${m.phrase} of all ${t.nouns}?`, `Find the ${word} ${m.phrase} of the ${t.nouns}.`]), sql: `SELECT ${fn}(${m.name}) FROM ${t.name}` };
  },
  aggregateFilter: (ctx, t) => {
    const m = one(ctx, byRole(t, 'measure'));
    const cat = one(ctx, byRole(t, 'category'));
    if (!m || !cat) return null;
    const v = valueOf(ctx, t, cat);
    const [word, fn] = ctx.rng.pick([['average', 'AVG'], ['maximum', 'MAX'], ['total', 'SUM']] as const);
    return { question: `What is the ${word} ${m.phrase} of ${t.nouns} whose ${cat.phrase} is ${say(v)}?`, sql: `SELECT ${fn}(${m.name}) FROM ${t.name} WHERE ${cat.name} = ${lit(v)}` };
  },
  orderBy: (ctx, t) => {
    const m = one(ctx, [...byRole(t, 'measure'), ...byRole(t, 'date')]);
    if (!m) return null;
    const l = labelOf(t);
    const desc = ctx.rng.chance(0.5);
    return { question: `List the ${l.phrase} of all ${t.nouns} ordered by ${m.phrase}${desc ? ', from highest to lowest' : ''}.`, sql: `SELECT ${l.name} FROM ${t.name} ORDER BY ${m.name}${desc ? ' DESC' : ''}` };
  },
  top1: (ctx, t) => {
    const m = one(ctx, byRole(t, 'measure'));
    if (!m) return null;
    const l = labelOf(t);
    const high = ctx.rng.chance(0.6);
    return { question: ctx.rng.pick([`Which ${t.noun} has the ${high ? 'highest' : 'lowest'} ${m.phrase}? Give its ${l.phrase}.`, `What is the ${l.phrase} of the ${t.noun} with the ${high ? 'largest' : 'smallest'} ${m.phrase}?`]), sql: `SELECT ${l.name} FROM ${t.name} ORDER BY ${m.name}${high ? ' DESC' : ''} LIMIT 1` };
  },
  topK: (ctx, t) => {
    const m = one(ctx, byRole(t, 'measure'));
    if (!m) return null;
    const l = labelOf(t);
    const k = ctx.rng.int(2, 5);
    const high = ctx.rng.chance(0.5);
    return { question: `Show the ${l.phrase} and ${m.phrase} of the ${k} ${t.nouns} with the ${high ? 'highest' : 'lowest'} ${m.phrase}.`, sql: `SELECT ${l.name}, ${m.name} FROM ${t.name} ORDER BY ${m.name}${high ? ' DESC' : ' ASC'} LIMIT ${k}` };
  },
  groupCount: (ctx, t) => {
    const cat = one(ctx, byRole(t, 'category'));
    if (!cat) return null;
    return { question: ctx.rng.pick([`How many ${t.nouns} are there for each ${cat.phrase}?`, `Count the ${t.nouns} in each ${cat.phrase}.`]), sql: `SELECT ${cat.name}, COUNT(*) FROM ${t.name} GROUP BY ${cat.name}` };
  },
  groupAggregate: (ctx, t) => {
    const cat = one(ctx, byRole(t, 'category'));
    const m = one(ctx, byRole(t, 'measure'));
    if (!cat || !m) return null;
    const [word, fn] = ctx.rng.pick([['average', 'AVG'], ['maximum', 'MAX'], ['total', 'SUM']] as const);
    return { question: `What is the ${word} ${m.phrase} for each ${cat.phrase}?`, sql: `SELECT ${cat.name}, ${fn}(${m.name}) FROM ${t.name} GROUP BY ${cat.name}` };
  },
  having: (ctx, t) => {
    const cat = one(ctx, byRole(t, 'category'));
    if (!cat) return null;
    const k = ctx.rng.int(2, 4);
    return { question: `Which ${cat.phrase} values have at least ${k} ${t.nouns}?`, sql: `SELECT ${cat.name} FROM ${t.name} GROUP BY ${cat.name} HAVING COUNT(*) >= ${k}` };
  },
  mostCommon: (ctx, t) => {
    const cat = one(ctx, byRole(t, 'category'));
    if (!cat) return null;
    return { question: ctx.rng.pick([`Which ${cat.phrase} has the most ${t.nouns}?`, `What is the most common ${cat.phrase} among ${t.nouns}?`]), sql: `SELECT ${cat.name} FROM ${t.name} GROUP BY ${cat.name} ORDER BY COUNT(*) DESC LIMIT 1` };
  },
  distinct: (ctx, t) => {
    const cat = one(ctx, byRole(t, 'category'));
    if (!cat) return null;
    return { question: ctx.rng.pick([`List the distinct ${cat.phrase} values of all ${t.nouns}.`, `What different ${cat.phrase} values do the ${t.nouns} have?`]), sql: `SELECT DISTINCT ${cat.name} FROM ${t.name}` };
  },
  like: (ctx, t) => {
    const l = byRole(t, 'label')[0];
    if (!l) return null;
    const v = String(valueOf(ctx, t, l));
    const words = v.split(/\s+/).filter((w) => w.length >= 3);
    if (words.length === 0) return null;
    const w = ctx.rng.pick(words);
    return { question: `Find the ${t.nouns} whose ${l.phrase} contains "${w}".`, sql: `SELECT * FROM ${t.name} WHERE ${l.name} LIKE '%${w.replaceAll("'", "''")}%'` };
  },
  between: (ctx, t) => {
    const m = one(ctx, byRole(t, 'measure'));
    if (!m) return null;
    const l = labelOf(t);
    const a = Number(valueOf(ctx, t, m));
    const b = Number(valueOf(ctx, t, m));
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    return { question: `List the ${l.phrase} of ${t.nouns} with ${m.phrase} between ${lo} and ${hi}.`, sql: `SELECT ${l.name} FROM ${t.name} WHERE ${m.name} BETWEEN ${lo} AND ${hi}` };
  },
  dateCompare: (ctx, t) => {
    const d = one(ctx, byRole(t, 'date'));
    if (!d) return null;
    const l = labelOf(t);
    const v = valueOf(ctx, t, d);
    const after = ctx.rng.chance(0.5);
    return { question: `Which ${t.nouns} have a ${d.phrase} ${after ? 'after' : 'before'} ${v}? Show their ${l.phrase}.`, sql: `SELECT ${l.name} FROM ${t.name} WHERE ${d.name} ${after ? '>' : '<'} ${lit(v)}` };
  },
  twoConditions: (ctx, t) => {
    const cat = one(ctx, byRole(t, 'category'));
    const m = one(ctx, byRole(t, 'measure'));
    if (!cat || !m) return null;
    const l = labelOf(t);
    const v = valueOf(ctx, t, cat);
    const n = valueOf(ctx, t, m);
    return { question: `List the ${l.phrase} of ${t.nouns} whose ${cat.phrase} is ${say(v)} and whose ${m.phrase} is above ${n}.`, sql: `SELECT ${l.name} FROM ${t.name} WHERE ${cat.name} = ${lit(v)} AND ${m.name} > ${n}` };
  },
  either: (ctx, t) => {
    const cat = one(ctx, byRole(t, 'category'));
    if (!cat) return null;
    const v1 = valueOf(ctx, t, cat);
    const v2 = valueOf(ctx, t, cat);
    if (v1 === v2) return null;
    return { question: `How many ${t.nouns} have ${cat.phrase} ${say(v1)} or ${say(v2)}?`, sql: `SELECT COUNT(*) FROM ${t.name} WHERE ${cat.name} = ${lit(v1)} OR ${cat.name} = ${lit(v2)}` };
  },
  aboveAverage: (ctx, t) => {
    const m = one(ctx, byRole(t, 'measure'));
    if (!m) return null;
    const l = labelOf(t);
    return { question: `List the ${l.phrase} of ${t.nouns} whose ${m.phrase} is above the average.`, sql: `SELECT ${l.name} FROM ${t.name} WHERE ${m.name} > (SELECT AVG(${m.name}) FROM ${t.name})` };
  },
  join: (ctx, t) => {
    const f = one(ctx, byRole(t, 'fk'));
    if (!f) return null;
    const parent = ctx.db.tables.find((x) => x.name === f.references)!;
    const cl = labelOf(t);
    const pl = labelOf(parent);
    return { question: ctx.rng.pick([`List the ${cl.phrase} of each ${t.noun} together with the ${pl.phrase} of its ${f.phrase}.`, `For every ${t.noun}, show its ${cl.phrase} and the ${pl.phrase} of the ${f.phrase}.`]), sql: `SELECT T1.${cl.name}, T2.${pl.name} FROM ${t.name} AS T1 JOIN ${parent.name} AS T2 ON T1.${f.name} = T2.id` };
  },
  joinFilter: (ctx, t) => {
    const f = one(ctx, byRole(t, 'fk'));
    if (!f) return null;
    const parent = ctx.db.tables.find((x) => x.name === f.references)!;
    const cl = labelOf(t);
    const pcol = ctx.rng.pick([labelOf(parent), ...byRole(parent, 'category')]);
    const v = valueOf(ctx, parent, pcol);
    return { question: `What is the ${cl.phrase} of the ${t.nouns} whose ${f.phrase} has ${pcol.phrase} ${say(v)}?`, sql: `SELECT T1.${cl.name} FROM ${t.name} AS T1 JOIN ${parent.name} AS T2 ON T1.${f.name} = T2.id WHERE T2.${pcol.name} = ${lit(v)}` };
  },
  joinGroup: (ctx, t) => {
    const f = one(ctx, byRole(t, 'fk'));
    if (!f) return null;
    const parent = ctx.db.tables.find((x) => x.name === f.references)!;
    const pl = labelOf(parent);
    return { question: `How many ${t.nouns} does each ${f.phrase} have? Show the ${pl.phrase} and the count.`, sql: `SELECT T2.${pl.name}, COUNT(*) FROM ${t.name} AS T1 JOIN ${parent.name} AS T2 ON T1.${f.name} = T2.id GROUP BY T1.${f.name}` };
  },
  joinAggregate: (ctx, t) => {
    const f = one(ctx, byRole(t, 'fk'));
    const m = one(ctx, byRole(t, 'measure'));
    if (!f || !m) return null;
    const parent = ctx.db.tables.find((x) => x.name === f.references)!;
    const pcol = ctx.rng.pick([labelOf(parent), ...byRole(parent, 'category')]);
    const v = valueOf(ctx, parent, pcol);
    return { question: `What is the total ${m.phrase} of ${t.nouns} whose ${f.phrase} has ${pcol.phrase} ${say(v)}?`, sql: `SELECT SUM(T1.${m.name}) FROM ${t.name} AS T1 JOIN ${parent.name} AS T2 ON T1.${f.name} = T2.id WHERE T2.${pcol.name} = ${lit(v)}` };
  },
  notIn: (ctx, t) => {
    const child = one(ctx, ctx.db.tables.filter((x) => x.columns.some((c) => c.references === t.name)));
    if (!child) return null;
    const f = child.columns.find((c) => c.references === t.name)!;
    const l = labelOf(t);
    return { question: `Which ${t.nouns} have no ${child.nouns}? Give their ${l.phrase}.`, sql: `SELECT ${l.name} FROM ${t.name} WHERE id NOT IN (SELECT ${f.name} FROM ${child.name})` };
  },
};

export const SQL_TEMPLATES: readonly string[] = Object.keys(TEMPLATES);

/** One question over `db` (a random table and template; retried until the template applies). */
export function drawSqlPair(rng: Rng, db: Database, rows: Map<string, Row[]>): SqlPair {
  const ctx: Ctx = { rng, db, rows };
  for (;;) {
    const template = rng.pick(SQL_TEMPLATES);
    const table = rng.pick(db.tables);
    if (template === 'notIn' && !db.tables.some((x) => x.columns.some((c) => c.references === table.name))) continue;
    const pair = TEMPLATES[template]!(ctx, table);
    if (pair) return { ...pair, template };
  }
}
