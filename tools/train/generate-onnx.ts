/**
 * Greedy, unconstrained generations of the shipped ONNX model for the held-out evaluation prompts,
 * through formwork's runtime (OnnxDecoder + greedyDecode), for tools/train/score-eval.ts:
 *
 *   npx tsx tools/train/generate-onnx.ts [--model models/default] [--corpus tmp/default-model/corpus] \
 *     [--out tmp/default-model/eval/onnx.jsonl] [--max-tokens 256]
 *
 * Each line: {id, text, stopped} (text = the decoded answer without the EOS token).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import { greedyDecode } from '../../src/engine/decoder/greedy-decode.js';
import { OnnxDecoder } from '../../src/engine/decoder/onnx-decoder.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    corpus: { type: 'string', default: 'tmp/default-model/corpus' },
    out: { type: 'string', default: 'tmp/default-model/eval/onnx.jsonl' },
    'max-tokens': { type: 'string', default: '256' },
    limit: { type: 'string', default: '0' },
  },
});
const tokenizer = new Tokenizer(
  JSON.parse(readFileSync(join(args.model!, 'tokenizer.json'), 'utf8')),
  JSON.parse(readFileSync(join(args.model!, 'tokenizer_config.json'), 'utf8')),
);
const decoder = await OnnxDecoder.load(args.model!, { threads: 1 });
const lines: string[] = [];
const started = performance.now();
let generated = 0;
try {
  for (const name of ['eval-json.ids.jsonl', 'eval-sql.ids.jsonl']) {
    let records = readFileSync(join(args.corpus!, name), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { id: string; prompt_ids: number[] });
    if (Number(args.limit) > 0) records = records.slice(0, Number(args.limit));
    for (const r of records) {
      const result = await greedyDecode(decoder, r.prompt_ids, Number(args['max-tokens']));
      generated += result.tokens.length;
      const body = result.stoppedAtEos ? result.tokens.slice(0, -1) : result.tokens;
      const text = tokenizer.decode(body, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
      lines.push(JSON.stringify({ id: r.id, text, stopped: result.stoppedAtEos }));
    }
  }
} finally {
  await decoder.dispose();
}
writeFileSync(args.out!, lines.join('\n') + '\n');
const seconds = (performance.now() - started) / 1000;
console.log(`${lines.length} generations, ${generated} tokens in ${seconds.toFixed(0)} s -> ${args.out}`);
