import { Template } from '@huggingface/jinja';
import { InputError, ModelLoadError } from '../errors.js';
import type { ChatMessage } from './prompts/chat-format.js';

/**
 * A model's chat template (the Jinja `chat_template` of tokenizer_config.json), rendered with
 * @huggingface/jinja the way transformers' `apply_chat_template` renders it: with `messages`,
 * `add_generation_prompt`, the special-token strings (`bos_token`, `eos_token`, ...) and
 * `raise_exception`. The rendered text already holds the template's special tokens, so it is tokenized
 * without adding any (as transformers does).
 */
export class ChatTemplate {
  private readonly template: Template;

  constructor(
    readonly source: string,
    /** Special-token strings the template may use (`bos_token`, `eos_token`, `unk_token`, `pad_token`). */
    readonly specialTokens: Readonly<Record<string, string>> = {},
    where = 'chat_template',
  ) {
    try {
      this.template = new Template(source);
    } catch (cause) {
      throw new ModelLoadError(`the chat template does not parse: ${(cause as Error).message}`, { path: where, cause });
    }
  }

  /**
   * The chat template of a parsed tokenizer_config.json, or undefined when it has none. A list of
   * named templates (`[{ name, template }]`) yields the one named `default`.
   */
  static fromTokenizerConfig(config: Readonly<Record<string, unknown>> | undefined, path = 'tokenizer_config.json'): ChatTemplate | undefined {
    if (config === undefined) return undefined;
    let source = config.chat_template;
    if (Array.isArray(source)) {
      const named = source as { name?: unknown; template?: unknown }[];
      source = (named.find((t) => t.name === 'default') ?? named[0])?.template;
    }
    if (typeof source !== 'string' || source.length === 0) return undefined;
    return new ChatTemplate(source, templateSpecialTokens(config), `${path} chat_template`);
  }

  /** The prompt text for `messages`; `addGenerationPrompt` (default true) opens the assistant's turn. */
  render(messages: readonly ChatMessage[], options: { addGenerationPrompt?: boolean } = {}): string {
    try {
      return this.template.render({
        ...this.specialTokens,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: options.addGenerationPrompt ?? true,
      });
    } catch (error) {
      // Includes the template's own raise_exception('...') (which @huggingface/jinja defines).
      throw new InputError(`the model's chat template failed to render: ${(error as Error).message}`, { where: 'messages' });
    }
  }
}

/**
 * The special-token strings a tokenizer_config.json names (`bos_token: "<s>"` or
 * `bos_token: { content: "<s>" }`), as chat templates refer to them.
 */
export function templateSpecialTokens(config: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const specialTokens: Record<string, string> = {};
  for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token']) {
    const value = config?.[key];
    const content = typeof value === 'string' ? value : value !== null && typeof value === 'object' ? (value as { content?: unknown }).content : undefined;
    if (typeof content === 'string') specialTokens[key] = content;
  }
  return specialTokens;
}
