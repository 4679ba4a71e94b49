import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { InputError } from '../../src/errors.js';
import type { PeerSchema, PeerSchemaResult } from './peer-protocol.js';
import { parseLosslessJson, stringifyLossless } from './python-json.js';

/**
 * The JSON Schema Test Suite (../shared/data/json-schema-test-suite) as peer input. Each file is a
 * keyword category ("anyOf", "optional/format/email"); each entry in it is a *group*: one schema and
 * several instances with their expected validity. The paper's compliance figure reports, per category,
 * the share of groups where every valid instance is accepted and every invalid one blocked.
 *
 * Instances are serialized with compact JSON.stringify, the same rule as formwork's own test-suite
 * harness (bench/jsts.ts), so both engines see the same text.
 */
export interface JstsGroup {
  /** "<category>#<index>", e.g. "anyOf#3". */
  id: string;
  category: string;
  description: string;
  /** The schema as compact JSON, key order and number text as in the file. */
  schemaText: string;
  tests: { description: string; text: string; valid: boolean }[];
}

function jsonFilesUnder(directory: string, recursive: boolean): string[] {
  const files: string[] = [];
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) {
      if (recursive) files.push(...jsonFilesUnder(path, true));
    } else if (name.endsWith('.json')) {
      files.push(path);
    }
  }
  return files;
}

/** Reads one draft of the suite; `optional` adds optional/ and optional/format/. */
export function readTestSuite(suiteDir: string, options: { draft?: '2020-12' | '7'; optional?: boolean } = {}): JstsGroup[] {
  const draftDir = join(suiteDir, 'tests', options.draft === '7' ? 'draft7' : 'draft2020-12');
  let files: string[];
  try {
    files = jsonFilesUnder(draftDir, options.optional ?? true);
  } catch (cause) {
    throw new InputError(`cannot read the JSON Schema Test Suite (${(cause as Error).message})`, { where: draftDir });
  }
  const groups: JstsGroup[] = [];
  for (const file of files) {
    const category = relative(draftDir, file).replace(/\.json$/, '');
    const text = readFileSync(file, 'utf8');
    const lossless = parseLosslessJson(text, file);
    const plain = JSON.parse(text) as { description: string; tests: { description: string; data: unknown; valid: boolean }[] }[];
    if (!Array.isArray(lossless) || !Array.isArray(plain)) throw new InputError('a test file must hold an array of groups', { where: file });
    plain.forEach((group, index) => {
      const schema = (lossless[index] as Map<string, never>).get('schema');
      groups.push({
        id: `${category}#${index}`,
        category,
        description: group.description,
        schemaText: stringifyLossless(schema ?? null),
        tests: group.tests.map((test) => ({ description: test.description, text: JSON.stringify(test.data), valid: test.valid })),
      });
    });
  }
  return groups;
}

/** A group with its instances tokenized. */
export function tokenizeJstsGroup(group: JstsGroup, encode: (text: string) => number[]): PeerSchema {
  return {
    id: group.id,
    schema: group.schemaText,
    instances: group.tests.map((test) => ({ tokens: encode(test.text), valid: test.valid })),
  };
}

export interface JstsCategory {
  groups: number;
  /** Groups where every valid instance was accepted and every invalid one blocked. */
  compliantGroups: number;
  /** compliantGroups / groups: the paper's figure. */
  share: number;
  tests: number;
  pass: number;
}

export interface JstsSummary {
  tests: number;
  pass: number;
  /** Invalid instances accepted. */
  falsePositive: number;
  /** Valid instances rejected. */
  falseNegative: number;
  /** Tests of groups whose schema did not compile (or whose worker timed out or crashed). */
  compileError: number;
  groups: number;
  compliantGroups: number;
  categories: Record<string, JstsCategory>;
}

/** Test- and group-level compliance of one engine; `results` are matched to groups by id. */
export function summarizeJsts(
  groups: readonly (Pick<JstsGroup, 'id' | 'category'> & { tests: readonly { valid: boolean }[] })[],
  results: readonly PeerSchemaResult[],
): JstsSummary {
  const byId = new Map(results.map((result) => [result.id, result]));
  const summary: JstsSummary = {
    tests: 0,
    pass: 0,
    falsePositive: 0,
    falseNegative: 0,
    compileError: 0,
    groups: 0,
    compliantGroups: 0,
    categories: {},
  };
  for (const group of groups) {
    const result = byId.get(group.id);
    if (result === undefined) continue;
    const category = (summary.categories[group.category] ??= { groups: 0, compliantGroups: 0, share: 0, tests: 0, pass: 0 });
    summary.groups++;
    category.groups++;
    summary.tests += group.tests.length;
    category.tests += group.tests.length;
    if (result.status !== 'ok') {
      summary.compileError += group.tests.length;
      continue;
    }
    let compliant = true;
    group.tests.forEach((test, index) => {
      const accepted = result.instances[index]?.accepted ?? false;
      if (accepted === test.valid) {
        summary.pass++;
        category.pass++;
      } else {
        compliant = false;
        if (accepted) summary.falsePositive++;
        else summary.falseNegative++;
      }
    });
    if (compliant) {
      summary.compliantGroups++;
      category.compliantGroups++;
    }
  }
  for (const category of Object.values(summary.categories)) category.share = category.groups === 0 ? 0 : category.compliantGroups / category.groups;
  return summary;
}
