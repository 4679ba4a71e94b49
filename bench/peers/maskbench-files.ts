import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { InputError } from '../../src/errors.js';
import type { PeerSchema } from './peer-protocol.js';
import { parseLosslessJson, pythonJsonDumps, stringifyLossless, type JsonObject } from './python-json.js';

/**
 * MaskBench data files (../shared/data/jsonschemabench/maskbench-dev): one JSON file per schema,
 * `{description, meta, schema, tests: [{description, valid, data}]}`.
 */
export interface MaskbenchEntry {
  /** The file name, e.g. "Github_easy---o10307.json" (the id in results and ratchets). */
  id: string;
  /** The benchmark subset the file belongs to ("Github_easy", "Glaiveai2K", "BFCL", ...). */
  subset: string;
  /** The schema as compact JSON, with key order and number text exactly as in the file. */
  schemaText: string;
  /** Each instance as Python's json.dumps wrote it (the text the benchmark's token counts refer to). */
  instances: { text: string; valid: boolean }[];
}

/** "Github_easy---o10307.json" -> "Github_easy"; "BFCL_java_0.json" -> "BFCL". */
export function maskbenchSubset(fileName: string): string {
  const separator = fileName.indexOf('---');
  if (separator >= 0) return fileName.slice(0, separator);
  return fileName.replace(/\.json$/, '').split('_')[0];
}

/**
 * The file names of a MaskBench directory, sorted. `limit` keeps N files spread evenly over the sorted
 * list (every subset keeps its share), so a quick run is a fair miniature of the full one; `subset`
 * keeps one subset.
 */
export function listMaskbenchFiles(directory: string, options: { limit?: number; subset?: string } = {}): string[] {
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => name.endsWith('.json'));
  } catch (cause) {
    throw new InputError(`cannot list MaskBench files (${(cause as Error).message})`, { where: directory });
  }
  names.sort();
  if (options.subset !== undefined) names = names.filter((name) => maskbenchSubset(name) === options.subset);
  const limit = options.limit;
  if (limit === undefined || limit >= names.length) return names;
  const picked: string[] = [];
  for (let i = 0; i < limit; i++) picked.push(names[Math.floor((i * names.length) / limit)]);
  return picked;
}

/** Reads one MaskBench file; instances are re-serialized the way the benchmark serialized them. */
export function readMaskbenchEntry(directory: string, fileName: string): MaskbenchEntry {
  const path = join(directory, fileName);
  const root = parseLosslessJson(readFileSync(path, 'utf8'), path);
  if (!(root instanceof Map) || !root.has('schema')) throw new InputError('not a MaskBench file (no "schema")', { where: path });
  const tests = (root.get('tests') ?? []) as JsonObject[];
  return {
    id: fileName,
    subset: maskbenchSubset(fileName),
    schemaText: stringifyLossless(root.get('schema')!),
    instances: tests.map((test) => ({ text: pythonJsonDumps(test.get('data') ?? null), valid: test.get('valid') === true })),
  };
}

/** A MaskBench entry with its instances tokenized, ready for any engine. */
export function tokenizeMaskbenchEntry(entry: MaskbenchEntry, encode: (text: string) => number[]): PeerSchema {
  return {
    id: entry.id,
    schema: entry.schemaText,
    instances: entry.instances.map((instance) => ({ tokens: encode(instance.text), valid: instance.valid })),
  };
}

