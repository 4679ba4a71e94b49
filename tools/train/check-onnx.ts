/**
 * Converts the trained checkpoint to ONNX with formwork's own converter and checks the ONNX model
 * against PyTorch:
 *
 *   npx tsx tools/train/check-onnx.ts [--model models/default] [--convert] \
 *     [--reference tmp/default-model/eval/reference.json] [--tolerance 1e-4]
 *
 * --convert runs convertCheckpoint(model, a temporary folder) and installs model.onnx next to the
 * checkpoint (converting into the checkpoint's own folder would copy files onto themselves).
 * The check compares, for every reference case (tools/train/reference_logits.py), the full logits of
 * the last prompt position and every 64th logit of every position, then greedy decoding through the
 * OnnxDecoder (KV cache, worker thread) against PyTorch's greedy ids. Exits 1 on any mismatch.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { convertCheckpoint } from '../../src/engine/convert/convert-checkpoint.js';
import { greedyDecode } from '../../src/engine/decoder/greedy-decode.js';
import { OnnxDecoder } from '../../src/engine/decoder/onnx-decoder.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    reference: { type: 'string', default: 'tmp/default-model/eval/reference.json' },
    convert: { type: 'boolean', default: false },
    tolerance: { type: 'string', default: '1e-4' },
  },
});
const modelDir = args.model!;
const tolerance = Number(args.tolerance);

if (args.convert) {
  const out = mkdtempSync(join(tmpdir(), 'formwork-convert-'));
  const started = performance.now();
  const result = await convertCheckpoint(modelDir, out);
  copyFileSync(result.modelPath, join(modelDir, 'model.onnx'));
  rmSync(out, { recursive: true, force: true });
  console.log(`converted ${result.parameters} parameters in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${join(modelDir, 'model.onnx')}`);
}

interface Case {
  prompt_ids: number[];
  last_logits: number[];
  column_stride?: number;
  column_logits?: number[][];
  greedy_ids: number[];
}
const reference = JSON.parse(readFileSync(args.reference!, 'utf8')) as { eos_token_id: number[]; cases: Case[] };
const decoder = await OnnxDecoder.load(modelDir, { threads: 1 });
let maxDiff = 0;
let greedyMatches = 0;
try {
  for (const c of reference.cases) {
    const logits = await decoder.logits(c.prompt_ids);
    const width = decoder.vocabSize;
    const last = (c.prompt_ids.length - 1) * width;
    c.last_logits.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - logits[last + i]!))));
    c.column_logits?.forEach((row, pos) => row.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - logits[pos * width + j * c.column_stride!]!)))));
    const greedy = await greedyDecode(decoder, c.prompt_ids, c.greedy_ids.length);
    // The decoder merges every EOS id into its first one: PyTorch's <|endoftext|> (0) reads as <|end|> (4).
    const expected = c.greedy_ids.map((id, i) => (i === c.greedy_ids.length - 1 && reference.eos_token_id.includes(id) ? decoder.eosId : id));
    if (JSON.stringify(greedy.tokens) === JSON.stringify(expected)) greedyMatches++;
    else console.log(`greedy mismatch: onnx ${JSON.stringify(greedy.tokens)} vs pytorch ${JSON.stringify(expected)}`);
  }
} finally {
  await decoder.dispose();
}
const ok = maxDiff <= tolerance && greedyMatches === reference.cases.length;
console.log(JSON.stringify({ cases: reference.cases.length, maxAbsLogitDiff: maxDiff, tolerance, greedyMatches, ok }));
if (!ok) process.exitCode = 1;
