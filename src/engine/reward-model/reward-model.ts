import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { InputError, ModelLoadError, throwIfAborted } from '../../errors.js';
import type { Reward, RewardCall } from '../../sampler/rewards/reward.js';
import { createSession, type ExecutionProvider } from '../decoder/onnx-session.js';
import { float16ToFloat32 } from '../onnx/float16.js';
import { readJsonFile, RewardTokenizer, type RewardEncoding } from './reward-tokenizer.js';

export interface RewardModelOptions {
  /**
   * Which logit is the reward: a column index, or a label of config.json `id2label`. Default: the only
   * column of a [batch, 1] output; a model with several columns must be told.
   */
  readonly label?: number | string;
  /**
   * 'logit' (default): the raw logit; 'probability': its class probability (softmax over the columns,
   * sigmoid for a single column); 'log-probability': the log of that.
   */
  readonly output?: 'logit' | 'probability' | 'log-probability';
  /**
   * What the model reads for a text and the call's prompt: one string, or a pair (two segments, as
   * cross-encoder reward models take question and answer). Default: the text alone without a prompt,
   * the pair [prompt, text] with one.
   */
  readonly input?: (text: string, prompt: string | undefined) => string | readonly [string, string];
  /** Tokens per input (default: config.json max_position_embeddings, else 512). */
  readonly maxLength?: number;
  /** 'right' (default): keep the beginning of long inputs; 'left': keep the end. */
  readonly truncation?: 'right' | 'left';
  /** Inputs per forward pass (default 16). */
  readonly batchSize?: number;
  /** The .onnx file (default: model.onnx, else onnx/model.onnx). */
  readonly modelFile?: string;
  readonly provider?: ExecutionProvider;
  readonly threads?: number;
  /** Receives warnings (provider fallback); default console.warn. */
  readonly onWarning?: (message: string) => void;
  /** The reward's name in weighted sums and reports (default 'reward-model'). */
  readonly name?: string;
}

const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);
const MODEL_FILES = ['model.onnx', 'onnx/model.onnx'];

/**
 * A sequence-classification model (ONNX, Hugging Face layout: input_ids, attention_mask and optionally
 * token_type_ids / position_ids, all int64 [batch, length] -> logits [batch, classes]) with its own
 * tokenizer, as a Reward: texts are tokenized, right-padded and run in batches of `batchSize`, and one
 * logit (or its probability) is the reward. Partial texts are scored as they are, as DeAL scores
 * prefixes with a reward model.
 *
 * The session runs in the calling thread (a reward model call is one short forward pass per batch).
 */
export class RewardModel implements Reward {
  readonly name: string;
  /** Class names from config.json id2label, by column (empty when the config has none). */
  readonly labels: readonly string[];
  readonly provider: ExecutionProvider;
  readonly warnings: readonly string[];
  private column: number | undefined;
  private classes: number | undefined;

  private constructor(
    readonly modelPath: string,
    private readonly session: ort.InferenceSession,
    readonly tokenizer: RewardTokenizer,
    private readonly inputs: ReadonlySet<string>,
    private readonly outputName: string,
    private readonly options: RewardModelOptions,
    labels: readonly string[],
    classes: number | undefined,
    provider: ExecutionProvider,
    warnings: readonly string[],
  ) {
    this.name = options.name ?? 'reward-model';
    this.labels = labels;
    this.classes = classes;
    this.provider = provider;
    this.warnings = warnings;
    if (classes !== undefined) this.column = this.resolveColumn(classes);
  }

  /** Opens a model directory: the .onnx file, tokenizer.json (+ tokenizer_config.json) and config.json. */
  static async load(directory: string, options: RewardModelOptions = {}): Promise<RewardModel> {
    const dir = resolve(directory);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelLoadError('is not a directory', { path: dir });
    const output = options.output ?? 'logit';
    if (output !== 'logit' && output !== 'probability' && output !== 'log-probability') {
      throw new InputError(`output must be 'logit', 'probability' or 'log-probability', got ${JSON.stringify(output)}`, { where: 'RewardModel.load' });
    }
    const batchSize = options.batchSize ?? 16;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new InputError(`batchSize must be an integer >= 1, got ${batchSize}`, { where: 'RewardModel.load' });
    let modelPath: string;
    if (options.modelFile !== undefined) {
      modelPath = resolve(dir, options.modelFile);
      if (!existsSync(modelPath)) throw new ModelLoadError('is missing (given as modelFile)', { path: modelPath });
    } else {
      const found = MODEL_FILES.find((f) => existsSync(join(dir, f)));
      if (found === undefined) throw new ModelLoadError(`has no ONNX model (looked for ${MODEL_FILES.join(', ')})`, { path: dir });
      modelPath = join(dir, found);
    }
    const configPath = join(dir, 'config.json');
    const config = existsSync(configPath) ? readJsonFile(configPath) : {};
    const maxLength = options.maxLength ?? (typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : 512);
    const tokenizer = RewardTokenizer.load(dir, config, { maxLength, truncation: options.truncation });

    const { session, provider, warnings } = await createSession(modelPath, { provider: options.provider, threads: options.threads });
    const warn = options.onWarning ?? ((message: string) => console.warn(message));
    for (const warning of warnings) warn(warning);
    const inputs = new Set(session.inputNames);
    const fail = (message: string): never => {
      void session.release();
      throw new ModelLoadError(message, { path: modelPath });
    };
    if (!inputs.has('input_ids')) fail(`has no "input_ids" input (inputs: ${session.inputNames.join(', ')})`);
    for (const meta of session.inputMetadata) {
      if (!KNOWN_INPUTS.has(meta.name)) fail(`has input "${meta.name}"; a sequence classifier takes ${[...KNOWN_INPUTS].join(', ')}`);
      if (meta.isTensor && meta.type !== 'int64') fail(`input "${meta.name}" has element type ${meta.type}; expected int64`);
    }
    const outputName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
    const outputMeta = session.outputMetadata.find((m) => m.name === outputName);
    let classes: number | undefined;
    if (outputMeta?.isTensor) {
      if (outputMeta.type !== 'float32' && outputMeta.type !== 'float16') fail(`output "${outputName}" has element type ${outputMeta.type}; expected float32 or float16`);
      if (outputMeta.shape.length > 0 && outputMeta.shape.length !== 2) fail(`output "${outputName}" has rank ${outputMeta.shape.length}; a sequence classifier gives [batch, classes]`);
      const last = outputMeta.shape[1];
      if (typeof last === 'number') classes = last;
    }
    try {
      return new RewardModel(modelPath, session, tokenizer, inputs, outputName, { ...options, output, batchSize }, labelsOf(config), classes, provider, warnings);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  async score(texts: readonly string[], call: RewardCall = {}): Promise<number[]> {
    const logits = await this.logits(texts, call.prompt, call.signal);
    const column = this.column!;
    const output = this.options.output ?? 'logit';
    return logits.map((row) => rewardFromLogits(row, column, output));
  }

  /** The raw logits row of every text (after tokenization with the call's prompt, if any). */
  async logits(texts: readonly string[], prompt?: string, signal?: AbortSignal): Promise<Float32Array[]> {
    const rows: Float32Array[] = [];
    const batchSize = this.options.batchSize ?? 16;
    for (let from = 0; from < texts.length; from += batchSize) {
      throwIfAborted(signal);
      const encodings = texts.slice(from, from + batchSize).map((text) => this.encode(text, prompt));
      rows.push(...(await this.run(encodings)));
    }
    return rows;
  }

  /** What the model reads for `text` (and `prompt`): token ids after truncation. */
  encode(text: string, prompt?: string): RewardEncoding {
    const input = this.options.input ?? defaultInput;
    return this.tokenizer.encode(input(text, prompt));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  private async run(encodings: readonly RewardEncoding[]): Promise<Float32Array[]> {
    const batch = this.tokenizer.batch(encodings);
    const dims = [batch.size, batch.length];
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', batch.inputIds, dims) };
    if (this.inputs.has('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', batch.attentionMask, dims);
    if (this.inputs.has('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', batch.tokenTypeIds, dims);
    if (this.inputs.has('position_ids')) feeds.position_ids = new ort.Tensor('int64', batch.positionIds, dims);
    const result = await this.session.run(feeds);
    const tensor = result[this.outputName];
    if (tensor.dims.length !== 2 || tensor.dims[0] !== batch.size) {
      throw new ModelLoadError(`output "${this.outputName}" has shape [${tensor.dims.join(', ')}]; expected [${batch.size}, classes]`, { path: this.modelPath });
    }
    const classes = tensor.dims[1];
    if (this.column === undefined || this.classes !== classes) {
      this.classes = classes;
      this.column = this.resolveColumn(classes);
    }
    const data = tensor.type === 'float16' ? float16ToFloat32(tensor.data as Uint16Array) : (tensor.data as Float32Array);
    const rows: Float32Array[] = [];
    for (let b = 0; b < batch.size; b++) rows.push(data.slice(b * classes, (b + 1) * classes));
    return rows;
  }

  private resolveColumn(classes: number): number {
    const label = this.options.label;
    const where = `reward model ${this.modelPath}`;
    if (label === undefined) {
      if (classes === 1) return 0;
      throw new InputError(
        `has ${classes} output columns${this.labels.length > 0 ? ` (${this.labels.join(', ')})` : ''}: choose the reward with \`label\` (an index or a label name)`,
        { where },
      );
    }
    if (typeof label === 'number') {
      if (!(Number.isInteger(label) && label >= 0 && label < classes)) throw new InputError(`label ${label} is not a column (0..${classes - 1})`, { where });
      return label;
    }
    let index = this.labels.indexOf(label);
    if (index < 0) index = this.labels.findIndex((l) => l.toLowerCase() === label.toLowerCase());
    if (index < 0 || index >= classes) {
      throw new InputError(`label "${label}" is not one of config.json id2label (${this.labels.join(', ') || 'none given'})`, { where });
    }
    return index;
  }
}

function defaultInput(text: string, prompt: string | undefined): string | readonly [string, string] {
  return prompt === undefined ? text : [prompt, text];
}

function labelsOf(config: Readonly<Record<string, unknown>>): string[] {
  const id2label = config.id2label;
  if (id2label === null || typeof id2label !== 'object') return [];
  const labels: string[] = [];
  for (const [key, value] of Object.entries(id2label as Record<string, unknown>)) {
    const index = Number(key);
    if (Number.isInteger(index) && index >= 0 && typeof value === 'string') labels[index] = value;
  }
  return Array.from(labels, (l) => l ?? '');
}

/** The reward from a logits row: the raw logit, or the (log-)probability of its class. */
export function rewardFromLogits(row: ArrayLike<number>, column: number, output: 'logit' | 'probability' | 'log-probability'): number {
  const x = row[column];
  if (output === 'logit') return x;
  let logp: number;
  if (row.length === 1) {
    // log sigmoid(x) = -log(1 + e^-x), computed without overflow on either side.
    logp = x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
  } else {
    let max = -Infinity;
    for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
    let sum = 0;
    for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
    logp = x - max - Math.log(sum);
  }
  return output === 'log-probability' ? logp : Math.exp(logp);
}
