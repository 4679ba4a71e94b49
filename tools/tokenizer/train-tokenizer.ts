/**
 * Trains the default model's tokenizer on the corpus and writes tokenizer.json and
 * tokenizer_config.json:
 *
 *   npx tsx tools/tokenizer/train-tokenizer.ts [--corpus tmp/default-model/corpus/train.jsonl] \
 *     [--out models/default] [--vocab-size 4096]
 *
 * The vocabulary is the chat format's special tokens (ids 0..4, in CHAT_TOKENS order), the 256
 * bytes, and merged tokens up to --vocab-size in all.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHAT_TOKENS, DEFAULT_CHAT_TEMPLATE } from '../../src/engine/prompts/chat-format.js';
import { trainBpe } from './bpe-trainer.js';
import { preTokenize, splitSpecial } from './pre-tokenizer.js';
import { tokenizerFiles } from './tokenizer-files.js';

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'tmp/default-model/corpus/train.jsonl' },
    out: { type: 'string', default: 'models/default' },
    'vocab-size': { type: 'string', default: '4096' },
    'max-length': { type: 'string', default: '512' },
  },
});

const specials: readonly string[] = Object.values(CHAT_TOKENS);
const vocabSize = Number(args['vocab-size']);
const started = performance.now();

const chunks = new Map<string, number>();
let documents = 0;
for (const line of readFileSync(args.corpus!, 'utf8').split('\n')) {
  if (!line) continue;
  const doc = JSON.parse(line) as { prompt: string; completion: string };
  documents++;
  for (const segment of splitSpecial(doc.prompt + doc.completion, specials)) {
    if (specials.includes(segment)) continue;
    for (const chunk of preTokenize(segment)) chunks.set(chunk, (chunks.get(chunk) ?? 0) + 1);
  }
}

const trained = trainBpe(chunks, { vocabSize: vocabSize - specials.length });
const files = tokenizerFiles(trained, {
  specials,
  eosToken: CHAT_TOKENS.end,
  padToken: CHAT_TOKENS.endOfText,
  chatTemplate: DEFAULT_CHAT_TEMPLATE,
  modelMaxLength: Number(args['max-length']),
});
mkdirSync(args.out!, { recursive: true });
writeFileSync(join(args.out!, 'tokenizer.json'), JSON.stringify(files.tokenizer, null, 1) + '\n');
writeFileSync(join(args.out!, 'tokenizer_config.json'), JSON.stringify(files.config, null, 2) + '\n');
console.log(
  `tokenizer: ${documents} documents, ${chunks.size} distinct chunks, ${trained.merges.length} merges, ` +
    `${specials.length + trained.tokens.length} tokens, ${((performance.now() - started) / 1000).toFixed(1)} s -> ${args.out}`,
);
