import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileJsonSchema, jsonSchemaAutomaton } from '../src/grammar/jsonschema/index.js';
import type { Vocabulary } from '../src/grammar/vocab/vocabulary.js';
import { readMaskbenchEntry, type MaskbenchEntry } from './peers/maskbench-files.js';

/**
 * The automata of MaskBench files, for the in-process mask tools (jsonschema-mask-tail.ts,
 * jsonschema-mask-gc.ts): one per file whose schema compiles, with the process-wide mask cache, as
 * the benchmark builds them. Files that do not compile are left out.
 */
export function* maskbenchAutomata(
  dir: string,
  files: readonly string[],
  vocabulary: Vocabulary,
): Generator<{ file: string; entry: MaskbenchEntry; automaton: ReturnType<typeof jsonSchemaAutomaton> }> {
  for (const file of files) {
    const entry = readMaskbenchEntry(dir, file);
    let automaton: ReturnType<typeof jsonSchemaAutomaton>;
    try {
      automaton = jsonSchemaAutomaton(compileJsonSchema(JSON.parse(entry.schemaText)), vocabulary);
    } catch {
      continue;
    }
    yield { file, entry, automaton };
  }
}

const sharedData = process.env.FORMWORK_SHARED_DATA ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'shared', 'data');

/** The mask tools' default inputs: the MaskBench dev sample and the Llama-3 tokenizer of the shared data. */
export const MASKBENCH_DEFAULTS = {
  dir: join(sharedData, 'jsonschemabench', 'maskbench-dev'),
  tokenizer: join(sharedData, 'tokenizers', 'llama3'),
} as const;
