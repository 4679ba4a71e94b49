import { DOMAINS, GENERIC_WORDS, domainByName, type Domain, type NestedBuilder } from './catalog.js';
import type { Rng } from './rng.js';
import type { Prop, Shape } from './shape.js';
import { complexity } from './shape.js';
import * as V from './values.js';

/**
 * Random draws from the space of schema shapes: domain records (a subset of a domain's concepts in one
 * naming style, with random required sets, nesting and annotations), records with invented keys (so
 * the model learns to copy any key from the schema, not only the catalog's), lists of records, and
 * one-value answers. `kind: 'simple'` restricts to flat objects of at most six scalar properties:
 * the shapes the issue's >= 60% unconstrained-validity target is measured on.
 */
export interface DrawnShape {
  readonly shape: Shape;
  /** The record's noun in prompts ("customer", "weather report"); plural handled by prompts. */
  readonly entity: string;
  /** Catalog domain, or 'generic' for invented keys. */
  readonly domain: string;
}

export type KeyStyle = 'camel' | 'snake' | 'pascal' | 'lower';

export function keyFor(words: string, style: KeyStyle): string {
  const parts = words.split(' ');
  switch (style) {
    case 'snake':
      return parts.map((p) => (/^[A-Z]+$/.test(p) ? p.toLowerCase() : p)).join('_');
    case 'camel':
      return parts.map((p, i) => (i === 0 ? p : V.capitalize(p))).join('');
    case 'pascal':
      return parts.map(V.capitalize).join('');
    case 'lower':
      return parts.join('').toLowerCase();
  }
}

function drawKeyStyle(rng: Rng): KeyStyle {
  return rng.weighted([[45, 'camel'], [45, 'snake'], [5, 'pascal'], [5, 'lower']]);
}

const SCALAR = new Set(['string', 'integer', 'number', 'boolean', 'enum']);
function isScalar(shape: Shape): boolean {
  return SCALAR.has(shape.kind) || (shape.kind === 'nullable' && SCALAR.has(shape.inner.kind));
}

export interface DrawOptions {
  /** Domains to draw from (default: all). */
  readonly domains?: readonly Domain[];
  /** Flat objects of at most six scalar properties. */
  readonly simple?: boolean;
}

/** Draws a record shape of `domain` with about `props` properties, nested down to `depth` levels. */
export function drawRecord(rng: Rng, domain: Domain, props: readonly [number, number], depth: number, simple = false): Shape {
  const style = drawKeyStyle(rng);
  const builder: NestedBuilder = {
    nested: (name, range) =>
      depth <= 1 ? { kind: 'string', gen: (_r, p) => `${p.city}, ${p.country}`, keywords: {} } : drawRecord(rng, domainByName(name), range, depth - 1),
  };
  const wanted = rng.int(props[0], props[1]);
  const chosen = rng.chance(0.8) ? rng.sample(domain.concepts, domain.concepts.length).slice(0, wanted * 2) : rng.shuffle(domain.concepts);
  // Catalog order reads naturally (id and name first); keep it most of the time.
  const ordered = rng.chance(0.75) ? domain.concepts.filter((c) => chosen.includes(c)) : chosen;
  const out: Prop[] = [];
  const keys = new Set<string>();
  const requiredMode = rng.weighted([[35, 'all'], [10, 'none'], [55, 'some']] as const);
  for (const concept of ordered) {
    if (out.length >= wanted) break;
    const shape = concept.make(rng, builder);
    if (simple && !isScalar(shape)) continue;
    const key = keyFor(concept.words, style);
    if (keys.has(key)) continue;
    keys.add(key);
    const required = requiredMode === 'all' || (requiredMode === 'some' && rng.chance(0.6));
    const phrase = concept.phrase ?? concept.words;
    const prop: Prop = rng.chance(0.07)
      ? { key, phrase, shape, required, description: rng.pick([`The ${phrase}`, `${V.capitalize(phrase)} of the record`, `${V.capitalize(phrase)}`]) }
      : { key, phrase, shape, required };
    out.push(prop);
  }
  const entity = rng.pick(domain.entities);
  const annotations: { title?: string; description?: string } = {};
  if (rng.chance(0.12)) annotations.title = V.capitalize(entity);
  if (rng.chance(0.12)) annotations.description = rng.pick([`A ${entity}`, `${V.capitalize(entity)} record`, `Details of one ${entity}`]);
  return { kind: 'object', props: out, closed: rng.chance(0.35), ...annotations };
}

/** A record with invented keys ("quietRiver": integer) of scalar, list and nested values. */
export function drawGenericRecord(rng: Rng, props: readonly [number, number], depth: number, simple = false): Shape {
  const style = drawKeyStyle(rng);
  const n = rng.int(props[0], props[1]);
  const out: Prop[] = [];
  const keys = new Set<string>();
  const { adjectives, nouns } = GENERIC_WORDS;
  for (let i = 0; out.length < n && i < n * 4; i++) {
    const words = rng.weighted([[3, rng.pick(nouns)], [3, `${rng.pick(adjectives)} ${rng.pick(nouns)}`], [2, `${rng.pick(nouns)} ${rng.pick(['count', 'id', 'name', 'code', 'level', 'score', 'type', 'list', 'date'])}`]]);
    const key = keyFor(words, style);
    if (keys.has(key)) continue;
    keys.add(key);
    const shape = drawGenericValue(rng, words, simple ? 0 : depth - 1);
    out.push({ key, phrase: words, shape, required: rng.chance(0.65) });
  }
  return { kind: 'object', props: out, closed: rng.chance(0.35) };
}

function drawGenericValue(rng: Rng, words: string, depth: number): Shape {
  const last = words.split(' ').at(-1)!;
  if (last === 'count' || last === 'level' || last === 'score') {
    const hi = rng.pick([5, 10, 100, 1000]);
    return { kind: 'integer', gen: (r) => r.int(0, hi), keywords: rng.chance(0.5) ? { minimum: 0, maximum: hi } : {} };
  }
  if (last === 'date') return { kind: 'string', gen: (r) => V.date(r), keywords: rng.chance(0.6) ? { format: 'date' } : {} };
  if (last === 'id') return rng.chance(0.5) ? { kind: 'integer', gen: (r) => r.int(1, 9999), keywords: {} } : { kind: 'string', gen: V.uuid, keywords: {} };
  const kinds: [number, string][] = [[4, 'string'], [3, 'integer'], [2, 'number'], [2, 'boolean'], [2, 'enum'], [1, 'nullable']];
  if (depth > 0) kinds.push([1, 'list'], [1, 'object']);
  switch (rng.weighted(kinds)) {
    case 'string':
      return { kind: 'string', gen: V.word, keywords: rng.chance(0.15) ? { minLength: 1, maxLength: 40 } : {} };
    case 'integer': {
      const lo = rng.pick([0, 0, 1, -100]);
      const hi = lo + rng.pick([10, 100, 1000, 100000]);
      return { kind: 'integer', gen: (r) => r.int(lo, hi), keywords: rng.chance(0.4) ? { minimum: lo, maximum: hi } : {} };
    }
    case 'number':
      return { kind: 'number', gen: (r) => V.decimal(r, 0, 100, rng.int(1, 3)), keywords: rng.chance(0.3) ? { minimum: 0 } : {} };
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'enum', values: rng.sample(rng.chance(0.5) ? GENERIC_WORDS.adjectives : GENERIC_WORDS.nouns, rng.int(2, 5)), typed: rng.chance(0.6) };
    case 'nullable':
      return { kind: 'nullable', inner: { kind: 'string', gen: V.word, keywords: {} } };
    case 'list':
      return { kind: 'array', items: rng.chance(0.6) ? { kind: 'string', gen: V.word, keywords: {} } : { kind: 'integer', gen: (r) => r.int(0, 99), keywords: {} }, minItems: undefined, maxItems: undefined, unique: false, lengths: [0, 4] };
    default:
      return drawGenericRecord(rng, [1, 3], depth);
  }
}

/**
 * One shape of the corpus's distribution: mostly records (55% simple: the shapes the validity target is measured on), some lists of
 * records, a few one-value answers.
 */
export function drawShape(rng: Rng, options: DrawOptions = {}): DrawnShape {
  const domains = options.domains ?? DOMAINS;
  const domain = rng.pick(domains);
  if (options.simple) {
    if (rng.chance(0.2)) return { shape: drawGenericRecord(rng, [1, 6], 1, true), entity: 'record', domain: 'generic' };
    let shape = drawRecord(rng, domain, [1, 6], 1, true);
    if (shape.kind === 'object' && shape.props.length === 0) shape = drawRecord(rng, domain, [2, 6], 1, true);
    return { shape, entity: rng.pick(domain.entities), domain: domain.name };
  }
  const form = rng.weighted([[55, 'simple'], [25, 'record'], [8, 'generic'], [7, 'list'], [5, 'value']] as const);
  switch (form) {
    case 'simple':
      return drawShape(rng, { domains, simple: true });
    case 'record':
      return { shape: drawRecord(rng, domain, [2, 8], rng.int(1, 3)), entity: rng.pick(domain.entities), domain: domain.name };
    case 'generic':
      return { shape: drawGenericRecord(rng, [1, 7], rng.int(1, 2)), entity: 'record', domain: 'generic' };
    case 'list': {
      const n = rng.int(1, 4);
      const exact = rng.chance(0.5);
      const items = drawRecord(rng, domain, [1, 4], 1, true);
      const shape: Shape = { kind: 'array', items, minItems: exact ? n : rng.chance(0.5) ? 1 : undefined, maxItems: exact ? n : undefined, unique: false, lengths: exact ? [n, n] : [1, 4] };
      return { shape, entity: rng.pick(domain.entities), domain: domain.name };
    }
    case 'value': {
      const concept = rng.pick(domain.concepts);
      const shape = concept.make(rng, { nested: () => ({ kind: 'string', gen: (_r, p) => p.city, keywords: {} }) });
      return { shape, entity: concept.phrase ?? concept.words, domain: domain.name };
    }
  }
}

/** True when a shape meets the "simple" definition (flat object, 1..6 scalar properties). */
export function isSimple(shape: Shape): boolean {
  if (shape.kind !== 'object' || shape.props.length === 0 || shape.props.length > 6) return false;
  return shape.props.every((p) => isScalar(p.shape)) && complexity(shape).depth === 1;
}
