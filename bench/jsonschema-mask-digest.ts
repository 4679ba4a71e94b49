/**
 * Digests of JSON Schema masks along MaskBench instances, for checking that a change to the mask walk
 * leaves every mask as it was: run it before and after (the before tree from `git archive`) and diff
 * the two files. One line per instance: `file#index` then one FNV-1a digest per position (a mask before
 * every token and one after the last), each mask computed afresh (mask cache off). With `--cache` the
 * masks come through the process-wide mask cache instead, as in the benchmarks: diffed against a run
 * without it, that checks the cache keys (states sharing a key must have the same mask).
 *
 *   npx tsx bench/jsonschema-mask-digest.ts --out FILE [--limit 300] [--offset 0] [--cache] [--dir DIR] [--tokenizer DIR]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { maskWords } from '../src/grammar/automaton/token-automaton.js';
import { FINAL } from '../src/grammar/automaton/trie-token-automaton.js';
import { compileJsonSchema, jsonSchemaAutomaton, type SchemaState } from '../src/grammar/jsonschema/index.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import { listMaskbenchFiles, readMaskbenchEntry } from './peers/maskbench-files.js';
import { MASKBENCH_DEFAULTS } from './maskbench-automata.js';

function digest(mask: Uint32Array): string {
  let h = 0x811c9dc5;
  for (let w = 0; w < mask.length; w++) {
    h ^= mask[w];
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(36);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      dir: { type: 'string', default: MASKBENCH_DEFAULTS.dir },
      tokenizer: { type: 'string', default: MASKBENCH_DEFAULTS.tokenizer },
      limit: { type: 'string', default: '300' },
      offset: { type: 'string', default: '0' },
      cache: { type: 'boolean', default: false },
    },
  });
  if (values.out === undefined) throw new Error('--out FILE is required');
  const vocabulary = loadVocabulary(values.tokenizer!);
  const mask = new Uint32Array(maskWords(vocabulary.size));
  const offset = Number(values.offset);
  const files = listMaskbenchFiles(values.dir!, { limit: Number(values.limit) + offset }).slice(offset);
  const lines: string[] = [];
  let positions = 0;
  for (const file of files) {
    const entry = readMaskbenchEntry(values.dir!, file);
    let automaton: ReturnType<typeof jsonSchemaAutomaton>;
    try {
      automaton = jsonSchemaAutomaton(compileJsonSchema(JSON.parse(entry.schemaText)), vocabulary, values.cache ? {} : { cache: false });
    } catch {
      lines.push(`${file} compile error`);
      continue;
    }
    entry.instances.forEach((instance, index) => {
      const tokens = vocabulary.encode(instance.text);
      const digests: string[] = [];
      let state: SchemaState = automaton.initial;
      for (let position = 0; position <= tokens.length; position++) {
        mask.fill(0);
        automaton.mask(state, mask);
        digests.push(digest(mask));
        positions++;
        if (position === tokens.length) break;
        const next = automaton.advance(state, tokens[position]);
        if (next === undefined || next === FINAL) break;
        state = next;
      }
      lines.push(`${file}#${index} ${digests.join(' ')}`);
    });
  }
  writeFileSync(values.out, lines.join('\n') + '\n');
  console.log(`${files.length} files, ${positions} mask digests -> ${values.out}`);
}

main();
