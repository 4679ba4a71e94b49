import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FINAL } from '../src/grammar/automaton/trie-token-automaton.js';
import { compileJsonSchema, jsonSchemaAutomaton, type SchemaState } from '../src/grammar/jsonschema/index.js';
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

/**
 * Calls `visit` with every state MaskBench masks in one file: before every token of every instance and
 * after its last token, in order. An instance ends early where the automaton refuses one of its tokens.
 * (A callback, not a generator: the tools time and count allocations around `visit`, and a generator
 * allocates a result per state.)
 */
export function forEachMaskState(
  entry: MaskbenchEntry,
  automaton: ReturnType<typeof jsonSchemaAutomaton>,
  vocabulary: Vocabulary,
  visit: (state: SchemaState) => void,
): void {
  for (const instance of entry.instances) {
    const tokens = vocabulary.encode(instance.text);
    let state: SchemaState = automaton.initial;
    for (let position = 0; position <= tokens.length; position++) {
      visit(state);
      if (position === tokens.length) break;
      const next = automaton.advance(state, tokens[position]);
      // EOS is never among an instance's tokens, so FINAL cannot come back; undefined ends the instance.
      if (next === undefined || next === FINAL) break;
      state = next;
    }
  }
}

const sharedData = process.env.FORMWORK_SHARED_DATA ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'shared', 'data');

/** The mask tools' default inputs: the MaskBench dev sample and the Llama-3 tokenizer of the shared data. */
export const MASKBENCH_DEFAULTS = {
  dir: join(sharedData, 'jsonschemabench', 'maskbench-dev'),
  tokenizer: join(sharedData, 'tokenizers', 'llama3'),
} as const;
