import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
  SharedV3Warning,
} from '@ai-sdk/provider';
import { InputError } from '../../errors.js';
import type { SamplerKind } from '../../sampler/run-sampler.js';
import type { JsonOutputOptions } from '../generate/constraint.js';
import { executeGeneration } from '../generate/generate.js';
import type { AnyGenerateOptions } from '../generate/generate-options.js';
import type { GenerateResult, GenerateUsage } from '../generate/generate-result.js';
import { Model, sharedModel, type LoadModelOptions } from '../generate/model.js';
import { IncompleteOutputError } from '../generate/output-errors.js';
import { streamGenerate } from '../generate/stream.js';
import type { ChatMessage } from '../prompts/chat-format.js';

/**
 * formwork as a Vercel AI SDK (ai 6.x) language model: the AI SDK's generateText / streamText /
 * generateObject / streamObject run on a local ONNX model, and a JSON response format with a schema
 * becomes formwork's exact JSON Schema automaton, so the object the AI SDK parses always matches.
 *
 *   import { generateObject } from 'ai';
 *   import { formwork } from 'formwork/ai-sdk';
 *   const { object } = await generateObject({ model: formwork(), schema: z.object({ name: z.string() }), prompt: '...' });
 *
 * Settings map as an AI SDK user expects: maxOutputTokens -> maxTokens, temperature 0 -> greedy,
 * topK/topP -> truncated sampling, seed, abortSignal. Per call, `providerOptions.formwork` may set
 * `sampler`, `particles` and `schemaPrompt`. Tools, stop sequences and penalties are not supported
 * (reported as warnings); images and other files are refused.
 */
export interface FormworkSettings extends LoadModelOptions {
  /** Default sampler when the call does not imply one (default 'awrs'). */
  readonly sampler?: SamplerKind;
  readonly particles?: number;
  /** Used when the call gives no maxOutputTokens (default 512). */
  readonly maxTokens?: number;
  readonly json?: JsonOutputOptions;
  /** Describe the schema in the system message (default true). */
  readonly schemaPrompt?: boolean;
}

/** A LanguageModelV3 on a model directory (the default model when omitted) or on a loaded Model. */
export function formwork(model?: string | Model, settings: FormworkSettings = {}): FormworkLanguageModel {
  return new FormworkLanguageModel(model, settings);
}

export class FormworkLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3' as const;
  readonly provider = 'formwork';
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]> = {};

  constructor(
    private readonly model: string | Model | undefined,
    private readonly settings: FormworkSettings = {},
  ) {
    this.modelId = model instanceof Model ? model.name : (model ?? 'default');
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const { request, warnings } = await this.request(options);
    try {
      const result = await executeGeneration(request);
      return {
        content: [{ type: 'text', text: result.text }],
        finishReason: finishReason(result.finishReason),
        usage: usageOf(result.usage),
        providerMetadata: { formwork: metadataOf(result) },
        warnings,
      };
    } catch (error) {
      // Out of tokens: the AI SDK reports it as it does for every provider (finish reason 'length').
      if (error instanceof IncompleteOutputError) {
        return { content: [{ type: 'text', text: error.text }], finishReason: finishReason('length'), usage: usageOf(error.usage), warnings };
      }
      throw error;
    }
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const { request, warnings } = await this.request(options);
    const stream = streamGenerate(request as Parameters<typeof streamGenerate>[0]);
    return {
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        async start(controller) {
          controller.enqueue({ type: 'stream-start', warnings });
          controller.enqueue({ type: 'text-start', id: '0' });
          try {
            for await (const delta of stream.textStream) controller.enqueue({ type: 'text-delta', id: '0', delta });
            const result = await stream.result;
            controller.enqueue({ type: 'text-end', id: '0' });
            controller.enqueue({
              type: 'finish',
              finishReason: finishReason(result.finishReason),
              usage: usageOf(result.usage),
              providerMetadata: { formwork: metadataOf(result) },
            });
          } catch (error) {
            if (error instanceof IncompleteOutputError) {
              controller.enqueue({ type: 'text-end', id: '0' });
              controller.enqueue({ type: 'finish', finishReason: finishReason('length'), usage: usageOf(error.usage) });
            } else {
              controller.enqueue({ type: 'error', error });
            }
          }
          controller.close();
        },
      }),
    };
  }

  /** The formwork request of an AI SDK call, and the settings it cannot honour. */
  private async request(options: LanguageModelV3CallOptions): Promise<{ request: AnyGenerateOptions; warnings: SharedV3Warning[] }> {
    const warnings: SharedV3Warning[] = [];
    const unsupported = (feature: string, given: unknown) => given !== undefined && warnings.push({ type: 'unsupported', feature });
    unsupported('stopSequences', options.stopSequences?.length ? options.stopSequences : undefined);
    unsupported('presencePenalty', options.presencePenalty);
    unsupported('frequencyPenalty', options.frequencyPenalty);
    unsupported('tools', options.tools?.length ? options.tools : undefined);
    unsupported('toolChoice', options.toolChoice);

    const own = (options.providerOptions?.formwork ?? {}) as { sampler?: SamplerKind; particles?: number; schemaPrompt?: boolean };
    const truncated = options.topK !== undefined || options.topP !== undefined;
    const sampler: SamplerKind | undefined = own.sampler ?? (options.temperature === 0 ? 'greedy' : truncated ? 'sample' : this.settings.sampler);
    const format = options.responseFormat;
    const schema = format?.type === 'json' ? (format.schema ?? {}) : undefined;
    const model = this.model instanceof Model ? this.model : await sharedModel(this.model, this.settings);
    return {
      warnings,
      request: {
        model,
        messages: messagesOf(options.prompt),
        schema,
        json: this.settings.json,
        schemaPrompt: own.schemaPrompt ?? this.settings.schemaPrompt,
        sampler,
        particles: own.particles ?? (sampler === 'smc' ? this.settings.particles : undefined),
        temperature: options.temperature === 0 ? undefined : options.temperature,
        topK: sampler === 'sample' ? options.topK : undefined,
        topP: sampler === 'sample' ? options.topP : undefined,
        seed: options.seed,
        maxTokens: options.maxOutputTokens ?? this.settings.maxTokens,
        signal: options.abortSignal,
      },
    };
  }
}

/** The AI SDK's prompt as chat messages (text parts only). */
function messagesOf(prompt: LanguageModelV3Prompt): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const [i, message] of prompt.entries()) {
    if (message.role === 'system') {
      messages.push({ role: 'system', content: message.content });
      continue;
    }
    if (message.role !== 'user' && message.role !== 'assistant') {
      throw new InputError(`${message.role} messages are not supported (formwork runs no tools)`, { where: `prompt[${i}]` });
    }
    let content = '';
    for (const part of message.content) {
      if (part.type === 'text') content += part.text;
      else if (part.type !== 'reasoning') throw new InputError(`${part.type} parts are not supported (text only)`, { where: `prompt[${i}]` });
    }
    messages.push({ role: message.role, content });
  }
  return messages;
}

function finishReason(reason: 'stop' | 'length'): LanguageModelV3FinishReason {
  return { unified: reason, raw: reason };
}

function usageOf(usage: GenerateUsage): LanguageModelV3Usage {
  return {
    inputTokens: { total: usage.promptTokens, noCache: usage.promptTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: usage.completionTokens, text: usage.completionTokens, reasoning: undefined },
  };
}

function metadataOf(result: GenerateResult<unknown>): Record<string, number | string | null> {
  const metadata: Record<string, number | string | null> = {
    decoderSteps: result.usage.decoderSteps,
    masks: result.usage.masks,
    constraintChecks: result.usage.constraintChecks,
    logProb: Number.isFinite(result.logProb) ? result.logProb : null,
  };
  if (result.logZ !== undefined) metadata.logZ = Number.isFinite(result.logZ) ? result.logZ : null;
  return metadata;
}
