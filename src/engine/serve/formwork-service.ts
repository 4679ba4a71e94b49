import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbortError, InputError } from '../../errors.js';
import { executeGeneration } from '../generate/generate.js';
import type { Model } from '../generate/model.js';
import { sql } from '../sql/sql.js';
import type { DatabaseRegistry } from './database-registry.js';
import { errorResponse, HttpError } from './http-error.js';
import { readJsonBody } from './read-json-body.js';
import { parseGenerateRequest, parseSqlRequest, type RequestLimits } from './service-requests.js';

export interface ServiceOptions {
  /** The model every request uses (the caller loads it and disposes it after close()). */
  readonly model: Model;
  /** Databases for /v1/sql (none: /v1/sql answers 404 for every name). */
  readonly databases?: DatabaseRegistry;
  /** Interface to listen on (default 127.0.0.1: loopback only). */
  readonly host?: string;
  /** Port (default 8080; 0 picks a free one, see `url`). */
  readonly port?: number;
  /** Largest request body in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Time limit of one request in milliseconds, queueing included (default 60000); past it: 504. */
  readonly timeoutMs?: number;
  /** Requests generating at the same time (default 4); they share the decoder, token by token. */
  readonly concurrency?: number;
  /** Requests waiting for a slot at most (default 64); more are answered 503 at once. */
  readonly maxQueue?: number;
  /** Per-request caps (default maxTokens 2048, maxParticles 64). */
  readonly limits?: Partial<RequestLimits>;
  /** One line per request and per unexpected error (default: none). */
  readonly log?: (line: string) => void;
}

/**
 * formwork over HTTP (node:http, JSON in and out):
 *
 *   POST /v1/sql       { database, question, ... } -> { sql, columns, rows, ... }   (or { database, sql }: run a query)
 *   POST /v1/generate  { prompt | messages, schema | grammar | regex, ... } -> { value?, text, finishReason, usage }
 *   GET  /v1/health    -> { status, model, databases, inFlight, queued }
 *
 * Limits: body size (413), request time (504), concurrent work (a bounded queue, then 503), and the
 * caps of RequestLimits (400). Bad input is a 4xx with a message naming the field; nothing a client
 * sends can crash the process (every handler's failure becomes a response, unexpected ones a 500).
 * `close()` shuts down gracefully: stop accepting, let requests in flight finish (up to a grace
 * period, then abort them with 503), close the databases.
 *
 * SQL queries run synchronously in a worker with a time limit (engine/sql), so one check holds this
 * thread for at most that limit.
 */
export class FormworkService {
  private readonly server: Server;
  private readonly maxBodyBytes: number;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly limits: RequestLimits;
  private readonly log: (line: string) => void;
  private readonly inFlightControllers = new Set<AbortController>();
  private readonly waiting: (() => void)[] = [];
  private active = 0;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  private address: AddressInfo | undefined;

  private constructor(private readonly options: ServiceOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.concurrency = options.concurrency ?? 4;
    this.maxQueue = options.maxQueue ?? 64;
    this.limits = { maxTokens: options.limits?.maxTokens ?? 2048, maxParticles: options.limits?.maxParticles ?? 64 };
    this.log = options.log ?? (() => undefined);
    for (const [name, value, min] of [
      ['maxBodyBytes', this.maxBodyBytes, 1],
      ['timeoutMs', this.timeoutMs, 1],
      ['concurrency', this.concurrency, 1],
      ['maxQueue', this.maxQueue, 0],
    ] as const) {
      if (!(Number.isInteger(value) && value >= min)) throw new InputError(`${name} must be an integer >= ${min}, got ${value}`, { where: 'FormworkService' });
    }
    this.server = createServer((request, response) => void this.handle(request, response));
    // Slow clients: the whole request must arrive within the time limit, its headers within 10 s.
    this.server.requestTimeout = this.timeoutMs + 5000;
    this.server.headersTimeout = Math.min(10_000, this.server.requestTimeout);
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: ServiceOptions): Promise<FormworkService> {
    const service = new FormworkService(options);
    await new Promise<void>((resolve, reject) => {
      service.server.once('error', reject);
      service.server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
        service.server.off('error', reject);
        resolve();
      });
    });
    service.address = service.server.address() as AddressInfo;
    return service;
  }

  /** The base URL, e.g. http://127.0.0.1:8080. */
  get url(): string {
    const { address, port, family } = this.address!;
    return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  }

  /** Requests being worked on, and waiting for a slot. */
  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlightControllers.size, queued: this.waiting.length };
  }

  /**
   * Graceful shutdown: no new connections or requests (503), requests in flight finish; after
   * `graceMs` (default: the request time limit) those still running are aborted. Resolves when every
   * connection is closed and the databases too. Idempotent.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.graceMs ?? this.timeoutMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inFlightControllers.size > 0) {
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([drained, grace]);
      clearTimeout(timer);
      for (const controller of this.inFlightControllers) controller.abort(new ShutdownSignal());
      if (this.inFlightControllers.size > 0) await drained;
    }
    this.server.closeAllConnections();
    await closed;
    await this.options.databases?.close();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const controller = new AbortController();
    let status = 500;
    this.inFlightControllers.add(controller);
    const timer = setTimeout(() => controller.abort(new TimeLimitSignal(this.timeoutMs)), this.timeoutMs);
    // A client that hangs up no longer needs its answer: stop generating for it.
    response.once('close', () => {
      if (!response.writableFinished) controller.abort(new Error('the client closed the connection'));
    });
    try {
      if (this.closing) throw new HttpError(503, 'SHUTTING_DOWN', 'the service is shutting down', { Connection: 'close' });
      const body = await this.route(request, controller.signal);
      status = 200;
      this.send(response, 200, body);
    } catch (error) {
      const reason = controller.signal.reason;
      const failure =
        controller.signal.aborted && reason instanceof TimeLimitSignal
          ? new HttpError(504, 'TIMEOUT', `the request took longer than the service's limit of ${this.timeoutMs} ms`)
          : controller.signal.aborted && reason instanceof ShutdownSignal
            ? new HttpError(503, 'SHUTTING_DOWN', 'the service shut down before the request finished', { Connection: 'close' })
            : error;
      const answer = errorResponse(failure);
      status = answer.status;
      if (answer.status === 500) this.log(`error: ${request.method} ${request.url}: ${(error as Error)?.stack ?? String(error)}`);
      // A body that was refused unread must not be taken for the next request on this connection.
      const headers = answer.status === 413 || answer.status === 415 ? { ...answer.headers, Connection: 'close' } : answer.headers;
      this.send(response, answer.status, answer.body, headers);
    } finally {
      clearTimeout(timer);
      this.inFlightControllers.delete(controller);
      if (this.inFlightControllers.size === 0) this.drained?.();
      this.log(`${request.method} ${request.url} ${status} ${(performance.now() - started).toFixed(1)} ms`);
    }
  }

  private async route(request: IncomingMessage, signal: AbortSignal): Promise<unknown> {
    const path = (request.url ?? '/').split('?')[0];
    const endpoints: Record<string, { method: string; run: () => Promise<unknown> }> = {
      '/v1/health': { method: 'GET', run: async () => this.health() },
      '/v1/sql': { method: 'POST', run: async () => this.answerSql(await readJsonBody(request, this.maxBodyBytes), signal) },
      '/v1/generate': { method: 'POST', run: async () => this.answerGenerate(await readJsonBody(request, this.maxBodyBytes), signal) },
    };
    const endpoint = Object.hasOwn(endpoints, path) ? endpoints[path] : undefined;
    if (endpoint === undefined) throw new HttpError(404, 'NOT_FOUND', `no endpoint ${path} (endpoints: ${Object.keys(endpoints).join(', ')})`);
    if (request.method !== endpoint.method) {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${path} takes ${endpoint.method}, not ${request.method}`, { Allow: endpoint.method });
    }
    return endpoint.run();
  }

  private health(): unknown {
    return { status: 'ok', model: this.options.model.name, databases: this.options.databases?.names() ?? [], ...this.load };
  }

  private async answerSql(body: unknown, signal: AbortSignal): Promise<unknown> {
    const parsed = parseSqlRequest(body, this.limits);
    const databases = this.options.databases;
    if (databases === undefined) throw new HttpError(404, 'UNKNOWN_DATABASE', 'this service has no databases (start it with --db or --db-dir)');
    if (parsed.kind === 'query') {
      // Running a given query needs no model: it does not wait for a generation slot (its own time
      // limit bounds it).
      return databases.use(parsed.database, async (database) => {
        const result = database.query(parsed.sql, { maxRows: parsed.maxRows ?? 100 });
        return { sql: parsed.sql, columns: result.columns, rows: result.rows, truncated: result.truncated };
      });
    }
    const { kind: _kind, database: name, ...options } = parsed;
    return this.withSlot(signal, () =>
      databases.use(name, async (database) => {
        const { tokens: _tokens, ...answer } = await sql({ ...options, model: this.options.model, database, signal });
        return answer;
      }),
    );
  }

  private async answerGenerate(body: unknown, signal: AbortSignal): Promise<unknown> {
    const parsed = parseGenerateRequest(body, this.limits);
    const result = await this.withSlot(signal, () => executeGeneration({ ...parsed, model: this.options.model, signal }));
    return {
      ...(parsed.schema !== undefined ? { value: result.value } : {}),
      text: result.text,
      finishReason: result.finishReason,
      usage: result.usage,
      ...(result.posterior !== undefined ? { posterior: result.posterior } : {}),
    };
  }

  /**
   * Runs `work` once one of `concurrency` slots is free; 503 when the queue is full. A finishing
   * request hands its slot straight to the first in the queue, so the count never overshoots.
   */
  private async withSlot<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    if (this.active < this.concurrency) {
      this.active++;
    } else {
      if (signal.aborted) throw new AbortError('aborted before the request could start', { cause: signal.reason });
      if (this.waiting.length >= this.maxQueue) {
        throw new HttpError(503, 'BUSY', `the service is busy (${this.active} running, ${this.waiting.length} waiting); retry later`, { 'Retry-After': '1' });
      }
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const at = this.waiting.indexOf(wake);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(new AbortError('aborted while waiting for a slot', { cause: signal.reason }));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(wake);
      });
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }

  private send(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
    if (response.headersSent || response.destroyed) return;
    const text = JSON.stringify(body, jsonValue);
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
    response.end(text);
  }
}

/** Why a request was aborted: its time limit, or the service shutting down. */
class TimeLimitSignal extends Error {
  constructor(ms: number) {
    super(`time limit of ${ms} ms`);
  }
}

class ShutdownSignal extends Error {
  constructor() {
    super('service shutdown');
  }
}

/** JSON for what JSON lacks: blobs as { base64 }, non-finite numbers (log weights) as null. */
function jsonValue(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
