/**
 * Tokenizes the corpus for training with the shipped tokenizer itself (@huggingface/tokenizers, as
 * the runtime does), so the model is trained on exactly the ids it will see:
 *
 *   npx tsx tools/tokenizer/encode-corpus.ts [--corpus tmp/default-model/corpus] [--tokenizer models/default]
 *
 * For train and valid it writes <split>.tokens.u16 (all documents' ids, concatenated, uint16 LE) and
 * <split>.index.i32 (per document: start, length, prompt length; int32 LE). Documents longer than
 * --max-length are dropped (and counted). For the evaluation prompts it writes eval-json.ids.jsonl and
 * eval-sql.ids.jsonl: each record with `prompt_ids` added.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'tmp/default-model/corpus' },
    tokenizer: { type: 'string', default: 'models/default' },
    'max-length': { type: 'string', default: '512' },
  },
});

const maxLength = Number(args['max-length']);
const tokenizer = new Tokenizer(
  JSON.parse(readFileSync(join(args.tokenizer!, 'tokenizer.json'), 'utf8')),
  JSON.parse(readFileSync(join(args.tokenizer!, 'tokenizer_config.json'), 'utf8')),
);
const encode = (text: string): number[] => (text ? tokenizer.encode(text, { add_special_tokens: false }).ids : []);

function readLines<T>(name: string): T[] {
  return readFileSync(join(args.corpus!, name), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

const summary: Record<string, unknown> = {};
for (const split of ['train', 'valid']) {
  const docs = readLines<{ kind: string; prompt: string; completion: string }>(`${split}.jsonl`);
  const ids: number[] = [];
  const index: number[] = [];
  let dropped = 0;
  const tokensByKind: Record<string, number> = {};
  for (const doc of docs) {
    const prompt = encode(doc.prompt);
    const completion = encode(doc.completion);
    if (prompt.length + completion.length > maxLength) {
      dropped++;
      continue;
    }
    index.push(ids.length, prompt.length + completion.length, prompt.length);
    for (const id of prompt) ids.push(id);
    for (const id of completion) ids.push(id);
    tokensByKind[doc.kind] = (tokensByKind[doc.kind] ?? 0) + prompt.length + completion.length;
  }
  if (ids.some((id) => id > 0xffff)) throw new Error('token id does not fit in uint16');
  writeFileSync(join(args.corpus!, `${split}.tokens.u16`), Buffer.from(Uint16Array.from(ids).buffer));
  writeFileSync(join(args.corpus!, `${split}.index.i32`), Buffer.from(Int32Array.from(index).buffer));
  summary[split] = { documents: index.length / 3, dropped, tokens: ids.length, tokensByKind };
}

for (const name of ['eval-json', 'eval-sql']) {
  const records = readLines<{ prompt: string }>(`${name}.jsonl`);
  const out = records.map((r) => JSON.stringify({ ...r, prompt_ids: encode(r.prompt) }));
  writeFileSync(join(args.corpus!, `${name}.ids.jsonl`), out.join('\n') + '\n');
  summary[name] = records.length;
}
writeFileSync(join(args.corpus!, 'encoded.json'), JSON.stringify(summary, null, 2) + '\n');
console.log(JSON.stringify(summary));
