/**
 * End-to-end coverage with a model (JSONSchemaBench's declared / empirical coverage and compliance rate).
 *
 *   npx formwork bench coverage [--subset NAME] [--limit N] [--model DIR] [--max-tokens N] [--out FILE]
 *       [--resume] [--json]
 *
 * For each schema of a MaskBench sample (`--limit N` files spread evenly over the sorted directory, default
 * 30; `--subset` one subset): prompt the model (default: the embedded default model; `--model DIR` any
 * model directory) with the schema as generate() does (jsonSchemaPrompt), generate under the constraint
 * (generate(), its default sampler and seed), and validate the output with ajv (draft 2020-12 or
 * draft-07 by `$schema`, formats asserted by ajv-formats), independently of the engine. Then the same
 * prompt with the same token budget, unconstrained, for the timing baseline.
 *
 *   declared coverage   the schema compiled (strict mode: no keyword ignored)
 *   empirical coverage  the generated output parsed and ajv accepted it
 *   compliance rate     empirical / declared (of the schemas we accept, how many produce valid output)
 *
 * When the schema description does not fit the model's context (the default model has 512 positions)
 * the prompt leaves it out (the constraint is exact either way) and the record says so. Time to first
 * token and time per output token are wall clock; "unconstrained" runs the same messages without a
 * schema. Results go to a resumable journal (bench/out/coverage-<model>[-subset][-N].jsonl) that
 * bench/report/build-report.ts turns into the per-subset table and chart.
 */
import { readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import ajv2020Module from 'ajv/dist/2020.js';
import ajvModule from 'ajv';
import ajvFormatsModule from 'ajv-formats';

import { CompileError, InputError, LimitError, RegexError } from '../src/errors.js';
import { executeGeneration } from '../src/engine/generate/generate.js';
import { loadModel, type Model } from '../src/engine/generate/model.js';
import { jsonSchemaPrompt } from '../src/engine/prompts/json-schema-prompt.js';
import type { ChatMessage } from '../src/engine/prompts/chat-format.js';
import { listMaskbenchFiles, readMaskbenchEntry } from './peers/maskbench-files.js';
import type { CoverageRecord } from './report/coverage-summary.js';
import { describeMachine } from './report/machine-info.js';
import { createProgressBar } from './report/progress-bar.js';
import { summarizeCoverage } from './report/coverage-summary.js';
import { JOURNAL_FORMAT, openJournal, readJournal } from './report/result-journal.js';

const Ajv2020 = ajv2020Module.default;
const AjvDraft7 = ajvModule.default;
const addFormats = ajvFormatsModule.default;

/** An ajv validator for `schema`, chosen by its `$schema` (draft-07 and older: ajv's draft-07), formats asserted. */
export function ajvValidator(schema: unknown): ((value: unknown) => { ok: boolean; errors: string }) | { error: string } {
  const declared = typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>).$schema : undefined;
  const legacy = typeof declared === 'string' && /draft-0[3-7]/.test(declared);
  const ajv = legacy ? new AjvDraft7({ strict: false, allErrors: false, validateSchema: false, logger: false }) : new Ajv2020({ strict: false, allErrors: false, validateSchema: false, logger: false });
  addFormats(ajv);
  try {
    const schemaForAjv = legacy && typeof schema === 'object' && schema !== null ? { ...(schema as Record<string, unknown>), $schema: undefined } : schema;
    const validate = ajv.compile(schemaForAjv as object);
    return (value: unknown) => {
      const ok = validate(value) as boolean;
      return { ok, errors: ok ? '' : ajv.errorsText(validate.errors).slice(0, 300) };
    };
  } catch (error) {
    return { error: (error as Error).message.slice(0, 300) };
  }
}

/** Times one generation: ms to the first token and per later token. */
async function timedGeneration(
  options: Parameters<typeof executeGeneration>[0],
): Promise<{ result?: Awaited<ReturnType<typeof executeGeneration>>; error?: unknown; ttftMs?: number; tpotMs?: number; tokens: number }> {
  const started = performance.now();
  let first: number | undefined;
  let last = started;
  let tokens = 0;
  const onToken = () => {
    last = performance.now();
    first ??= last;
    tokens++;
  };
  try {
    const result = await executeGeneration(options, { onToken });
    return { result, ttftMs: first === undefined ? undefined : first - started, tpotMs: tokens > 1 ? (last - first!) / (tokens - 1) : undefined, tokens };
  } catch (error) {
    return { error, ttftMs: first === undefined ? undefined : first - started, tpotMs: tokens > 1 ? (last - first!) / (tokens - 1) : undefined, tokens };
  }
}

const USER_PROMPT = 'Give one realistic example value.';

/** Runs one schema end to end. */
export async function coverageOfSchema(model: Model, id: string, subset: string, schema: unknown, maxTokens: number): Promise<CoverageRecord> {
  let prompt: CoverageRecord['prompt'] = 'schema';
  let messages: ChatMessage[] = jsonSchemaPrompt(schema, USER_PROMPT);
  // The exact prompt generate() would build; when it does not fit the context, the bare request.
  if (model.encodePrompt(messages).ids.length + 8 >= model.decoder.maxLength) {
    prompt = 'bare';
    messages = [{ role: 'user', content: USER_PROMPT }];
  }
  const promptTokens = model.encodePrompt(messages).ids.length;
  const budget = Math.max(1, Math.min(maxTokens, model.decoder.maxLength - promptTokens - 1));
  const constrained = await timedGeneration({ model, schema: schema as Record<string, unknown>, schemaPrompt: false, messages, maxTokens: budget });
  const record: CoverageRecord = { id, subset, declared: true, valid: false, prompt, promptTokens, outputTokens: constrained.tokens };
  if (constrained.ttftMs !== undefined) record.ttftMs = constrained.ttftMs;
  if (constrained.tpotMs !== undefined) record.tpotMs = constrained.tpotMs;
  if (constrained.error !== undefined) {
    const error = constrained.error as Error;
    // A schema refused at compile time is not declared; anything later is a generation failure.
    record.declared = !(error instanceof CompileError || error instanceof RegexError);
    record.error = `${error.name}: ${error.message.split('\n')[0].slice(0, 240)}`;
  } else {
    const validator = ajvValidator(schema);
    if ('error' in validator) {
      record.unverifiable = true;
      record.error = `ajv could not compile the schema: ${validator.error}`;
    } else {
      const checked = validator(constrained.result!.value);
      record.valid = checked.ok;
      if (!checked.ok) record.error = `ajv: ${checked.errors}`;
    }
  }
  const baseline = await timedGeneration({ model, messages, maxTokens: budget });
  if (baseline.ttftMs !== undefined) {
    record.baseline = { ttftMs: baseline.ttftMs, outputTokens: baseline.tokens, ...(baseline.tpotMs !== undefined ? { tpotMs: baseline.tpotMs } : {}) };
  }
  return record;
}

function sharedDataPath(relative: string): string {
  return resolve(process.env.FORMWORK_SHARED_DATA ?? resolve('..', 'shared', 'data'), relative);
}

const USAGE = `Usage: formwork bench coverage [--limit N (30)] [--subset NAME] [--model DIR] [--max-tokens N (256)]
         [--out FILE] [--resume] [--json] [--dir DIR]
Generates under each schema with a model, validates the output with ajv, and times it against the
same model unconstrained. Journal: bench/out/coverage-*.jsonl (npx formwork bench report).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: sharedDataPath('jsonschemabench/maskbench-dev') },
      model: { type: 'string' },
      subset: { type: 'string' },
      limit: { type: 'string', default: '30' },
      'max-tokens': { type: 'string', default: '256' },
      out: { type: 'string' },
      resume: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const limit = Number(values.limit);
  const maxTokens = Number(values['max-tokens']);
  if (!(Number.isInteger(limit) && limit >= 1)) throw new InputError(`--limit must be a positive integer, not ${values.limit}`, { where: 'bench coverage' });
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new InputError(`--max-tokens must be a positive integer`, { where: 'bench coverage' });
  const dir = resolve(values.dir!);
  readdirSync(dir); // a missing data folder fails here, with its path
  const names = listMaskbenchFiles(dir, { limit, subset: values.subset });
  if (names.length === 0) throw new InputError(`no MaskBench files selected${values.subset ? ` (subset ${values.subset})` : ''}`, { where: dir });
  const model = await loadModel(values.model);
  const modelName = values.model === undefined ? 'default' : basename(resolve(values.model));
  const journalPath = resolve(values.out ?? `bench/out/coverage-${modelName}${values.subset ? `-${values.subset}` : ''}-${limit}.jsonl`);
  const command = `npx formwork bench coverage ${process.argv.slice(2).join(' ')}`.trim();
  const journal = openJournal<CoverageRecord>(
    journalPath,
    {
      format: JOURNAL_FORMAT,
      bench: 'coverage',
      engine: 'formwork',
      engineLabel: `formwork ${model.name} (generate(), default sampler, seed 0, max ${maxTokens} tokens)`,
      config: { dataset: dir, model: values.model === undefined ? 'default' : resolve(values.model), limit, subset: values.subset ?? null, maxTokens },
      command,
      machine: describeMachine(),
      startedAt: new Date().toISOString(),
    },
    { resume: values.resume },
  );
  const bar = createProgressBar({ total: names.length, label: 'coverage', initial: journal.previous.size });
  const records: CoverageRecord[] = [];
  try {
    for (const name of names) {
      const done = journal.previous.get(name);
      if (done !== undefined) {
        records.push(done);
        continue;
      }
      const entry = readMaskbenchEntry(dir, name);
      let record: CoverageRecord;
      try {
        record = await coverageOfSchema(model, name, entry.subset, JSON.parse(entry.schemaText), maxTokens);
      } catch (error) {
        // A failure outside generation (e.g. the context check) costs this schema only.
        const limitHit = error instanceof LimitError;
        record = { id: name, subset: entry.subset, declared: !limitHit, valid: false, prompt: 'schema', error: `${(error as Error).name}: ${(error as Error).message.slice(0, 240)}` };
      }
      journal.append(record);
      records.push(record);
      bar.update(records.length, name);
    }
  } finally {
    bar.finish();
    await model.dispose();
  }
  const summary = summarizeCoverage(readJournal<CoverageRecord>(journalPath).records.filter((record) => names.includes(record.id)));
  const out = { model: model.name, ...summary, journal: journalPath, command };
  console.log(values.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
