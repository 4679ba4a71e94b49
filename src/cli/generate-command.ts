import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { FormworkError, InputError } from '../errors.js';
import type { GrammarSpec } from '../engine/generate/constraint.js';
import { executeGeneration } from '../engine/generate/generate.js';
import type { AnyGenerateOptions, SearchOptions } from '../engine/generate/generate-options.js';
import type { GenerateResult } from '../engine/generate/generate-result.js';
import { Model } from '../engine/generate/model.js';
import { IncompleteOutputError, NoValidOutputError } from '../engine/generate/output-errors.js';
import { streamGenerate } from '../engine/generate/stream.js';
import { jsonValidity, keywordCoverage, lengthTarget, regexMatch, weightedSum, type Reward } from '../sampler/rewards/index.js';
import type { SamplerKind } from '../sampler/run-sampler.js';
import { choiceFlag, intFlag, numberFlag, parseCommandArgs } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { EXIT, errorJson } from './exit-codes.js';

export const GENERATE_HELP = `Usage: formwork generate [options] [PROMPT]

Generates one output with a local model, under an exact constraint.

The prompt is PROMPT, --prompt TEXT, or standard input when neither is given.

Constraint (at most one; none: free text):
  --schema FILE|JSON     a JSON Schema file, or the schema itself ('{"type": ...}'); the output is a
                         JSON value that validates against it
  --grammar FILE         a GBNF (.gbnf) or Lark (.lark) grammar; the output is in its language
  --syntax gbnf|lark     the grammar's syntax (default: from the file extension, else gbnf)
  --start RULE           the grammar's start rule (default: root for GBNF, start for Lark)
  --regex PATTERN        an ECMAScript regular expression the whole output must match

Model and prompt:
  --model DIR            a model directory (default: the default model, see formwork models)
  --system TEXT          a system message
  --raw                  no chat template: the prompt is sent as raw text (BOS added)
  --no-schema-prompt     do not describe the schema in the system message
  --compact              JSON without whitespace
  --provider NAME        onnxruntime execution provider: cpu (default), webgpu, cuda
  --threads N            onnxruntime intra-op threads

Sampling:
  --sampler NAME         awrs (default), masked, smc, greedy, sample
  --particles N          SMC particles (default 4; needs --sampler smc)
  --max-tokens N         most tokens to generate (default 512)
  --temperature T        divides the logits (default 1)
  --top-k K, --top-p P   truncated sampling (implies --sampler sample)
  --seed N               the sampler's seed (default 0: reproducible)
  --mask-fuel N          work limit of one constraint mask (default: unlimited); past it the mask
                         is a superset and sampled tokens are checked one by one: still exact

Search (instead of sampling):
  --search deal|tqstar   reward-guided decoding: DeAL or Transfer Q*
  --reward SPEC          what the search maximises; repeat to sum several:
                         keywords=a,b,c  length=N (words)  regex=PATTERN  json
  --beam N, --lookahead N, --lambda X   DeAL's beam width, lookahead tokens, reward weight
  --alpha X, --rollouts N              Transfer Q*'s reward weight and rollouts per candidate

Output:
  --json                 print { value?, text, tokens, usage, finishReason } as one JSON line
                         (tokens: the generated token ids); on failure { error, text, tokens, usage }
  --stream               print the text as it is generated
  -h, --help             this help
`;

const OPTIONS = {
  prompt: { type: 'string' },
  schema: { type: 'string' },
  grammar: { type: 'string' },
  syntax: { type: 'string' },
  start: { type: 'string' },
  regex: { type: 'string' },
  model: { type: 'string' },
  system: { type: 'string' },
  raw: { type: 'boolean' },
  'no-schema-prompt': { type: 'boolean' },
  compact: { type: 'boolean' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  sampler: { type: 'string' },
  particles: { type: 'string' },
  'max-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  seed: { type: 'string' },
  'mask-fuel': { type: 'string' },
  search: { type: 'string' },
  reward: { type: 'string', multiple: true },
  beam: { type: 'string' },
  lookahead: { type: 'string' },
  lambda: { type: 'string' },
  alpha: { type: 'string' },
  rollouts: { type: 'string' },
  json: { type: 'boolean' },
  stream: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const SAMPLERS: readonly SamplerKind[] = ['awrs', 'masked', 'smc', 'greedy', 'sample'];

/** A parsed `formwork generate` invocation: the request (without the model) and how to print it. */
export interface GenerateInvocation {
  readonly request: Omit<AnyGenerateOptions, 'model' | 'prompt'>;
  readonly prompt: string | undefined;
  readonly modelDir: string | undefined;
  readonly provider: 'cpu' | 'webgpu' | 'cuda' | undefined;
  readonly threads: number | undefined;
  readonly json: boolean;
  readonly stream: boolean;
}

/** Parses the arguments of `formwork generate` (files are read; nothing is loaded or run). */
export function parseGenerateArgs(argv: readonly string[], cwd: string): GenerateInvocation | 'help' {
  const cmd = 'generate';
  const { values, positionals } = parseCommandArgs(cmd, argv, OPTIONS);
  if (values.help) return 'help';
  if (positionals.length > 1) throw new InputError(`expected at most one PROMPT argument, got ${positionals.length} (quote the prompt)`, { where: 'formwork generate' });
  if (positionals.length === 1 && values.prompt !== undefined) throw new InputError('give the prompt as an argument or with --prompt, not both', { where: 'formwork generate' });
  const constraints = (['schema', 'grammar', 'regex'] as const).filter((k) => values[k] !== undefined);
  if (constraints.length > 1) throw new InputError(`give at most one of --schema, --grammar, --regex (got ${constraints.map((c) => `--${c}`).join(', ')})`, { where: 'formwork generate' });
  if ((values.syntax !== undefined || values.start !== undefined) && values.grammar === undefined) {
    throw new InputError('--syntax and --start need --grammar', { where: 'formwork generate' });
  }

  let schema: unknown;
  if (values.schema !== undefined) {
    // Inline JSON: a schema is an object or a boolean, and no sensible file is named `{...`, true or false.
    const inline = /^\s*(\{|true\s*$|false\s*$)/.test(values.schema);
    schema = inline ? parseJson(values.schema, 'the --schema argument', '--schema') : readJsonFile(resolve(cwd, values.schema), '--schema');
  }
  let grammar: GrammarSpec | undefined;
  if (values.grammar !== undefined) {
    const path = resolve(cwd, values.grammar);
    const syntax = choiceFlag(cmd, 'syntax', values.syntax, ['gbnf', 'lark'] as const) ?? (extname(path) === '.lark' ? 'lark' : 'gbnf');
    grammar = { source: readTextFile(path, '--grammar'), syntax, start: values.start, name: values.grammar };
  }
  const sampler = choiceFlag(cmd, 'sampler', values.sampler, SAMPLERS);
  const search = parseSearch(values);
  const particles = intFlag(cmd, 'particles', values.particles, 1, 4096);
  if (particles !== undefined && (sampler ?? 'awrs') !== 'smc') throw new InputError('--particles needs --sampler smc', { where: 'formwork generate' });

  return {
    prompt: positionals[0] ?? values.prompt,
    modelDir: values.model === undefined ? undefined : resolve(cwd, values.model),
    provider: choiceFlag(cmd, 'provider', values.provider, ['cpu', 'webgpu', 'cuda'] as const),
    threads: intFlag(cmd, 'threads', values.threads, 1, 1024),
    json: values.json === true,
    stream: values.stream === true,
    request: {
      schema,
      grammar,
      regex: values.regex,
      system: values.system,
      chatTemplate: values.raw ? false : true,
      schemaPrompt: values.raw || values['no-schema-prompt'] ? false : undefined,
      json: values.compact ? { whitespace: 'compact' } : undefined,
      sampler,
      particles,
      maxTokens: intFlag(cmd, 'max-tokens', values['max-tokens'], 1),
      temperature: numberFlag(cmd, 'temperature', values.temperature, 0),
      topK: intFlag(cmd, 'top-k', values['top-k'], 1),
      topP: numberFlag(cmd, 'top-p', values['top-p'], 0),
      seed: intFlag(cmd, 'seed', values.seed, 0, 2 ** 32 - 1),
      maskFuel: intFlag(cmd, 'mask-fuel', values['mask-fuel'], 0),
      search,
    },
  };
}

function parseSearch(values: Record<string, unknown>): SearchOptions | undefined {
  const cmd = 'generate';
  const kind = choiceFlag(cmd, 'search', values.search as string | undefined, ['deal', 'tqstar'] as const);
  const rewards = (values.reward as string[] | undefined) ?? [];
  if (kind === undefined) {
    for (const flag of ['reward', 'beam', 'lookahead', 'lambda', 'alpha', 'rollouts']) {
      if (values[flag] !== undefined) throw new InputError(`--${flag} needs --search`, { where: 'formwork generate' });
    }
    return undefined;
  }
  if (rewards.length === 0) throw new InputError('--search needs at least one --reward (keywords=a,b  length=N  regex=P  json)', { where: 'formwork generate' });
  for (const flag of ['sampler', 'particles', 'top-k', 'top-p']) {
    if (values[flag] !== undefined) throw new InputError(`--${flag} does not apply to --search`, { where: 'formwork generate' });
  }
  const parsed = rewards.map(parseReward);
  const reward = parsed.length === 1 ? parsed[0] : weightedSum(parsed.map((r) => ({ reward: r, weight: 1 / parsed.length })));
  const str = (name: string) => values[name] as string | undefined;
  if (kind === 'deal') {
    for (const flag of ['alpha', 'rollouts']) if (values[flag] !== undefined) throw new InputError(`--${flag} is a Transfer Q* option (--search tqstar)`, { where: 'formwork generate' });
    return {
      kind,
      reward,
      beamWidth: intFlag(cmd, 'beam', str('beam'), 1),
      lookahead: intFlag(cmd, 'lookahead', str('lookahead'), 0),
      lambda: numberFlag(cmd, 'lambda', str('lambda'), 0, true),
    };
  }
  for (const flag of ['beam', 'lookahead', 'lambda']) if (values[flag] !== undefined) throw new InputError(`--${flag} is a DeAL option (--search deal)`, { where: 'formwork generate' });
  return { kind, reward, alpha: numberFlag(cmd, 'alpha', str('alpha'), 0, true), rollouts: intFlag(cmd, 'rollouts', str('rollouts'), 1) };
}

function parseReward(spec: string): Reward {
  const where = 'formwork generate --reward';
  const eq = spec.indexOf('=');
  const name = eq < 0 ? spec : spec.slice(0, eq);
  const arg = eq < 0 ? undefined : spec.slice(eq + 1);
  switch (name) {
    case 'keywords':
      if (!arg) throw new InputError('keywords=a,b,c needs keywords', { where });
      return keywordCoverage(arg.split(',').map((k) => k.trim()).filter((k) => k.length > 0));
    case 'length': {
      const target = Number(arg);
      if (!(Number.isFinite(target) && target > 0)) throw new InputError(`length=N needs a positive number, got ${JSON.stringify(arg)}`, { where });
      return lengthTarget({ target });
    }
    case 'regex':
      if (!arg) throw new InputError('regex=PATTERN needs a pattern', { where });
      return regexMatch(arg, { semantics: 'search' });
    case 'json':
      return jsonValidity();
    default:
      throw new InputError(`unknown reward ${JSON.stringify(name)} (use keywords=a,b  length=N  regex=P  json)`, { where });
  }
}

/** `formwork generate`: returns the exit status. */
export async function generateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const invocation = parseGenerateArgs(argv, io.cwd);
  if (invocation === 'help') {
    io.stdout.write(GENERATE_HELP);
    return EXIT.ok;
  }
  let prompt = invocation.prompt;
  if (prompt === undefined) {
    prompt = await io.readStdin();
    if (prompt === undefined) throw new InputError('give a prompt: an argument, --prompt TEXT, or standard input', { where: 'formwork generate' });
    prompt = prompt.replace(/\r?\n$/, '');
  }

  const model = await Model.load(invocation.modelDir, { provider: invocation.provider, threads: invocation.threads, signal: io.signal, onWarning: (m) => io.stderr.write(`warning: ${m}\n`) });
  try {
    const request: AnyGenerateOptions = { ...invocation.request, model, prompt, signal: io.signal };
    let result: GenerateResult<unknown>;
    try {
      if (invocation.stream && !invocation.json) {
        const stream = streamGenerate(request as Parameters<typeof streamGenerate>[0]);
        for await (const delta of stream.textStream) io.stdout.write(delta);
        result = await stream.result;
        io.stdout.write('\n');
      } else {
        result = await executeGeneration(request);
      }
    } catch (error) {
      if (invocation.json && error instanceof FormworkError) io.stdout.write(`${JSON.stringify(failureJson(error))}\n`);
      throw error;
    }
    if (invocation.json) io.stdout.write(`${JSON.stringify(resultJson(result, invocation.request.schema !== undefined))}\n`);
    else if (!invocation.stream) io.stdout.write(`${invocation.request.schema !== undefined ? JSON.stringify(result.value) : result.text}\n`);
    return EXIT.ok;
  } finally {
    await model.dispose();
  }
}

function resultJson(result: GenerateResult<unknown>, hasValue: boolean): Record<string, unknown> {
  return {
    ...(hasValue ? { value: result.value } : {}),
    text: result.text,
    tokens: result.tokens,
    usage: result.usage,
    finishReason: result.finishReason,
    ...(result.particles !== undefined ? { particles: result.particles, logZ: finite(result.logZ), posterior: result.posterior } : {}),
    ...(result.reward !== undefined ? { reward: result.reward } : {}),
  };
}

function failureJson(error: FormworkError): Record<string, unknown> {
  const out: Record<string, unknown> = { error: errorJson(error) };
  if (error instanceof IncompleteOutputError || error instanceof NoValidOutputError) {
    out.text = error.text;
    out.tokens = error.tokens;
    out.usage = error.usage;
    out.finishReason = error instanceof IncompleteOutputError ? 'length' : error.reason;
  }
  return out;
}

/** JSON has no -Infinity: a log weight of zero probability prints as null. */
function finite(x: number | undefined): number | null | undefined {
  return x === undefined ? undefined : Number.isFinite(x) ? x : null;
}

function readTextFile(path: string, flag: string): string {
  if (!existsSync(path)) throw new InputError(`${path} does not exist`, { where: flag });
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`, { where: flag });
  }
}

function readJsonFile(path: string, flag: string): unknown {
  return parseJson(readTextFile(path, flag), path, flag);
}

function parseJson(text: string, what: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${what} is not JSON: ${(error as Error).message}`, { where: flag });
  }
}
