import { Template } from '@huggingface/jinja';
import { describe, expect, it } from 'vitest';
import { CHAT_TOKENS, DEFAULT_CHAT_TEMPLATE, renderChat, type ChatMessage } from '../../../src/engine/prompts/chat-format.js';
import { InputError } from '../../../src/errors.js';

const conversations: ChatMessage[][] = [
  [{ role: 'user', content: 'Hello' }],
  [
    { role: 'system', content: 'Answer with JSON only. The JSON must match this schema: {"type":"object"}' },
    { role: 'user', content: 'Extract the person as JSON.\nName: Ann Lee\nAge: 34' },
  ],
  [
    { role: 'system', content: 'S' },
    { role: 'user', content: 'Q1' },
    { role: 'assistant', content: '{"a":1}' },
    { role: 'user', content: '  spaced  \n\n' },
  ],
  [{ role: 'user', content: '' }],
];

describe('renderChat', () => {
  it('writes each turn between its role token and <|end|>, then <|assistant|>', () => {
    expect(renderChat([{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }])).toBe('<|system|>S<|end|><|user|>U<|end|><|assistant|>');
    expect(renderChat([{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }], { addGenerationPrompt: false })).toBe(
      '<|user|>U<|end|><|assistant|>A<|end|>',
    );
  });

  it('renders exactly what the Jinja chat_template in tokenizer_config.json renders', () => {
    const template = new Template(DEFAULT_CHAT_TEMPLATE);
    for (const messages of conversations) {
      for (const addGenerationPrompt of [true, false]) {
        const jinja = template.render({ messages, add_generation_prompt: addGenerationPrompt });
        expect(renderChat(messages, { addGenerationPrompt })).toBe(jinja);
      }
    }
  });

  it('rejects an unknown role with the index of the message', () => {
    const bad = [{ role: 'tool', content: 'x' }] as unknown as ChatMessage[];
    expect(() => renderChat(bad)).toThrow(InputError);
    expect(() => renderChat(bad)).toThrow('messages[0].role');
  });

  it('lists the special tokens in the order of their ids', () => {
    expect(Object.values(CHAT_TOKENS)).toEqual(['<|endoftext|>', '<|system|>', '<|user|>', '<|assistant|>', '<|end|>']);
  });
});
