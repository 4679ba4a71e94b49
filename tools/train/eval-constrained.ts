/**
 * The default model WITH formwork's constraints on the held-out JSON prompts: generate() with the
 * prompt's schema (AWRS by default), then an independent ajv check of every value, and AWRS's cost
 * (constraint checks per generated token):
 *
 *   npx tsx tools/train/eval-constrained.ts [--model models/default] [--corpus tmp/default-model/corpus] \
 *     [--sampler awrs] [--limit 0] [--out tmp/default-model/eval/constrained.json]
 *
 * The user message is taken back out of the rendered evaluation prompt; generate() rebuilds the same
 * system message (jsonSchemaPrompt), so the model sees exactly the training format.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHAT_TOKENS } from '../../src/engine/prompts/chat-format.js';
import { generate } from '../../src/engine/generate/generate.js';
import { disposeSharedModels } from '../../src/engine/generate/model.js';
import type { SamplerKind } from '../../src/sampler/run-sampler.js';

const require = createRequire(import.meta.url);
const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    corpus: { type: 'string', default: 'tmp/default-model/corpus' },
    sampler: { type: 'string', default: 'awrs' },
    limit: { type: 'string', default: '0' },
    'max-tokens': { type: 'string', default: '256' },
    out: { type: 'string' },
  },
});

type AjvLike = { compile(schema: unknown): (data: unknown) => boolean };
const Ajv = require('ajv') as new (opts: object) => AjvLike;
const addFormats = require('ajv-formats') as (ajv: AjvLike) => void;
const ajv = new Ajv({ strict: false });
addFormats(ajv);

interface EvalRecord {
  id: string;
  set: string;
  schema: Record<string, unknown>;
  prompt: string;
}
let records = readFileSync(join(args.corpus!, 'eval-json.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as EvalRecord);
if (Number(args.limit) > 0) records = records.slice(0, Number(args.limit));

function userMessage(prompt: string): string {
  const start = prompt.indexOf(CHAT_TOKENS.user) + CHAT_TOKENS.user.length;
  return prompt.slice(start, prompt.indexOf(CHAT_TOKENS.end, start));
}

interface Tally {
  prompts: number;
  valid: number;
  errors: number;
  stopped: number;
  tokens: number;
  checks: number;
  proposals: number;
  masks: number;
  fallbacks: number;
}
const sets: Record<string, Tally> = {};
const failures: object[] = [];
const started = performance.now();
try {
  for (const r of records) {
    const t = (sets[r.set] ??= { prompts: 0, valid: 0, errors: 0, stopped: 0, tokens: 0, checks: 0, proposals: 0, masks: 0, fallbacks: 0 });
    t.prompts++;
    try {
      const result = await generate({
        model: args.model!,
        schema: r.schema,
        prompt: userMessage(r.prompt),
        sampler: args.sampler as SamplerKind,
        maxTokens: Number(args['max-tokens']),
        seed: 0,
      });
      const ok = ajv.compile(r.schema)(JSON.parse(result.text));
      t.valid += ok ? 1 : 0;
      if (!ok) failures.push({ id: r.id, text: result.text });
      t.stopped += result.finishReason === 'stop' ? 1 : 0;
      t.tokens += result.usage.sampledTokens;
      t.checks += result.usage.constraintChecks;
      t.proposals += result.usage.proposals;
      t.masks += result.usage.masks;
      t.fallbacks += result.usage.fallbacks;
    } catch (error) {
      t.errors++;
      failures.push({ id: r.id, error: String(error).slice(0, 300) });
    }
  }
} finally {
  await disposeSharedModels();
}

console.log(`constrained (${args.sampler}) on held-out JSON prompts, ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log('set | prompts | valid (ajv) | errors | stopped | tokens | checks/token | masks | fallbacks');
for (const [set, t] of Object.entries(sets)) {
  console.log(`${set} | ${t.prompts} | ${t.valid} | ${t.errors} | ${t.stopped} | ${t.tokens} | ${(t.checks / Math.max(1, t.tokens)).toFixed(3)} | ${t.masks} | ${t.fallbacks}`);
}
if (failures.length) console.log(JSON.stringify(failures.slice(0, 10), null, 1));
if (args.out) writeFileSync(args.out, JSON.stringify({ sampler: args.sampler, sets, failures }, null, 2) + '\n');
