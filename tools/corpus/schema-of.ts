import type { Shape } from './shape.js';

/** The JSON Schema of a shape (property order kept: documents list properties in this order). */
export function schemaOf(shape: Shape): Record<string, unknown> {
  switch (shape.kind) {
    case 'string':
      return { type: 'string', ...shape.keywords };
    case 'integer':
    case 'number':
      return { type: shape.kind, ...shape.keywords };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum': {
      if (!shape.typed) return { enum: shape.values };
      const type = shape.values.every((v) => typeof v === 'string') ? 'string' : shape.values.every(Number.isInteger) ? 'integer' : undefined;
      return type ? { type, enum: shape.values } : { enum: shape.values };
    }
    case 'const':
      return { const: shape.value };
    case 'object': {
      const out: Record<string, unknown> = {};
      if (shape.title !== undefined) out.title = shape.title;
      if (shape.description !== undefined) out.description = shape.description;
      out.type = 'object';
      const properties: Record<string, unknown> = {};
      for (const p of shape.props) {
        const s = schemaOf(p.shape);
        properties[p.key] = p.description === undefined ? s : { description: p.description, ...s };
      }
      out.properties = properties;
      const required = shape.props.filter((p) => p.required).map((p) => p.key);
      if (required.length > 0) out.required = required;
      if (shape.closed) out.additionalProperties = false;
      return out;
    }
    case 'array': {
      const out: Record<string, unknown> = { type: 'array', items: schemaOf(shape.items) };
      if (shape.minItems !== undefined) out.minItems = shape.minItems;
      if (shape.maxItems !== undefined) out.maxItems = shape.maxItems;
      if (shape.unique) out.uniqueItems = true;
      return out;
    }
    case 'nullable': {
      const inner = schemaOf(shape.inner);
      const scalar = shape.inner.kind === 'string' || shape.inner.kind === 'integer' || shape.inner.kind === 'number' || shape.inner.kind === 'boolean';
      if (scalar) return { ...inner, type: [inner.type, 'null'] };
      return { anyOf: [inner, { type: 'null' }] };
    }
    case 'anyOf':
      return { anyOf: shape.options.map(schemaOf) };
  }
}
