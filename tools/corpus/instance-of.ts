import type { Rng } from './rng.js';
import type { Shape } from './shape.js';
import { drawPersona, type Persona } from './values.js';

export interface InstanceOptions {
  /** Probability that an optional property is present (default 0.6). */
  readonly optionalRate?: number;
  /** Probability that a nullable value is null (default 0.2). */
  readonly nullRate?: number;
}

/**
 * A document that validates against `schemaOf(shape)`. Each object draws a fresh persona, so the
 * customer and the seller of one order are different people but each is self-consistent.
 */
export function instanceOf(shape: Shape, rng: Rng, options: InstanceOptions = {}, persona?: Persona): unknown {
  const optionalRate = options.optionalRate ?? 0.6;
  const nullRate = options.nullRate ?? 0.2;
  const draw = (s: Shape, p: Persona): unknown => {
    switch (s.kind) {
      case 'string':
      case 'integer':
      case 'number':
        return s.gen(rng, p);
      case 'boolean':
        return rng.chance(0.5);
      case 'enum':
        return rng.pick(s.values);
      case 'const':
        return s.value;
      case 'object': {
        const own = drawPersona(rng);
        const out: Record<string, unknown> = {};
        for (const prop of s.props) {
          if (prop.required || rng.chance(optionalRate)) out[prop.key] = draw(prop.shape, own);
        }
        return out;
      }
      case 'array': {
        const [lo, hi] = s.lengths;
        const n = rng.int(lo, hi);
        if (s.items.kind === 'enum' && s.unique) return rng.sample(s.items.values, n);
        const items: unknown[] = [];
        const seen = new Set<string>();
        for (let tries = 0; items.length < n && tries < n * 20; tries++) {
          // A fresh persona per item: a list of attendees is several people, not one person repeated.
          const item = draw(s.items, drawPersona(rng));
          const key = JSON.stringify(item);
          if (s.unique && seen.has(key)) continue;
          seen.add(key);
          items.push(item);
        }
        if (items.length < lo) throw new Error(`instanceOf: cannot draw ${lo} unique items of ${JSON.stringify(s.items.kind)}`);
        return items;
      }
      case 'nullable':
        return rng.chance(nullRate) ? null : draw(s.inner, p);
      case 'anyOf':
        return draw(rng.pick(s.options), p);
    }
  };
  return draw(shape, persona ?? drawPersona(rng));
}
