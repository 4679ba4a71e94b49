import type { z } from 'zod';
import { AbortError, InputError, LimitError, throwIfAborted } from '../../errors.js';
import { runDeal, runTransferQStar, type AlignmentResult } from '../../sampler/alignment/index.js';
import { runSampler, withMaskFuel, type RunSamplerResult } from '../../sampler/run-sampler.js';
import type { ChatMessage } from '../prompts/chat-format.js';
import { jsonSchemaPrompt } from '../prompts/json-schema-prompt.js';
import { resolveConstraint, type Constraint } from './constraint.js';
import {
  DEFAULT_MAX_TOKENS,
  type AnyGenerateOptions,
  type GrammarGenerateOptions,
  type RegexGenerateOptions,
  type SchemaGenerateOptions,
  type SearchOptions,
  type TextGenerateOptions,
} from './generate-options.js';
import { generatedOutput, type GenerateFinishReason, type GenerateResult, type ParticleOutput } from './generate-result.js';
import { Model, sharedModel } from './model.js';
import { IncompleteOutputError, NoValidOutputError } from './output-errors.js';
import type { FromSchema, JSONSchema, JSONSchemaType, RuntimeJsonSchema, ZodSchema } from './schema-types.js';

/**
 * Generates one output under a constraint, typed by it:
 *
 *   const { value } = await generate({ schema: z.object({ name: z.string() }), prompt: 'Who wrote Emma?' });
 *   value.name; // string
 *
 * The value of a schema is parsed and validated (ajv, and zod's own parse for zod schemas) before it
 * is returned; an output that cannot be completed throws IncompleteOutputError, one that the
 * constraint refuses entirely NoValidOutputError. Grammars, regexes and free text give strings.
 */
export function generate<Z extends ZodSchema>(options: SchemaGenerateOptions<Z>): Promise<GenerateResult<z.output<Z>>>;
export function generate<T>(options: SchemaGenerateOptions<JSONSchemaType<T>>): Promise<GenerateResult<T>>;
export function generate<const S extends JSONSchema>(options: SchemaGenerateOptions<S>): Promise<GenerateResult<FromSchema<S>>>;
export function generate(options: SchemaGenerateOptions<RuntimeJsonSchema>): Promise<GenerateResult<unknown>>;
export function generate(options: GrammarGenerateOptions | RegexGenerateOptions | TextGenerateOptions): Promise<GenerateResult<string>>;
export function generate(options: AnyGenerateOptions): Promise<GenerateResult<unknown>> {
  return executeGeneration(options);
}

/** What a stream observes of a generation in progress. */
export interface GenerationHooks {
  /** Called once the prompt is encoded, before the first token. */
  onStart?(info: { model: Model; constraint: Constraint; promptTokens: number }): void;
  /** Each generated token, as it is generated (SMC: the chosen particle's tokens, at the end). */
  onToken?(token: number): void;
}

/** The one implementation behind generate(), streamGenerate() and the AI SDK provider. */
export async function executeGeneration(options: AnyGenerateOptions, hooks: GenerationHooks = {}): Promise<GenerateResult<unknown>> {
  const started = performance.now();
  if (options === null || typeof options !== 'object') throw new InputError('generate() takes an options object', { where: 'generate' });
  const { signal } = options;
  throwIfAborted(signal);
  const model = await resolveModel(options.model, signal);
  if (model.isDisposed) throw new InputError('the model was disposed', { where: 'model' });

  const constraint = resolveConstraint(options, model.vocabulary, model.constraints);
  const messages = promptMessages(options, constraint);
  const prompt = model.encodePrompt(messages, options);
  const decoder = model.decoder;
  if (prompt.ids.length >= decoder.maxLength) {
    const hint =
      constraint.kind === 'schema' && options.schemaPrompt !== false
        ? ' (the schema description is part of it: schemaPrompt: false, or --no-schema-prompt, leaves it out; the constraint stays exact)'
        : '';
    throw new LimitError(`the prompt has ${prompt.ids.length} tokens; the model's context holds ${decoder.maxLength}${hint}`, { limit: 'context' });
  }
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new InputError(`maxTokens must be an integer >= 1, got ${maxTokens}`, { where: 'maxTokens' });
  hooks.onStart?.({ model, constraint, promptTokens: prompt.ids.length });

  const run: Outcome = options.search !== undefined
    ? await runSearch(options, options.search, model, constraint, messages, prompt.ids, maxTokens, hooks)
    : await runSampler({
        decoder,
        promptIds: prompt.ids,
        constraint: constraint.automaton,
        sampler: options.sampler ?? (options.topK !== undefined || options.topP !== undefined ? 'sample' : 'awrs'),
        maxTokens,
        particles: options.particles,
        temperature: options.temperature,
        topK: options.topK,
        topP: options.topP,
        seed: options.seed,
        maskFuel: options.maskFuel,
        signal,
        onToken: hooks.onToken,
        decode: (tokens) => model.vocabulary.decode(tokens),
      });
  throwIfAborted(signal);

  const { tokens, bytes, text, usage } = generatedOutput(run, model.vocabulary, prompt.ids.length, started);
  const failure = { text, tokens, usage };

  if (run.finishReason === 'dead' || !(run.logWeight > -Infinity || run.finishReason === 'length')) {
    throw new NoValidOutputError({ reason: 'dead', ...failure });
  }
  const checked = constraint.check(text, bytes);
  if (!checked.ok) {
    // Out of tokens before the constraint was satisfied: the text is an unfinished prefix.
    if (run.finishReason === 'length') throw new IncompleteOutputError({ ...failure, maxTokens });
    throw new NoValidOutputError({ reason: 'invalid', errors: checked.errors, ...failure });
  }
  const finishReason: GenerateFinishReason = run.finishReason === 'length' ? 'length' : 'stop';
  return {
    value: checked.value,
    text,
    tokens,
    usage,
    finishReason,
    logProb: run.logProb,
    logWeight: run.logWeight,
    ...(run.particles !== undefined ? { particles: particlesOf(model, run), logZ: run.logZ, posterior: run.posterior } : {}),
    ...(run.reward !== undefined ? { reward: run.reward } : {}),
  };
}

/** What sampling or search produced, in runSampler's shape (search adds its reward). */
type Outcome = RunSamplerResult & { readonly reward?: number };

/** DeAL or Transfer Q* over the same prompt and constraint. */
async function runSearch(
  options: AnyGenerateOptions,
  search: SearchOptions,
  model: Model,
  constraint: Constraint,
  messages: readonly ChatMessage[],
  promptIds: readonly number[],
  maxTokens: number,
  hooks: GenerationHooks,
): Promise<Outcome> {
  for (const key of ['sampler', 'particles', 'topK', 'topP'] as const) {
    if (options[key] !== undefined) throw new InputError(`${key} does not apply to search (set the search's own options)`, { where: 'search' });
  }
  const automaton = constraint.automaton !== undefined && options.maskFuel !== undefined ? withMaskFuel(constraint.automaton, options.maskFuel) : constraint.automaton;
  const common = {
    decoder: model.decoder,
    promptIds,
    constraint: automaton,
    vocabulary: model.vocabulary,
    maxTokens,
    reward: search.reward,
    rewardPrompt: messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n\n'),
    rewardWeights: search.rewardWeights,
    temperature: options.temperature,
    signal: options.signal,
  };
  let result: AlignmentResult;
  if (search.kind === 'deal') {
    const { kind: _kind, lookaheadModel, ...rest } = search;
    result = await runDeal({ ...rest, ...common, lookaheadDecoder: lookaheadModel?.decoder });
    for (const token of result.tokens) hooks.onToken?.(token);
  } else if (search.kind === 'tqstar') {
    const { kind: _kind, baselineModel, ...rest } = search;
    result = await runTransferQStar({
      ...rest,
      ...common,
      seed: options.seed,
      baselineDecoder: baselineModel?.decoder,
      baselinePromptIds: baselineModel?.encodePrompt(messages, options).ids,
      onToken: hooks.onToken,
    });
  } else {
    throw new InputError(`unknown search kind ${JSON.stringify((search as { kind: unknown }).kind)} (use 'deal' or 'tqstar')`, { where: 'search' });
  }
  return { tokens: result.tokens, finishReason: result.finishReason, logWeight: result.logWeight, logProb: result.logProb, usage: result.usage, reward: result.reward };
}

/**
 * The conversation sent to the model: the schema description (when there is a schema) as the system
 * message, the caller's system text after it, then the prompt or the messages.
 */
export function promptMessages(options: AnyGenerateOptions, constraint: Constraint): ChatMessage[] {
  if (options.prompt !== undefined && options.messages !== undefined) {
    throw new InputError('give prompt or messages, not both', { where: 'generate' });
  }
  let messages: ChatMessage[];
  if (options.messages !== undefined) {
    if (!Array.isArray(options.messages)) throw new InputError('messages must be an array of { role, content }', { where: 'messages' });
    messages = [...options.messages];
  } else if (typeof options.prompt === 'string') {
    messages = [{ role: 'user', content: options.prompt }];
  } else {
    throw new InputError('give a prompt (a string) or messages', { where: 'generate' });
  }
  const systemParts: string[] = [];
  if (constraint.kind === 'schema' && options.schemaPrompt !== false) systemParts.push(jsonSchemaPrompt(constraint.jsonSchema, '')[0].content);
  if (options.system !== undefined) systemParts.push(options.system);
  if (systemParts.length > 0) {
    // One system message: several confuse chat templates that only look at the first.
    const given = messages[0]?.role === 'system' ? messages.shift()!.content : undefined;
    if (given !== undefined) systemParts.push(given);
    messages.unshift({ role: 'system', content: systemParts.join('\n\n') });
  }
  return messages;
}

async function resolveModel(model: Model | string | undefined, signal: AbortSignal | undefined): Promise<Model> {
  if (model instanceof Model) return model;
  if (model !== undefined && typeof model !== 'string') throw new InputError('model must be a Model or a model directory', { where: 'model' });
  const loading = sharedModel(model);
  if (signal === undefined) return loading;
  // Loading is shared with other calls, so an abort stops waiting for it rather than stopping it.
  return new Promise<Model>((resolve, reject) => {
    const onAbort = () => reject(new AbortError(undefined, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    loading.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function particlesOf(model: Model, run: Outcome): ParticleOutput[] {
  const particles = run.particles ?? [];
  const max = Math.max(...particles.map((p) => p.logWeight));
  const weights = particles.map((p) => (max > -Infinity && p.logWeight > -Infinity ? Math.exp(p.logWeight - max) : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  return particles.map((p, i) => ({
    text: model.vocabulary.decode(p.tokens),
    tokens: p.tokens,
    logWeight: p.logWeight,
    weight: total > 0 ? weights[i] / total : 0,
    finishReason: p.finishReason,
  }));
}
