import type { Rng } from './rng.js';
import type { Shape } from './shape.js';
import { capitalize } from './values.js';

/**
 * Prose for a document: what a user pastes when asking for extraction ("Name: Ann Lee, age 34,
 * lives in Lyon ..."). Properties are named by their phrases, not their keys, so the model must map
 * "email address" to `emailAddress` or `email_address` through the schema.
 */
export type ProseStyle = 'lines' | 'inline' | 'sentence';

function scalarText(value: unknown, rng: Rng): string {
  if (value === null) return rng.pick(['none', 'unknown', 'n/a', 'not given']);
  if (typeof value === 'boolean') return value ? rng.pick(['yes', 'true', 'yes']) : rng.pick(['no', 'false', 'no']);
  return String(value);
}

function listText(items: readonly string[]): string {
  if (items.length === 0) return 'none';
  if (items.length === 1) return items[0]!;
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** One value in running text (nested objects in parentheses, lists with "and"). */
function valueText(value: unknown, shape: Shape, rng: Rng): string {
  const inner = shape.kind === 'nullable' ? shape.inner : shape;
  if (value === null) return scalarText(null, rng);
  if (inner.kind === 'object' && value !== null && typeof value === 'object') {
    return `(${describe(value as Record<string, unknown>, inner, rng, 'inline')})`;
  }
  if (inner.kind === 'array' && Array.isArray(value)) {
    if (inner.items.kind === 'object') {
      return value.length === 0 ? 'none' : value.map((v) => `(${describe(v as Record<string, unknown>, inner.items, rng, 'inline')})`).join('; ');
    }
    return listText(value.map((v) => scalarText(v, rng)));
  }
  if (inner.kind === 'anyOf') return scalarText(value, rng);
  return scalarText(value, rng);
}

/** Prose for a value of `shape` (any shape; objects list their present properties). */
export function describe(value: unknown, shape: Shape, rng: Rng, style: ProseStyle): string {
  if (shape.kind !== 'object' || value === null || typeof value !== 'object' || Array.isArray(value)) {
    return valueText(value, shape, rng);
  }
  const record = value as Record<string, unknown>;
  let props = shape.props.filter((p) => p.key in record);
  if (style !== 'lines' && rng.chance(0.3)) props = rng.shuffle(props);
  const parts = props.map((p) => ({ phrase: p.phrase, text: valueText(record[p.key], p.shape, rng), many: Array.isArray(record[p.key]) }));
  switch (style) {
    case 'lines':
      return parts.map((p) => `${capitalize(p.phrase)}: ${p.text}`).join('\n');
    case 'inline':
      return parts.map((p) => `${p.phrase}: ${p.text}`).join(', ');
    case 'sentence': {
      const clauses = parts.map((p) => `the ${p.phrase} ${p.many ? 'are' : 'is'} ${p.text}`);
      return clauses.length === 0 ? 'Nothing else is known.' : `${capitalize(listText(clauses))}.`;
    }
  }
}

export function plural(noun: string): string {
  if (noun === 'person') return 'people';
  const words = noun.split(' ');
  const last = words.at(-1)!;
  let p: string;
  if (/[^aeiou]y$/.test(last)) p = `${last.slice(0, -1)}ies`;
  else if (/(s|x|ch|sh)$/.test(last)) p = `${last}es`;
  else p = `${last}s`;
  return [...words.slice(0, -1), p].join(' ');
}

export function article(noun: string): string {
  return /^[aeiouAEIOU]/.test(noun) && !/^(user|uni)/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}
