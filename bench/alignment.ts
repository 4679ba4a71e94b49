/**
 * Reward-guided decoding: reward achieved and cost of greedy, best-of-N, DeAL and Transfer Q* at
 * matched budgets, on a keyword-coverage task (CommonGen-style concept sets written for this project)
 * and a length task, each without and with a JSON Schema constraint.
 *
 *   npx tsx bench/alignment.ts [--json] [--model DIR] [--prompts N] [--max-tokens T] [--threads N]
 *                              [--tasks keywords,length,json-keywords,json-length] [--seed S]
 *                              [--json-prompt raw|chat]
 *
 * Model: DIR, else models/default when it holds a model, else ../shared/data/models/stories260K
 * converted with convertCheckpoint into bench/out/alignment/ (cached).
 *
 * Prompts: every task continues a story opener (raw text; the JSON tasks under the constraint). With
 * `--json-prompt chat`, the JSON tasks send what generate() sends instead: the schema prompt of
 * src/engine/prompts/json-schema-prompt.ts through the model's chat template, with a user message
 * asking for a story that starts with the opener (and, for keywords, uses the concepts). The default
 * model answers that prompt with a short name-like string (its JSON training data holds no stories),
 * so the raw opener, which makes it write a story into the JSON string, is the default.
 *
 * Budgets are matched in decoded sequence-tokens per generated token (the work a batched decoder does;
 * `decoderTokens`), at about BUDGET x greedy: best-of-N draws N = BUDGET samples in lockstep; DeAL keeps
 * b = 2 prefixes of k = 3 actions with l = 4 lookahead tokens (6 candidates x 4 rows); Transfer Q*
 * rolls out each of k = 3 candidates once for up to 8 tokens (3 + 3 x 7 rows). Forward passes
 * (`decoderSteps`) differ: best-of-N batches everything into one pass per position, the searches need
 * one pass per lookahead / rollout depth. Rewards are the final reward of each method's output text,
 * averaged over prompts; seconds and costs are per prompt.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChatTemplate } from '../src/engine/chat-template.js';
import { convertCheckpoint } from '../src/engine/convert/convert-checkpoint.js';
import { OnnxDecoder } from '../src/engine/decoder/onnx-decoder.js';
import { resolveModelDirectory } from '../src/engine/model/model-directory.js';
import { jsonSchemaPrompt } from '../src/engine/prompts/json-schema-prompt.js';
import { createTokenAutomaton } from '../src/grammar/automaton/trie-token-automaton.js';
import type { TokenAutomaton } from '../src/grammar/automaton/token-automaton.js';
import { compileJsonSchema } from '../src/grammar/jsonschema/index.js';
import { loadVocabulary } from '../src/grammar/vocab/load-vocabulary.js';
import type { TokenVocabulary } from '../src/grammar/vocab/token-vocabulary.js';
import { runDeal } from '../src/sampler/alignment/deal.js';
import { TrackedDecoder } from '../src/sampler/alignment/tracked-decoder.js';
import { runTransferQStar } from '../src/sampler/alignment/transfer-q-star.js';
import { jsonValidity } from '../src/sampler/rewards/json-validity.js';
import { keywordCoverage } from '../src/sampler/rewards/keyword-coverage.js';
import { lengthTarget } from '../src/sampler/rewards/length-target.js';
import type { Reward } from '../src/sampler/rewards/reward.js';
import { weightedSum } from '../src/sampler/rewards/weighted-sum.js';
import { runSampler } from '../src/sampler/run-sampler.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** CommonGen-style concept sets: every word should appear in the story. */
export const CONCEPT_SETS: readonly (readonly string[])[] = [
  ['dog', 'ball', 'park'],
  ['girl', 'flower', 'garden'],
  ['boy', 'tree', 'bird'],
  ['cat', 'milk', 'bed'],
  ['mom', 'cake', 'kitchen'],
  ['sun', 'sky', 'happy'],
  ['fish', 'water', 'swim'],
  ['car', 'road', 'fast'],
];
const OPENERS = ['Once upon a time', 'One day', 'There was a little', 'Lily and Tom'];
const LENGTH_TARGET_WORDS = 15;
const BUDGET = 24;

/**
 * A JSON wrapper around the text: `{"story": "...", "moral": "..."}` (compact whitespace). The story is
 * short enough (120 characters) for a document to close within the token budget. The optional "moral"
 * is there because the schema machine (2026-11-26) allows a `,` after the last property that no key
 * can follow: with "story" alone and additionalProperties false, greedy decoding walks into that dead
 * end at once.
 */
const STORY_SCHEMA = {
  type: 'object',
  properties: { story: { type: 'string', minLength: 1, maxLength: 120 }, moral: { type: 'string', maxLength: 40 } },
  required: ['story'],
  additionalProperties: false,
};

export type Method = 'greedy' | 'bestOfN' | 'deal' | 'tqstar';
export type TaskName = 'keywords' | 'length' | 'json-keywords' | 'json-length';

export interface AlignmentBenchRow {
  readonly task: TaskName;
  readonly method: Method;
  /** Mean final reward of the outputs. */
  readonly reward: number;
  /** Mean forward passes per prompt (prefills included). */
  readonly decoderSteps: number;
  /** Mean sequence-tokens through the decoder per prompt. */
  readonly decoderTokens: number;
  /** Mean reward evaluations per prompt. */
  readonly rewardCalls: number;
  /** Mean wall seconds per prompt. */
  readonly seconds: number;
  /** Share of outputs that ended with EOS (the others hit maxTokens). */
  readonly stopped: number;
  readonly prompts: number;
  /** One output, for a look at what the method writes. */
  readonly example: string;
}

export interface AlignmentBenchReport {
  readonly model: string;
  readonly settings: Record<string, unknown>;
  readonly machine: Record<string, unknown>;
  readonly tasks: readonly AlignmentBenchRow[];
}

export interface AlignmentBenchOptions {
  readonly modelDir?: string;
  readonly prompts?: number;
  readonly maxTokens?: number;
  readonly threads?: number;
  readonly tasks?: readonly TaskName[];
  readonly seed?: number;
  /** How the JSON tasks prompt the model: the raw opener (default) or generate()'s chat prompt. */
  readonly jsonPrompt?: 'raw' | 'chat';
  readonly onProgress?: (message: string) => void;
}

interface TaskItem {
  readonly prompt: string;
  /** The prompt as the model reads it (chat template applied for the JSON tasks, when there is one). */
  readonly promptText: string;
  /** Whether promptText already holds its special tokens (a rendered chat template). */
  readonly templated: boolean;
  readonly reward: Reward;
  /** What the task reward is computed on (the JSON tasks score the story plus validity). */
  readonly constraint: TokenAutomaton<unknown> | undefined;
}

/** The model directory to measure: the argument, models/default, or stories260K converted once. */
export async function benchModelDir(modelDir: string | undefined): Promise<string> {
  if (modelDir !== undefined) return resolve(modelDir);
  const fallback = join(repoRoot, 'models', 'default');
  try {
    resolveModelDirectory(fallback);
    return fallback;
  } catch {
    // Not there yet (engineer G trains it): use the shared tiny story model.
  }
  const converted = join(repoRoot, 'bench', 'out', 'alignment', 'stories260K');
  if (!existsSync(join(converted, 'model.onnx'))) {
    const source = resolve(repoRoot, '..', 'shared', 'data', 'models', 'stories260K');
    if (!existsSync(source)) throw new Error(`no model: pass --model DIR (models/default is empty and ${source} is missing)`);
    mkdirSync(converted, { recursive: true });
    await convertCheckpoint(source, converted);
  }
  return converted;
}

export async function runAlignmentBench(options: AlignmentBenchOptions = {}): Promise<AlignmentBenchReport> {
  const modelDir = await benchModelDir(options.modelDir);
  const prompts = options.prompts ?? 8;
  const maxTokens = options.maxTokens ?? 48;
  const seed = options.seed ?? 1;
  const tasks = options.tasks ?? ['keywords', 'length', 'json-keywords', 'json-length'];
  const progress = options.onProgress ?? (() => {});
  const vocabulary = loadVocabulary(modelDir);
  const jsonPrompt = options.jsonPrompt ?? 'raw';
  const chat = jsonPrompt === 'chat' ? readChatTemplate(modelDir) : undefined;
  if (jsonPrompt === 'chat' && chat === undefined) throw new Error(`--json-prompt chat: ${modelDir} has no chat template`);
  const decoder = await OnnxDecoder.load(modelDir, { threads: options.threads, onWarning: () => {} });
  const rows: AlignmentBenchRow[] = [];
  try {
    let jsonConstraint: TokenAutomaton<unknown> | undefined;
    for (const task of tasks) {
      if (task.startsWith('json-')) jsonConstraint ??= createTokenAutomaton(compileJsonSchema(STORY_SCHEMA, { whitespace: 'compact' }).machine, vocabulary) as TokenAutomaton<unknown>;
      const items = taskItems(task, prompts, jsonConstraint, chat);
      const budget = task.startsWith('json-') ? maxTokens + 16 : maxTokens;
      for (const method of ['greedy', 'bestOfN', 'deal', 'tqstar'] as const) {
        let reward = 0;
        let steps = 0;
        let tokens = 0;
        let rewardCalls = 0;
        let seconds = 0;
        let stopped = 0;
        let example = '';
        for (let i = 0; i < items.length; i++) {
          const item = items[i];
          const promptIds = vocabulary.encodePrompt(item.promptText, { addSpecialTokens: !item.templated });
          const started = performance.now();
          const out = await runMethod(method, { decoder, vocabulary, promptIds, item, maxTokens: budget, seed: seed + i });
          seconds += (performance.now() - started) / 1000;
          reward += (await item.reward.score([out.text]))[0];
          steps += out.decoderSteps;
          tokens += out.decoderTokens;
          rewardCalls += out.rewardCalls;
          if (out.stopped) stopped++;
          if (i === 0) example = item.prompt + (task.startsWith('json-') ? ' -> ' : '') + out.text;
        }
        const n = items.length;
        rows.push({
          task,
          method,
          reward: round(reward / n),
          decoderSteps: round(steps / n),
          decoderTokens: round(tokens / n),
          rewardCalls: round(rewardCalls / n),
          seconds: round(seconds / n),
          stopped: round(stopped / n),
          prompts: n,
          example,
        });
        progress(`${task} ${method}: reward ${round(reward / n)}, ${round(tokens / n)} decoder tokens, ${round(seconds / n)} s per prompt`);
      }
    }
  } finally {
    await decoder.dispose();
  }
  return {
    model: modelDir,
    settings: {
      prompts,
      maxTokens,
      jsonMaxTokens: maxTokens + 16,
      seed,
      budget: `~${BUDGET}x greedy in decoder tokens`,
      bestOfN: { n: BUDGET, sampler: 'smc (no resampling) with masked proposals = N independent constrained samples in lockstep' },
      deal: { beamWidth: 2, topK: 3, lookahead: 4, lambda: 10 },
      tqstar: { topK: 3, rollouts: 1, rolloutTokens: 8, alpha: 10, choose: 'argmax', rollout: 'sample' },
      lengthTargetWords: LENGTH_TARGET_WORDS,
      jsonSchema: STORY_SCHEMA,
      jsonPrompt: chat !== undefined ? 'chat: json-schema-prompt.ts through the model chat template' : 'raw opener',
    },
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, loadavg: loadavg().map((x) => round(x)), node: process.version },
    tasks: rows,
  };
}

/** The model's chat template (tokenizer_config.json), if it has one. */
function readChatTemplate(modelDir: string): ChatTemplate | undefined {
  const path = join(modelDir, 'tokenizer_config.json');
  if (!existsSync(path)) return undefined;
  return ChatTemplate.fromTokenizerConfig(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>, path);
}

function taskItems(task: TaskName, count: number, jsonConstraint: TokenAutomaton<unknown> | undefined, chat: ChatTemplate | undefined): TaskItem[] {
  const items: TaskItem[] = [];
  for (let i = 0; i < count; i++) {
    const concepts = CONCEPT_SETS[i % CONCEPT_SETS.length];
    const opener = OPENERS[i % OPENERS.length];
    const keywords = keywordCoverage(concepts);
    const length = lengthTarget({ target: LENGTH_TARGET_WORDS });
    switch (task) {
      case 'keywords':
        items.push({ prompt: opener, promptText: opener, templated: false, reward: keywords, constraint: undefined });
        break;
      case 'length':
        items.push({ prompt: opener, promptText: opener, templated: false, reward: length, constraint: undefined });
        break;
      case 'json-keywords':
      case 'json-length': {
        // The JSON document must be valid AND good: validity (1 when the document closes) plus the task.
        const inner = task === 'json-keywords' ? keywords : length;
        const reward = weightedSum([
          { reward: inner, weight: 1, name: 'task' },
          { reward: jsonValidity(STORY_SCHEMA), weight: 1, name: 'valid' },
        ]);
        const request =
          task === 'json-keywords'
            ? `Write a short story that starts with "${opener}" and uses the words ${concepts.join(', ')}.`
            : `Write a short story of about ${LENGTH_TARGET_WORDS} words that starts with "${opener}".`;
        const promptText = chat !== undefined ? chat.render(jsonSchemaPrompt(STORY_SCHEMA, request)) : opener;
        items.push({ prompt: chat !== undefined ? request : opener, promptText, templated: chat !== undefined, reward, constraint: jsonConstraint });
        break;
      }
    }
  }
  return items;
}

interface MethodRun {
  readonly text: string;
  readonly stopped: boolean;
  readonly decoderSteps: number;
  readonly decoderTokens: number;
  readonly rewardCalls: number;
}

async function runMethod(
  method: Method,
  context: { decoder: OnnxDecoder; vocabulary: TokenVocabulary; promptIds: number[]; item: TaskItem; maxTokens: number; seed: number },
): Promise<MethodRun> {
  const { decoder, vocabulary, promptIds, item, maxTokens, seed } = context;
  const constraint = item.constraint;
  switch (method) {
    case 'greedy': {
      const tracked = new TrackedDecoder(decoder);
      const r = await runSampler({ decoder: tracked, promptIds, constraint, sampler: 'greedy', maxTokens });
      return { text: vocabulary.decode(r.tokens), stopped: r.finishReason === 'stop', decoderSteps: tracked.steps, decoderTokens: tracked.tokens, rewardCalls: 0 };
    }
    case 'bestOfN': {
      const tracked = new TrackedDecoder(decoder);
      const r = await runSampler({ decoder: tracked, promptIds, constraint, sampler: 'smc', proposal: 'masked', particles: BUDGET, essThreshold: 0, maxTokens, seed, decode: (ids) => vocabulary.decode(ids) });
      const particles = r.particles!;
      const texts = particles.map((p) => vocabulary.decode(p.tokens));
      const rewards = await item.reward.score(texts);
      let best = 0;
      for (let i = 1; i < rewards.length; i++) if (rewards[i] > rewards[best]) best = i;
      return {
        text: texts[best],
        stopped: particles[best].finishReason === 'stop' && particles[best].tokens.length < maxTokens,
        decoderSteps: tracked.steps,
        decoderTokens: tracked.tokens,
        rewardCalls: texts.length,
      };
    }
    case 'deal': {
      const r = await runDeal({ decoder, promptIds, constraint, vocabulary, reward: item.reward, maxTokens, beamWidth: 2, topK: 3, lookahead: 4, lambda: 10 });
      return { text: r.text, stopped: r.finishReason === 'stop', decoderSteps: r.usage.decoderSteps, decoderTokens: r.usage.decoderTokens, rewardCalls: r.usage.rewardCalls };
    }
    case 'tqstar': {
      const r = await runTransferQStar({ decoder, promptIds, constraint, vocabulary, reward: item.reward, maxTokens, topK: 3, rollouts: 1, rolloutTokens: 8, alpha: 10, seed });
      return { text: r.text, stopped: r.finishReason === 'stop', decoderSteps: r.usage.decoderSteps, decoderTokens: r.usage.decoderTokens, rewardCalls: r.usage.rewardCalls };
    }
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function printTable(report: AlignmentBenchReport): void {
  console.log(`model: ${report.model}`);
  console.log(`settings: ${JSON.stringify(report.settings)}`);
  console.log(`machine: ${JSON.stringify(report.machine)}`);
  console.log('');
  console.log('| task | method | reward | decoder steps | decoder tokens | reward calls | seconds | ended by EOS |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of report.tasks) {
    console.log(`| ${r.task} | ${r.method} | ${r.reward} | ${r.decoderSteps} | ${r.decoderTokens} | ${r.rewardCalls} | ${r.seconds} | ${r.stopped} |`);
  }
  console.log('');
  for (const r of report.tasks) console.log(`${r.task} / ${r.method}: ${JSON.stringify(r.example)}`);
}

async function main(argv: readonly string[]): Promise<void> {
  const option = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const json = argv.includes('--json');
  const report = await runAlignmentBench({
    modelDir: option('model'),
    prompts: option('prompts') ? Number(option('prompts')) : undefined,
    maxTokens: option('max-tokens') ? Number(option('max-tokens')) : undefined,
    threads: option('threads') ? Number(option('threads')) : undefined,
    tasks: option('tasks') ? (option('tasks')!.split(',') as TaskName[]) : undefined,
    seed: option('seed') ? Number(option('seed')) : undefined,
    jsonPrompt: option('json-prompt') === 'chat' ? 'chat' : undefined,
    onProgress: json ? undefined : (message) => console.error(message),
  });
  if (json) console.log(JSON.stringify(report, null, 2));
  else printTable(report);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
