import { CHAT_TOKENS, renderChat } from './prompts/chat-format.js';
import { jsonSchemaPrompt } from './prompts/json-schema-prompt.js';

/**
 * The few kilobytes of text the fallback default model (default-model-fallback.ts) counts its byte
 * bigrams on: chat documents in the default model's exact format (the schema-describing system prompt,
 * a request, a JSON answer closed by `<|end|>`) and plain sentences closed by `<|endoftext|>`. A bigram
 * model learns from them only local habits (keys and words are short lowercase runs, `: ` follows a
 * key, `}` is followed by the end of the answer), which is what makes its constrained output look
 * like JSON rather than noise. It knows nothing else.
 */

interface JsonExample {
  readonly schema: Record<string, unknown>;
  readonly prompt: string;
  readonly answer: unknown;
}

const person = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' }, email: { type: 'string' } },
  required: ['name', 'age'],
};
const product = {
  type: 'object',
  properties: { id: { type: 'integer' }, title: { type: 'string' }, price: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['id', 'title', 'price'],
};
const event = {
  type: 'object',
  properties: { title: { type: 'string' }, city: { type: 'string' }, day: { type: 'integer' }, open: { type: 'boolean' } },
  required: ['title', 'city'],
};
const list = { type: 'array', items: { type: 'integer' } };
const address = {
  type: 'object',
  properties: {
    street: { type: 'string' },
    city: { type: 'string' },
    zip: { type: 'string' },
    home: { type: 'object', properties: { rooms: { type: 'integer' }, garden: { type: 'boolean' } } },
  },
};

const EXAMPLES: readonly JsonExample[] = [
  { schema: person, prompt: 'Ada is a mathematician, 36 years old.', answer: { name: 'Ada', age: 36 } },
  { schema: person, prompt: 'Describe a person named Tom.', answer: { name: 'Tom', age: 42, email: 'tom@mail.com' } },
  { schema: person, prompt: 'Make up a user.', answer: { name: 'Lily', age: 7 } },
  { schema: person, prompt: 'The new teacher is called Sam.', answer: { name: 'Sam', age: 29, email: 'sam@school.org' } },
  { schema: product, prompt: 'A red ball for the shop.', answer: { id: 12, title: 'red ball', price: 3.5, tags: ['toy', 'red'] } },
  { schema: product, prompt: 'List a book.', answer: { id: 7, title: 'the big tree', price: 12, tags: ['book'] } },
  { schema: product, prompt: 'A cup of tea.', answer: { id: 301, title: 'green tea', price: 2.25 } },
  { schema: event, prompt: 'A picnic in the park on Sunday.', answer: { title: 'picnic', city: 'Paris', day: 7, open: true } },
  { schema: event, prompt: 'The school fair.', answer: { title: 'school fair', city: 'Leeds', open: false } },
  { schema: list, prompt: 'Give three small numbers.', answer: [1, 2, 3] },
  { schema: list, prompt: 'Some scores.', answer: [10, 42, 7, 99] },
  { schema: address, prompt: 'Where does Tim live?', answer: { street: 'Oak Lane', city: 'York', zip: 'YO1', home: { rooms: 4, garden: true } } },
  { schema: address, prompt: 'An address in a small town.', answer: { street: 'Main Street', city: 'Bath', home: { rooms: 2, garden: false } } },
  { schema: { type: 'object', properties: { ok: { type: 'boolean' }, note: { type: 'string' } } }, prompt: 'Is it ready?', answer: { ok: true, note: 'done' } },
  { schema: { type: 'object', properties: { color: { enum: ['red', 'green', 'blue'] } } }, prompt: 'Pick a color.', answer: { color: 'green' } },
  { schema: { type: 'string' }, prompt: 'Name a fruit.', answer: 'apple' },
  { schema: { type: 'number' }, prompt: 'How tall is the door in meters?', answer: 2.1 },
];

const SENTENCES = [
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.',
  'One day, a small dog found a big red ball. He was very happy and ran to his friend.',
  'The sun was warm and the sky was blue. Tom and Sam went to the shop to buy some milk.',
  'The cat sat on the mat and looked at the bird in the tree.',
];

/** The training documents, in the chat format of models/default. */
export function fallbackCorpus(): string[] {
  const documents: string[] = [];
  for (const example of EXAMPLES) {
    const prompt = renderChat(jsonSchemaPrompt(example.schema, example.prompt));
    // The default model's answers come both compact and in json.dumps style.
    documents.push(prompt + JSON.stringify(example.answer) + CHAT_TOKENS.end);
    documents.push(prompt + pythonStyle(example.answer) + CHAT_TOKENS.end);
  }
  for (const sentence of SENTENCES) {
    documents.push(sentence + CHAT_TOKENS.endOfText);
    documents.push(renderChat([{ role: 'user', content: 'Tell me a story.' }]) + sentence + CHAT_TOKENS.end);
  }
  return documents;
}

/** JSON with ", " and ": " separators (Python's json.dumps). */
function pythonStyle(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonStyle).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonStyle(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}
