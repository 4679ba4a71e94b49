import type { ChatMessage } from '../../src/engine/prompts/chat-format.js';
import { jsonSchemaPrompt } from '../../src/engine/prompts/json-schema-prompt.js';
import { article, describe, plural } from './describe.js';
import { instanceOf } from './instance-of.js';
import { drawAnswerStyle, serialize } from './json-style.js';
import type { Rng } from './rng.js';
import { schemaOf } from './schema-of.js';
import type { DrawnShape } from './shape-space.js';
import { isSimple } from './shape-space.js';
import { skeleton } from './shape.js';
import { capitalize } from './values.js';

/**
 * Instruction -> JSON pairs in exactly the prompt format generate() uses (jsonSchemaPrompt). Two
 * kinds of instruction: extraction (the values are in the user's text; the model maps phrases to
 * keys and copies values) and generation (the model invents plausible values, sometimes with one or
 * two of them given).
 */
export type PairMode = 'extract' | 'generate';

export interface JsonPair {
  readonly messages: ChatMessage[];
  readonly schema: Record<string, unknown>;
  readonly value: unknown;
  /** The answer as the model should write it (one of the JSON styles). */
  readonly answer: string;
  readonly mode: PairMode;
  readonly domain: string;
  readonly skeleton: string;
  readonly simple: boolean;
}

function extractPrompt(rng: Rng, drawn: DrawnShape, value: unknown): string {
  const { shape, entity } = drawn;
  if (shape.kind === 'array') {
    const items = (value as unknown[]).map((v, i) => `${i + 1}. ${describe(v, shape.items, rng, 'inline')}`).join('\n');
    return rng.pick([
      `Extract the ${plural(entity)} as a JSON array.\n${items}`,
      `${items}\n\nReturn these ${plural(entity)} as JSON.`,
      `Convert this list of ${plural(entity)} to JSON:\n${items}`,
    ]);
  }
  if (shape.kind !== 'object') {
    const text = describe(value, shape, rng, 'inline');
    return rng.pick([`What is the ${entity}? It is ${text}.`, `Extract the ${entity}: ${text}`, `The ${entity} is ${text}. Return it as JSON.`]);
  }
  const text = describe(value, shape, rng, rng.weighted([[4, 'lines'], [3, 'inline'], [3, 'sentence']]));
  return rng.weighted<string>([
    [3, `Extract the ${entity} as JSON.\n${text}`],
    [2, `${text}\n\nReturn this ${entity} as JSON.`],
    [2, `Convert to JSON: ${text}`],
    [2, `Here are the details of ${article(entity)}. ${text}`],
    [1, `Fill in the ${entity} from this text: ${text}`],
    [1, text],
  ]);
}

function generatePrompt(rng: Rng, drawn: DrawnShape, value: unknown): string {
  const { shape, entity } = drawn;
  if (shape.kind === 'array') {
    const n = (value as unknown[]).length;
    return rng.pick([`List ${n} ${n === 1 ? entity : plural(entity)}.`, `Generate ${n} example ${n === 1 ? entity : plural(entity)}.`, `Give me ${n} ${n === 1 ? entity : plural(entity)} as JSON.`]);
  }
  if (shape.kind === 'object' && value !== null && typeof value === 'object' && rng.chance(0.35)) {
    // Partly specified: one or two values are given, the rest invented.
    const record = value as Record<string, unknown>;
    const given = rng.sample(shape.props.filter((p) => p.key in record && ['string', 'integer', 'number', 'enum'].includes(p.shape.kind)), rng.int(1, 2));
    if (given.length > 0) {
      const clause = given.map((p) => `${p.phrase} ${String(record[p.key])}`).join(' and ');
      return rng.pick([`Create ${article(entity)} with ${clause}.`, `Generate ${article(entity)} whose ${clause.replace(' and ', ' and whose ')}.`, `Make up ${article(entity)}: ${clause}.`]);
    }
  }
  return rng.weighted<string>([
    [3, `Generate ${article(entity)}.`],
    [2, `Create a realistic ${entity}.`],
    [2, `Give me an example ${entity} as JSON.`],
    [1, `Make up ${article(entity)}.`],
    [1, `Return one sample ${entity}.`],
    [1, `I need test data: one ${entity}.`],
    [1, `${capitalize(article(entity))}, please.`],
  ]);
}

export function drawJsonPair(rng: Rng, drawn: DrawnShape, mode?: PairMode): JsonPair {
  // Every property is present, in schema order: the answer is then "the schema's keys, in order, each
  // with a value of its type", a copy pattern a small model learns (measured: with 40% of optional
  // properties left out at random, the first 1.3M-parameter model repeated and invented keys).
  const value = instanceOf(drawn.shape, rng, { optionalRate: 1 });
  const chosen: PairMode = mode ?? (rng.chance(0.6) ? 'extract' : 'generate');
  const schema = schemaOf(drawn.shape);
  const user = chosen === 'extract' ? extractPrompt(rng, drawn, value) : generatePrompt(rng, drawn, value);
  return {
    messages: jsonSchemaPrompt(schema, user),
    schema,
    value,
    answer: serialize(value, drawAnswerStyle(rng)),
    mode: chosen,
    domain: drawn.domain,
    skeleton: skeleton(drawn.shape),
    simple: isSimple(drawn.shape),
  };
}
