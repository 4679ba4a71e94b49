/**
 * Load test of `formwork serve` on loopback: N concurrent clients send a fixed number of requests
 * (a mix of /v1/generate and /v1/sql) to a service started in this process, and the latency per
 * kind of request, the statuses and the throughput are reported.
 *
 *   npx tsx bench/serve.ts --clients 8 --requests 200 --spider ../shared/data/spider --json
 *
 * The mix, by request number modulo 10: 0-3 generate under a regex (maxTokens 16), 4-5 generate under
 * a small JSON Schema (maxTokens 48), 6-8 run a Spider gold query read-only (/v1/sql with `sql`), 9
 * answer a Spider question (/v1/sql with `question`, maxTokens 32: with a model that cannot finish a
 * query in 32 tokens this is a 422 with the partial query, an expected answer). Without --spider, a
 * small built-in database stands in for Spider.
 *
 * Options: --clients N (default 8), --requests N (default 200), --model DIR (default: the default
 * model), --concurrency N (service slots, default 4), --queue N (default 64), --json.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Model } from '../src/engine/generate/model.js';
import { DatabaseRegistry } from '../src/engine/serve/database-registry.js';
import { FormworkService } from '../src/engine/serve/formwork-service.js';

interface Request {
  readonly kind: 'generate-regex' | 'generate-schema' | 'sql-query' | 'sql-question';
  readonly path: string;
  readonly body: unknown;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      clients: { type: 'string' },
      requests: { type: 'string' },
      model: { type: 'string' },
      spider: { type: 'string' },
      concurrency: { type: 'string' },
      queue: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const clients = Number(values.clients ?? 8);
  const total = Number(values.requests ?? 200);
  const spider = values.spider === undefined ? undefined : resolve(values.spider);
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const gold: { db: string; query: string; question: string }[] = spider
    ? (JSON.parse(readFileSync(join(spider, 'dev.json'), 'utf8')) as { db_id: string; query: string; question: string }[]).map((e) => ({
        db: e.db_id,
        query: e.query,
        question: e.question,
      }))
    : [{ db: 'music', query: 'SELECT count(*) FROM singer', question: 'How many singers are there?' }];
  const databases = spider
    ? new DatabaseRegistry({ dirs: [join(spider, 'database')] }, { timeoutMs: 1000 })
    : new DatabaseRegistry({ files: [await builtInDatabase()] }, { timeoutMs: 1000 });

  const model = await Model.load(values.model === undefined ? undefined : resolve(values.model));
  const service = await FormworkService.start({
    model,
    databases,
    port: 0,
    concurrency: Number(values.concurrency ?? 4),
    maxQueue: Number(values.queue ?? 64),
  });
  const requests: Request[] = Array.from({ length: total }, (_, i) => {
    const slot = i % 10;
    const example = gold[(i * 7) % gold.length];
    if (slot < 4) return { kind: 'generate-regex', path: '/v1/generate', body: { prompt: `Name ${i}:`, regex: '[a-z]{1,12}', maxTokens: 16, seed: i } };
    if (slot < 6) {
      const schema = { type: 'object', properties: { id: { type: 'integer' }, ok: { type: 'boolean' } }, required: ['id', 'ok'], additionalProperties: false };
      return { kind: 'generate-schema', path: '/v1/generate', body: { prompt: `Record ${i}`, schema, maxTokens: 48, seed: i } };
    }
    if (slot < 9) return { kind: 'sql-query', path: '/v1/sql', body: { database: example.db, sql: example.query, maxRows: 50 } };
    return { kind: 'sql-question', path: '/v1/sql', body: { database: example.db, question: example.question, maxTokens: 32, seed: i } };
  });

  const latencies = new Map<string, number[]>();
  const statuses = new Map<string, number>();
  let next = 0;
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests.length) {
        const request = requests[next++];
        const t = performance.now();
        let status: string;
        try {
          const response = await fetch(`${service.url}${request.path}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(request.body),
          });
          await response.arrayBuffer();
          status = String(response.status);
        } catch (error) {
          status = `network error: ${(error as Error).message}`;
        }
        const ms = performance.now() - t;
        if (!latencies.has(request.kind)) latencies.set(request.kind, []);
        latencies.get(request.kind)!.push(ms);
        const key = `${request.kind} ${status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const rssAfter = process.memoryUsage().rss;
  const closeStarted = performance.now();
  await service.close();
  const closeMs = performance.now() - closeStarted;
  await model.dispose();

  const byKind = Object.fromEntries(
    [...latencies].map(([kind, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return [kind, { requests: ms.length, p50: round(percentile(sorted, 0.5)), p95: round(percentile(sorted, 0.95)), p99: round(percentile(sorted, 0.99)), max: round(sorted[sorted.length - 1]) }];
    }),
  );
  const serverErrors = [...statuses].filter(([key]) => / 5\d\d$| network error/.test(key)).reduce((n, [, c]) => n + c, 0);
  const report = {
    model: model.name,
    clients,
    requests: total,
    concurrency: Number(values.concurrency ?? 4),
    seconds: round(seconds, 2),
    requestsPerSecond: round(total / seconds, 2),
    latencyMs: byKind,
    statuses: Object.fromEntries([...statuses].sort()),
    serverErrors,
    rssMiB: { before: round(rssBefore / 2 ** 20), after: round(rssAfter / 2 ** 20) },
    shutdownMs: round(closeMs),
    command: `npx tsx bench/serve.ts ${process.argv.slice(2).join(' ')}`,
  };
  log(`${total} requests from ${clients} clients in ${seconds.toFixed(1)} s, ${serverErrors} server errors`);
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${JSON.stringify(report, null, 2)}\n`);
}

/** Without Spider: a two-table database written to a temporary file. */
async function builtInDatabase(): Promise<string> {
  const { createRequire } = await import('node:module');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const init = createRequire(import.meta.url)('sql.js') as (c: object) => Promise<{ Database: new () => { run(s: string): void; export(): Uint8Array } }>;
  const db = new (await init({})).Database();
  db.run("CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT, age INTEGER); INSERT INTO singer VALUES (1, 'Ada', 52), (2, 'Bo', 31)");
  const path = join(mkdtempSync(join(tmpdir(), 'formwork-serve-bench-')), 'music.sqlite');
  writeFileSync(path, db.export());
  return path;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/serve: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
