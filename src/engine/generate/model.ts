import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError, ModelLoadError, throwIfAborted } from '../../errors.js';
import type { Vocabulary } from '../../grammar/vocab/vocabulary.js';
import { loadVocabulary } from '../../grammar/vocab/load-vocabulary.js';
import { ChatTemplate, templateSpecialTokens } from '../chat-template.js';
import type { Decoder } from '../decoder/decoder.js';
import { OnnxDecoder } from '../decoder/onnx-decoder.js';
import type { ExecutionProvider } from '../decoder/onnx-session.js';
import { resolveDefaultModel, type DefaultModel } from '../default-model.js';
import type { ChatMessage } from '../prompts/chat-format.js';
import { ConstraintCache } from './constraint.js';

export interface LoadModelOptions {
  /** 'cpu' (default), 'webgpu' or 'cuda'; an unavailable provider falls back to the CPU with a warning. */
  readonly provider?: ExecutionProvider;
  /** onnxruntime intra-op threads (default: onnxruntime's choice). */
  readonly threads?: number;
  /** Prefer fp16 files when the directory holds several precisions. */
  readonly dtype?: 'fp32' | 'fp16';
  /** The .onnx file to use, relative to the directory. */
  readonly modelFile?: string;
  /** Run the ONNX session in a worker thread (default true: generation never blocks the event loop). */
  readonly worker?: boolean;
  /** Receives warnings (provider fallback); default console.warn. */
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** A vocabulary that can also tokenize prompts the way the model's tokenizer does (BOS, specials). */
export interface PromptVocabulary extends Vocabulary {
  encodePrompt?(text: string, options?: { addSpecialTokens?: boolean }): number[];
}

/** What a Model is made of, for models that do not come from a directory (tests, custom decoders). */
export interface ModelParts {
  readonly decoder: Decoder;
  readonly vocabulary: PromptVocabulary;
  /** A ChatTemplate, Jinja source, or none (prompts are then raw text). */
  readonly chatTemplate?: ChatTemplate | string;
  readonly name?: string;
}

/** How a prompt reaches the model. */
export interface PromptOptions {
  /**
   * true (default): the model's chat template when it has one; false: the messages' contents as raw
   * text (the model's tokenizer adds BOS); a string: this Jinja template instead of the model's.
   */
  readonly chatTemplate?: boolean | string;
}

export interface EncodedPrompt {
  readonly text: string;
  readonly ids: number[];
}

/**
 * A loaded model: decoder, vocabulary, chat template, and the constraints compiled for it. Load it
 * once and pass it to every `generate()`; `dispose()` frees the ONNX session and its worker thread.
 */
export class Model {
  readonly name: string;
  /** The model directory (undefined for models made from parts). */
  readonly dir: string | undefined;
  readonly decoder: Decoder;
  readonly vocabulary: PromptVocabulary;
  readonly chatTemplate: ChatTemplate | undefined;
  /** For the default model: which one ran ('trained' or 'env'). */
  readonly defaultKind: DefaultModel['kind'] | undefined;
  /** Compiled constraints, keyed by their specification. */
  readonly constraints = new ConstraintCache();
  private disposed = false;

  private constructor(parts: ModelParts & { dir?: string; defaultKind?: DefaultModel['kind'] }) {
    if (parts.vocabulary.size !== parts.decoder.vocabSize) {
      throw new InputError(
        `the vocabulary has ${parts.vocabulary.size} ids but the decoder's logits are ${parts.decoder.vocabSize} wide`,
        { where: 'Model' },
      );
    }
    if (!parts.vocabulary.eosIds.includes(parts.decoder.eosId)) {
      throw new InputError(`the decoder's EOS id ${parts.decoder.eosId} is not an EOS id of the vocabulary`, { where: 'Model' });
    }
    this.decoder = parts.decoder;
    this.vocabulary = parts.vocabulary;
    this.chatTemplate = typeof parts.chatTemplate === 'string' ? new ChatTemplate(parts.chatTemplate) : parts.chatTemplate;
    this.dir = parts.dir;
    this.name = parts.name ?? (parts.dir ? basename(parts.dir) : 'model');
    this.defaultKind = parts.defaultKind;
  }

  /**
   * Opens a model directory (Hugging Face ONNX export layout, or the output of `formwork convert`);
   * without `dir`, the default model (see default-model.ts).
   */
  static async load(dir?: string, options: LoadModelOptions = {}): Promise<Model> {
    throwIfAborted(options.signal);
    let defaultKind: DefaultModel['kind'] | undefined;
    if (dir === undefined) {
      const found = await resolveDefaultModel();
      dir = found.dir;
      defaultKind = found.kind;
    }
    const path = resolve(dir);
    const decoder = await OnnxDecoder.load(path, options);
    try {
      const vocabulary = loadVocabulary(path, { size: decoder.vocabSize, eosIds: decoder.eosIds });
      const chatTemplate = readChatTemplate(path);
      const name = defaultKind !== undefined ? `default (${defaultKind})` : basename(path);
      return new Model({ decoder, vocabulary, chatTemplate, dir: path, name, defaultKind });
    } catch (error) {
      await decoder.dispose();
      throw error;
    }
  }

  /** A model from a decoder and a vocabulary that belong together (same logits width and EOS). */
  static fromParts(parts: ModelParts): Model {
    return new Model(parts);
  }

  /**
   * The prompt's text and token ids. With a chat template the rendered text carries its own special
   * tokens, so it is tokenized without adding any (as transformers' apply_chat_template does); raw
   * text gets the tokenizer's special tokens (BOS).
   */
  encodePrompt(messages: readonly ChatMessage[], options: PromptOptions = {}): EncodedPrompt {
    const choice = options.chatTemplate ?? true;
    const template = typeof choice === 'string' ? new ChatTemplate(choice, this.chatTemplate?.specialTokens) : choice ? this.chatTemplate : undefined;
    if (template !== undefined) {
      const text = template.render(messages);
      return { text, ids: this.tokenize(text, false) };
    }
    const text = messages.map((m) => m.content).join('\n\n');
    return { text, ids: this.tokenize(text, true) };
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the decoder (ONNX session, worker thread) and the compiled constraints. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.constraints.clear();
    for (const [key, handle] of sharedModels) if (handle.settled === this) sharedModels.delete(key);
    await this.decoder.dispose();
  }

  private tokenize(text: string, addSpecialTokens: boolean): number[] {
    const vocabulary = this.vocabulary;
    return vocabulary.encodePrompt !== undefined ? vocabulary.encodePrompt(text, { addSpecialTokens }) : vocabulary.encode(text);
  }
}

/** Loads a model directory, or the default model when `dir` is omitted. Same as Model.load. */
export function loadModel(dir?: string, options: LoadModelOptions = {}): Promise<Model> {
  return Model.load(dir, options);
}

/** chat_template.jinja (newer exports) or tokenizer_config.json's chat_template, if any. */
function readChatTemplate(dir: string): ChatTemplate | undefined {
  const configPath = join(dir, 'tokenizer_config.json');
  let config: Record<string, unknown> | undefined;
  if (existsSync(configPath)) {
    try {
      config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new ModelLoadError(`is not valid JSON (${(cause as Error).message})`, { path: configPath, cause });
    }
  }
  const jinjaPath = join(dir, 'chat_template.jinja');
  if (existsSync(jinjaPath)) {
    return new ChatTemplate(readFileSync(jinjaPath, 'utf8'), templateSpecialTokens(config), jinjaPath);
  }
  return ChatTemplate.fromTokenizerConfig(config, configPath);
}

interface SharedHandle {
  readonly promise: Promise<Model>;
  settled: Model | undefined;
}

/** Models opened by name (a directory, or the default) through generate(): one handle per directory. */
const sharedModels = new Map<string, SharedHandle>();

/**
 * The shared handle of a model directory (the default model when `dir` is undefined), loaded on first
 * use and reused by every later call, so `generate({ schema })` pays for loading once per process.
 */
export function sharedModel(dir?: string, options: LoadModelOptions = {}): Promise<Model> {
  const key = JSON.stringify([dir === undefined ? null : resolve(dir), options.provider, options.threads, options.dtype, options.modelFile]);
  let handle = sharedModels.get(key);
  if (handle === undefined || handle.settled?.isDisposed) {
    const promise = Model.load(dir, { ...options, signal: undefined });
    const created: SharedHandle = { promise, settled: undefined };
    handle = created;
    sharedModels.set(key, created);
    promise.then(
      (model) => (created.settled = model),
      () => sharedModels.delete(key),
    );
  }
  return handle.promise;
}

/** Disposes every shared model (those opened by name through generate()). */
export async function disposeSharedModels(): Promise<void> {
  const handles = [...sharedModels.values()];
  sharedModels.clear();
  await Promise.all(handles.map(async (h) => (await h.promise.catch(() => undefined))?.dispose()));
}
