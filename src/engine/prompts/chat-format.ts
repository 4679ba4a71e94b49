/**
 * The chat format of formwork's default model (models/default): one special token opens each turn,
 * one closes it, nothing else (no newlines, no BOS), because every token of the prompt costs context
 * in a model with 512 positions.
 *
 *   <|system|>{system}<|end|><|user|>{user}<|end|><|assistant|>{answer}<|end|>
 *
 * `<|end|>` closes the assistant's answer and is the model's end-of-sequence token; `<|endoftext|>`
 * ends plain documents in the training corpus. `renderChat` and `DEFAULT_CHAT_TEMPLATE` (the Jinja
 * template written into tokenizer_config.json) produce the same text: the model was trained on
 * renderChat's output, and a test renders both.
 */

import { InputError } from '../../errors.js';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

/** The special tokens of the chat format, in the order of their ids in the default tokenizer. */
export const CHAT_TOKENS = {
  endOfText: '<|endoftext|>',
  system: '<|system|>',
  user: '<|user|>',
  assistant: '<|assistant|>',
  end: '<|end|>',
} as const;

/** Jinja (as @huggingface/jinja and transformers render it) equivalent of `renderChat`. */
export const DEFAULT_CHAT_TEMPLATE =
  "{%- for message in messages -%}{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}{%- endfor -%}" +
  "{%- if add_generation_prompt -%}{{ '<|assistant|>' }}{%- endif -%}";

const ROLE_TOKEN: Record<ChatRole, string> = {
  system: CHAT_TOKENS.system,
  user: CHAT_TOKENS.user,
  assistant: CHAT_TOKENS.assistant,
};

export interface RenderChatOptions {
  /** Append `<|assistant|>` so the model continues with the answer (default true). */
  readonly addGenerationPrompt?: boolean;
}

/**
 * The prompt text for `messages`. Message contents are inserted verbatim: text that spells a special
 * token (say `<|end|>`) is tokenized as that special token, as in every chat model's template.
 */
export function renderChat(messages: readonly ChatMessage[], options: RenderChatOptions = {}): string {
  let text = '';
  for (const [i, message] of messages.entries()) {
    const open = ROLE_TOKEN[message.role];
    if (open === undefined) {
      throw new InputError(`unknown role ${JSON.stringify(message.role)} (expected system, user or assistant)`, {
        where: `messages[${i}].role`,
      });
    }
    text += open + message.content + CHAT_TOKENS.end;
  }
  if (options.addGenerationPrompt ?? true) text += CHAT_TOKENS.assistant;
  return text;
}
