import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodeOptions, Decoder, Prefilled, SequenceHandle } from '../../../src/engine/decoder/decoder.js';
import { Model } from '../../../src/engine/generate/model.js';
import { DatabaseRegistry } from '../../../src/engine/serve/database-registry.js';
import { FormworkService } from '../../../src/engine/serve/formwork-service.js';
import { maskFuelsOf } from '../api/fixtures.js';
import { answerModel, fileHash, writeDatabaseFile } from '../sql/sql-fixtures.js';

/** A decoder that takes `ms` of wall time per forward pass, like a real model (timers run meanwhile). */
class SlowDecoder implements Decoder {
  constructor(
    private readonly inner: Decoder,
    private readonly ms: number,
  ) {}
  get vocabSize() {
    return this.inner.vocabSize;
  }
  get eosId() {
    return this.inner.eosId;
  }
  get maxLength() {
    return this.inner.maxLength;
  }
  async prefill(promptIds: readonly number[], options?: DecodeOptions): Promise<Prefilled> {
    await new Promise((r) => setTimeout(r, this.ms));
    return this.inner.prefill(promptIds, options);
  }
  async step(sequences: readonly SequenceHandle[], tokens: readonly number[], options?: DecodeOptions): Promise<Float64Array[]> {
    await new Promise((r) => setTimeout(r, this.ms));
    return this.inner.step(sequences, tokens, options);
  }
  fork(sequence: SequenceHandle): SequenceHandle {
    return this.inner.fork(sequence);
  }
  release(sequence: SequenceHandle): void {
    this.inner.release(sequence);
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/** The answer model, `ms` per token. */
function slowModel(answers: { text: string; weight: number }[], ms: number): Model {
  const { model } = answerModel(answers);
  return Model.fromParts({ decoder: new SlowDecoder(model.decoder, ms), vocabulary: model.vocabulary, chatTemplate: model.chatTemplate, name: 'slow' });
}

async function post(url: string, body: unknown, init: RequestInit = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

describe('FormworkService', () => {
  let file: Awaited<ReturnType<typeof writeDatabaseFile>>;
  let hashBefore: string;
  let service: FormworkService;
  const log: string[] = [];

  beforeAll(async () => {
    file = await writeDatabaseFile();
    hashBefore = fileHash(file.path);
    const { model } = answerModel([
      { text: 'SELECT count(*) FROM singer', weight: 1 },
      { text: 'abc', weight: 1 },
      { text: '{"n": 1}', weight: 1 },
    ]);
    service = await FormworkService.start({
      model,
      databases: new DatabaseRegistry({ files: [file.path] }),
      port: 0,
      maxBodyBytes: 2000,
      limits: { maxTokens: 100 },
      log: (line) => log.push(line),
    });
  });
  afterAll(async () => {
    await service?.close();
    file?.cleanup();
  });

  it('listens on loopback and reports its health', async () => {
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${service.url}/v1/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', model: 'answers', databases: ['music'], inFlight: 1, queued: 0 });
  });

  it('answers a question with a query and its rows', async () => {
    const { status, json } = await post(`${service.url}/v1/sql`, { database: 'music', question: 'How many singers?' });
    expect(status).toBe(200);
    expect(json).toMatchObject({ sql: 'SELECT count(*) FROM singer', columns: ['count(*)'], rows: [[3]], finishReason: 'stop' });
  });

  it('runs a given query read-only, and refuses writes with 400', async () => {
    expect((await post(`${service.url}/v1/sql`, { database: 'music', sql: 'SELECT name FROM singer ORDER BY name', maxRows: 2 })).json).toEqual({
      sql: 'SELECT name FROM singer ORDER BY name',
      columns: ['name'],
      rows: [['Ada'], ['Bo']],
      truncated: true,
    });
    for (const sql of ['DELETE FROM singer', 'DROP TABLE singer', 'SELECT 1; DELETE FROM singer']) {
      const { status, json } = await post(`${service.url}/v1/sql`, { database: 'music', sql });
      expect(status).toBe(400);
      expect((json.error as { message: string }).message).toMatch(/read-only|more than one statement/);
    }
    expect(fileHash(file.path)).toBe(hashBefore);
  });

  it('generates under a regex, a grammar and a schema', async () => {
    expect((await post(`${service.url}/v1/generate`, { prompt: 'letters', regex: '[a-c]+' })).json).toMatchObject({ text: 'abc', finishReason: 'stop' });
    expect((await post(`${service.url}/v1/generate`, { prompt: 'x', grammar: { source: 'start: "abc"', syntax: 'lark' } })).json).toMatchObject({ text: 'abc' });
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    expect((await post(`${service.url}/v1/generate`, { prompt: 'n', schema, schemaPrompt: false })).json).toMatchObject({ value: { n: 1 } });
  });

  it.each([
    ['not JSON', '{"database": ', 400, /not JSON/],
    ['not an object', '[1, 2]', 400, /JSON object/],
    ['an unknown field', { database: 'music', question: 'q', temprature: 1 }, 400, /temprature: unknown field/],
    ['a wrong type', { database: 'music', question: 7 }, 400, /question: must be a non-empty string/],
    ['too many tokens', { database: 'music', question: 'q', maxTokens: 101 }, 400, /maxTokens: must be an integer in 1\.\.100/],
    ['an unknown database', { database: 'nope', question: 'q' }, 404, /unknown database "nope" \(this service has music\)/],
    ['a path for a database', { database: '../music', question: 'q' }, 404, /unknown database/],
  ])('answers %s on /v1/sql with a 4xx naming the problem', async (_what, body, status, message) => {
    const response = await post(`${service.url}/v1/sql`, body);
    expect(response.status).toBe(status);
    expect((response.json.error as { message: string }).message).toMatch(message);
  });

  it('passes maskFuel to every mask of /v1/generate and /v1/sql, and the output stays exact', async () => {
    let text: unknown;
    const generateFuels = await maskFuelsOf(async () => {
      ({ text } = (await post(`${service.url}/v1/generate`, { prompt: 'letters', regex: '[a-c]+', sampler: 'masked', maskFuel: 2 })).json);
    });
    expect(text).toBe('abc');
    expect(generateFuels.length).toBeGreaterThan(0);
    expect(new Set(generateFuels)).toEqual(new Set([2]));
    let answer: Record<string, unknown> = {};
    const sqlFuels = await maskFuelsOf(async () => {
      ({ json: answer } = await post(`${service.url}/v1/sql`, { database: 'music', question: 'How many singers?', maskFuel: 0 }));
    });
    expect(answer).toMatchObject({ sql: 'SELECT count(*) FROM singer', rows: [[3]] });
    expect(sqlFuels.length).toBeGreaterThan(0);
    expect(new Set(sqlFuels)).toEqual(new Set([0]));
  });

  it.each([-1, 1.5, '3', null])('answers maskFuel %j with 400 naming the field', async (maskFuel) => {
    for (const [route, body] of [
      ['generate', { prompt: 'x', regex: 'a', maskFuel }],
      ['sql', { database: 'music', question: 'q', maskFuel }],
    ] as const) {
      const response = await post(`${service.url}/v1/${route}`, body);
      expect(response.status, route).toBe(400);
      expect((response.json.error as { message: string }).message, route).toMatch(/maskFuel: must be an integer >= 0/);
    }
  });

  it('refuses bad requests on /v1/generate with 4xx', async () => {
    expect((await post(`${service.url}/v1/generate`, { prompt: 'x', regex: '(' })).status).toBe(422);
    expect((await post(`${service.url}/v1/generate`, { prompt: 'x', grammar: 'root ::= undefined-rule' })).status).toBe(422);
    expect((await post(`${service.url}/v1/generate`, { prompt: 'x', regex: 'a', schema: {} })).status).toBe(400);
    expect((await post(`${service.url}/v1/generate`, { regex: 'a' })).status).toBe(400);
    const big = await post(`${service.url}/v1/generate`, { prompt: 'x'.repeat(3000) });
    expect(big.status).toBe(413);
    expect(big.json.error).toMatchObject({ code: 'LIMIT', limit: 'maxBodyBytes' });
    const typed = await post(`${service.url}/v1/generate`, 'x', { headers: { 'Content-Type': 'text/plain' } });
    expect(typed.status).toBe(415);
  });

  it('answers unknown routes and methods', async () => {
    expect((await fetch(`${service.url}/v2/whatever`)).status).toBe(404);
    const wrong = await fetch(`${service.url}/v1/sql`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('FormworkService limits and shutdown', () => {
  it('stops a request at its time limit with 504', async () => {
    const service = await FormworkService.start({ model: slowModel([{ text: 'abcdefghij', weight: 1 }], 40), port: 0, timeoutMs: 150 });
    try {
      const { status, json } = await post(`${service.url}/v1/generate`, { prompt: 'x', regex: '[a-j]+' });
      expect(status).toBe(504);
      expect(json.error).toMatchObject({ code: 'TIMEOUT' });
    } finally {
      await service.close();
    }
  });

  it('queues up to maxQueue requests and refuses more with 503', async () => {
    const service = await FormworkService.start({ model: slowModel([{ text: 'abcd', weight: 1 }], 30), port: 0, concurrency: 1, maxQueue: 1 });
    try {
      const responses = await Promise.all([0, 1, 2].map(() => post(`${service.url}/v1/generate`, { prompt: 'x', regex: '[a-d]+' })));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 503]);
      const busy = responses.find((r) => r.status === 503)!;
      expect(busy.json.error).toMatchObject({ code: 'BUSY' });
      expect(busy.headers.get('retry-after')).toBe('1');
    } finally {
      await service.close();
    }
  });

  it('shuts down gracefully: requests in flight finish, new connections are refused', async () => {
    const service = await FormworkService.start({ model: slowModel([{ text: 'abcdef', weight: 1 }], 30), port: 0 });
    const inFlight = post(`${service.url}/v1/generate`, { prompt: 'x', regex: '[a-f]+' });
    await new Promise((r) => setTimeout(r, 60));
    expect(service.load.inFlight).toBe(1);
    const closed = service.close();
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(finished.json.text).toBe('abcdef');
    await closed;
    await expect(fetch(`${service.url}/v1/health`)).rejects.toThrow();
  });

  it('aborts what is still running after the grace period, with 503', async () => {
    const service = await FormworkService.start({ model: slowModel([{ text: 'abcdefghijklmnop', weight: 1 }], 50), port: 0 });
    const inFlight = post(`${service.url}/v1/generate`, { prompt: 'x', regex: '[a-p]+' });
    await new Promise((r) => setTimeout(r, 80));
    await service.close({ graceMs: 50 });
    const answer = await inFlight;
    expect(answer.status).toBe(503);
    expect(answer.json.error).toMatchObject({ code: 'SHUTTING_DOWN' });
  });

  it('answers an unexpected failure with 500 and keeps serving', async () => {
    const { model } = answerModel([{ text: 'ab', weight: 1 }]);
    let calls = 0;
    const failing: Decoder = Object.assign(Object.create(Object.getPrototypeOf(model.decoder)) as Decoder, model.decoder, {
      prefill: (ids: readonly number[], options?: DecodeOptions) => {
        if (calls++ === 0) throw new TypeError('boom');
        return model.decoder.prefill(ids, options);
      },
    });
    const lines: string[] = [];
    const service = await FormworkService.start({
      model: Model.fromParts({ decoder: failing, vocabulary: model.vocabulary, chatTemplate: model.chatTemplate }),
      port: 0,
      log: (line) => lines.push(line),
    });
    try {
      const first = await post(`${service.url}/v1/generate`, { prompt: 'x', regex: '[ab]+' });
      expect(first.status).toBe(500);
      expect(first.json.error).toEqual({ code: 'INTERNAL', message: 'internal error (see the service log)' });
      expect(lines.some((l) => l.includes('TypeError: boom'))).toBe(true);
      expect((await post(`${service.url}/v1/generate`, { prompt: 'x', regex: '[ab]+' })).json.text).toBe('ab');
    } finally {
      await service.close();
    }
  });
});
