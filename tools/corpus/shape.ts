import type { Rng } from './rng.js';
import type { Persona } from './values.js';

/**
 * A schema shape: the corpus's typed description of a JSON Schema together with how to draw
 * realistic instances of it. `schema-of.ts` turns a shape into the JSON Schema shown in the prompt,
 * `instance-of.ts` draws documents that validate against it, `describe.ts` writes them as prose.
 * Generators only ever draw values inside the declared keywords, so every document is valid by
 * construction (and build-corpus checks it with ajv anyway).
 */
export type Gen<T> = (rng: Rng, persona: Persona) => T;

export type Shape =
  | { readonly kind: 'string'; readonly gen: Gen<string>; readonly keywords: Readonly<Record<string, unknown>> }
  | { readonly kind: 'integer' | 'number'; readonly gen: Gen<number>; readonly keywords: Readonly<Record<string, unknown>> }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly (string | number)[]; readonly typed: boolean }
  | { readonly kind: 'const'; readonly value: string | number | boolean }
  | { readonly kind: 'object'; readonly props: readonly Prop[]; readonly closed: boolean; readonly description?: string; readonly title?: string }
  | {
      readonly kind: 'array';
      readonly items: Shape;
      readonly minItems: number | undefined;
      readonly maxItems: number | undefined;
      readonly unique: boolean;
      /** How many items instances have, within [minItems, maxItems]. */
      readonly lengths: readonly [number, number];
    }
  /** `type: [T, "null"]` for scalar T, `anyOf: [T, {type: null}]` otherwise. */
  | { readonly kind: 'nullable'; readonly inner: Shape }
  /** `anyOf` of several alternatives (instances use the first alternative whose generator is picked). */
  | { readonly kind: 'anyOf'; readonly options: readonly Shape[] };

export interface Prop {
  readonly key: string;
  /** How prose names this property ("shipping address", "is active"). */
  readonly phrase: string;
  readonly shape: Shape;
  readonly required: boolean;
  readonly description?: string;
}

/**
 * The skeleton of a shape: property names, nesting and types, nothing else (no enum values, bounds or
 * descriptions). Held-out evaluation shapes are those whose skeleton never occurs in training.
 */
export function skeleton(shape: Shape): string {
  switch (shape.kind) {
    case 'object':
      return `{${shape.props.map((p) => `${p.key}${p.required ? '!' : '?'}:${skeleton(p.shape)}`).join(',')}}`;
    case 'array':
      return `[${skeleton(shape.items)}]`;
    case 'nullable':
      return `${skeleton(shape.inner)}|null`;
    case 'anyOf':
      return shape.options.map(skeleton).join('|');
    case 'enum':
      return 'enum';
    case 'const':
      return 'const';
    default:
      return shape.kind;
  }
}

/** Number of scalar leaves and the nesting depth: "simple" shapes are flat with few leaves. */
export function complexity(shape: Shape): { leaves: number; depth: number } {
  switch (shape.kind) {
    case 'object': {
      let leaves = 0;
      let depth = 0;
      for (const p of shape.props) {
        const c = complexity(p.shape);
        leaves += c.leaves;
        depth = Math.max(depth, c.depth);
      }
      return { leaves, depth: depth + 1 };
    }
    case 'array': {
      const c = complexity(shape.items);
      return { leaves: c.leaves, depth: c.depth + 1 };
    }
    case 'nullable':
      return complexity(shape.inner);
    case 'anyOf':
      return { leaves: 1, depth: Math.max(...shape.options.map((o) => complexity(o).depth)) };
    default:
      return { leaves: 1, depth: 0 };
  }
}
