import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileJsonSchema } from '../../../src/grammar/jsonschema/index.js';
import { repoRoot } from '../../support/shared-data.js';

/** The example schemas shipped in schemas/examples compile strictly and mean what they say. */
const dir = join(repoRoot, 'schemas', 'examples');

const samples: Record<string, { valid: unknown[]; invalid: unknown[] }> = {
  'person.schema.json': {
    valid: [{ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', age: 36, address: { city: 'London', country: 'GB' }, tags: ['math'] }],
    invalid: [{ firstName: 'Ada', lastName: 'Lovelace' }, { firstName: 'Ada', lastName: 'L', email: 'ada@example.org', tags: ['a', 'a'] }],
  },
  'invoice.schema.json': {
    valid: [{ invoiceNumber: 'INV-2024-00042', issueDate: '2024-02-29', currency: 'EUR', customer: { name: 'ACME' }, lines: [{ description: 'Widget', quantity: 2, unitPriceCents: 950 }], totalCents: 1900 }],
    invalid: [{ invoiceNumber: 'INV-24-1', issueDate: '2024-02-30', currency: 'EUR', customer: { name: 'ACME' }, lines: [], totalCents: 0 }],
  },
  'event.schema.json': {
    valid: [
      { id: '2eb8aa08-aa98-11ea-b4aa-73b441d16380', title: 'Standup', allDay: false, start: '2024-05-01T09:00:00Z', end: '2024-05-01T09:15:00Z' },
      { id: '2eb8aa08-aa98-11ea-b4aa-73b441d16380', title: 'Holiday', allDay: true, start: '2024-05-01' },
    ],
    invalid: [{ id: '2eb8aa08-aa98-11ea-b4aa-73b441d16380', title: 'Standup', allDay: false, start: '2024-05-01' }],
  },
  'tree.schema.json': {
    valid: [{ name: 'src', kind: 'directory', children: [{ name: 'a.ts', kind: 'file', size: 10 }, { name: 'lib', kind: 'directory', children: [] }] }],
    invalid: [{ name: 'a.ts', kind: 'file' }, { name: 'src', kind: 'directory', children: [], size: 3 }],
  },
  'shipping-rule.schema.json': {
    valid: [{ carrier: 'DHL', service: 'express', destinations: ['DE', 'FR'], maxWeightKg: 30, priority: null }],
    invalid: [{ carrier: 'DHL', service: 'express', destinations: ['DE', 'DE'] }, { carrier: 'Pigeon', service: 'express', destinations: ['DE'] }],
  },
  'product.schema.json': {
    valid: [{ sku: 'ABC123-RED', name: 'Mug', price: { amount: 8.5, currency: 'EUR' }, attributes: { material: 'ceramic', volume_ml: 300 }, variants: [{ sku: 'ABC123-BLU', size: 'M' }] }],
    invalid: [{ sku: 'ABC123', name: 'Mug', price: { amount: 8.5, currency: 'EUR' }, attributes: { Material: 'x' } }],
  },
};

describe('example schemas', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('every example has samples here', () => {
    expect(files.sort()).toEqual(Object.keys(samples).sort());
  });

  for (const file of files) {
    it(file, () => {
      const compiled = compileJsonSchema(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      for (const v of samples[file].valid) expect([v, compiled.validate(v)]).toEqual([v, true]);
      for (const v of samples[file].invalid) expect([v, compiled.validate(v)]).toEqual([v, false]);
    });
  }
});
