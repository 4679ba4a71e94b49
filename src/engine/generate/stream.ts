import type { z } from 'zod';
import { executeGeneration } from './generate.js';
import type {
  AnyGenerateOptions,
  GrammarGenerateOptions,
  RegexGenerateOptions,
  SchemaGenerateOptions,
  TextGenerateOptions,
} from './generate-options.js';
import type { GenerateResult } from './generate-result.js';
import type { Model } from './model.js';
import { PartialJsonParser } from './partial-json.js';
import type { DeepPartial, FromSchema, JSONSchema, JSONSchemaType, RuntimeJsonSchema, ZodSchema } from './schema-types.js';

/** One step of a stream: the text that just arrived and, for schemas, the value as far as it is known. */
export interface StreamPart<P> {
  /** New text since the previous part (never empty). */
  readonly delta: string;
  /** All text so far. */
  readonly text: string;
  /** Schemas only, and only when the visible value changed: a prefix of the final value. */
  readonly partial?: P;
}

/**
 * A generation in progress. Iterate it for parts, or `textStream` for text deltas, or
 * `partialObjectStream` for deep-partial values; each iteration replays the stream from its start, so
 * they can be consumed one after the other or side by side. `result` settles with the same result
 * (or error) as generate() would.
 */
export interface GenerateStream<T> extends AsyncIterable<StreamPart<DeepPartial<T>>> {
  readonly textStream: AsyncIterable<string>;
  readonly partialObjectStream: AsyncIterable<DeepPartial<T>>;
  readonly result: Promise<GenerateResult<T>>;
}

/** generate() as a stream (see GenerateStream); the same options and types. */
export function streamGenerate<Zs extends ZodSchema>(options: SchemaGenerateOptions<Zs>): GenerateStream<z.output<Zs>>;
export function streamGenerate<T>(options: SchemaGenerateOptions<JSONSchemaType<T>>): GenerateStream<T>;
export function streamGenerate<const S extends JSONSchema>(options: SchemaGenerateOptions<S>): GenerateStream<FromSchema<S>>;
export function streamGenerate(options: SchemaGenerateOptions<RuntimeJsonSchema>): GenerateStream<unknown>;
export function streamGenerate(options: GrammarGenerateOptions | RegexGenerateOptions | TextGenerateOptions): GenerateStream<string>;
export function streamGenerate(options: AnyGenerateOptions): GenerateStream<unknown> {
  const log = new PartLog<StreamPart<unknown>>();
  let vocabulary: Model['vocabulary'] | undefined;
  let parser: PartialJsonParser | undefined;
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  let text = '';
  const emit = (delta: string, flush = false) => {
    if (delta.length > 0) text += delta;
    const changed = parser !== undefined && (parser.feed(delta) || (flush && parser.finish()));
    if (delta.length === 0 && !changed) return;
    log.push(changed ? { delta, text, partial: parser!.value } : { delta, text });
  };

  const result = executeGeneration(options, {
    onStart({ model, constraint }) {
      vocabulary = model.vocabulary;
      if (constraint.kind === 'schema') parser = new PartialJsonParser();
    },
    onToken(token) {
      // Tokens may end inside a UTF-8 character: the decoder holds those bytes until it is complete.
      emit(utf8.decode(vocabulary!.tokenBytes(token), { stream: true }));
    },
  }).then(
    (value) => {
      emit(utf8.decode(), true);
      log.end();
      return value;
    },
    (error: unknown) => {
      log.fail(error);
      throw error;
    },
  );
  // Consumers that only iterate get the error from the iterator; no unhandled rejection on the side.
  result.catch(() => undefined);

  const view = <U>(pick: (part: StreamPart<unknown>) => U | undefined): AsyncIterable<U> => ({
    [Symbol.asyncIterator]: () => log.iterator(pick),
  });
  return {
    [Symbol.asyncIterator]: () => log.iterator((part) => part),
    textStream: view((part) => part.delta),
    partialObjectStream: view((part) => ('partial' in part ? part.partial : undefined)),
    result,
  };
}

/** An append-only log of parts that any number of iterators read from the start, at their own pace. */
class PartLog<P> {
  private readonly parts: P[] = [];
  private done = false;
  private error: { value: unknown } | undefined;
  private waiters: (() => void)[] = [];

  push(part: P): void {
    this.parts.push(part);
    this.wake();
  }

  end(): void {
    this.done = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.error = { value: error };
    this.done = true;
    this.wake();
  }

  iterator<U>(pick: (part: P) => U | undefined): AsyncIterator<U> {
    let index = 0;
    return {
      next: async (): Promise<IteratorResult<U>> => {
        for (;;) {
          while (index < this.parts.length) {
            const picked = pick(this.parts[index++]);
            if (picked !== undefined) return { value: picked, done: false };
          }
          if (this.error !== undefined) throw this.error.value;
          if (this.done) return { value: undefined, done: true };
          await new Promise<void>((resolve) => this.waiters.push(resolve));
        }
      },
    };
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
