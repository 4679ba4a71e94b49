import { describe, expect, it } from 'vitest';
import { ChatTemplate } from '../../../src/engine/chat-template.js';
import { DEFAULT_CHAT_TEMPLATE, renderChat } from '../../../src/engine/prompts/chat-format.js';
import { InputError } from '../../../src/errors.js';

/** Chat templates rendered as transformers' apply_chat_template renders them. */
const LLAMA3_LIKE =
  "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

describe('ChatTemplate', () => {
  it('renders the default model template exactly as renderChat (what the model was trained on)', () => {
    const template = ChatTemplate.fromTokenizerConfig({ chat_template: DEFAULT_CHAT_TEMPLATE })!;
    const messages = [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'U' },
    ] as const;
    expect(template.render(messages)).toBe(renderChat(messages));
    expect(template.render(messages, { addGenerationPrompt: false })).toBe(renderChat(messages, { addGenerationPrompt: false }));
  });

  it('passes the special-token strings of tokenizer_config.json (plain or { content }) to the template', () => {
    const template = ChatTemplate.fromTokenizerConfig({ chat_template: LLAMA3_LIKE, bos_token: { content: '<|begin_of_text|>' }, eos_token: '<|eot_id|>' })!;
    expect(template.render([{ role: 'user', content: ' hi ' }])).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('picks the template named "default" from a list, and has none when the config has none', () => {
    const config = { chat_template: [{ name: 'tool_use', template: 'T' }, { name: 'default', template: 'D{{ messages[0].content }}' }] };
    expect(ChatTemplate.fromTokenizerConfig(config)!.render([{ role: 'user', content: 'x' }])).toBe('Dx');
    expect(ChatTemplate.fromTokenizerConfig({ bos_token: '<s>' })).toBeUndefined();
    expect(ChatTemplate.fromTokenizerConfig(undefined)).toBeUndefined();
  });

  it("turns the template's raise_exception into an InputError", () => {
    const template = new ChatTemplate("{%- if messages[0]['role'] != 'user' %}{{ raise_exception('Conversations must start with a user message') }}{%- endif %}ok");
    expect(template.render([{ role: 'user', content: 'x' }])).toBe('ok');
    expect(() => template.render([{ role: 'system', content: 'x' }])).toThrow(InputError);
    expect(() => template.render([{ role: 'system', content: 'x' }])).toThrow(/must start with a user message/);
  });
});
