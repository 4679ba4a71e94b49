import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { FormworkError, LimitError } from '../../src/errors.js';
import type { ParentMessage, PeerEngineInfo, PeerInit, PeerSchema, PeerSchemaResult, WorkerMessage } from './peer-protocol.js';

export interface PeerProcessOptions {
  init: PeerInit;
  /** Wall-clock limit for one schema (compile + every instance); past it the worker is killed. */
  timeoutMs: number;
  /** Limit for starting a worker and loading the engine and tokenizer (default 180 s). */
  initTimeoutMs?: number;
  /** The worker script (default: peer-worker next to this file); tests substitute their own. */
  workerPath?: string;
}

type Outcome =
  | { kind: 'message'; message: WorkerMessage }
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'timeout' };

const STDERR_TAIL_CHARS = 2000;
const ownExtension = extname(fileURLToPath(import.meta.url));
const defaultWorkerPath = fileURLToPath(new URL(`./peer-worker${ownExtension}`, import.meta.url));
const require = createRequire(import.meta.url);

/**
 * A peer engine in a child process with a watchdog. `run` never throws for a fault of the engine: a
 * schema whose worker hangs past `timeoutMs` is recorded as a timeout (the worker is killed), one whose
 * worker dies as a crash (with the tail of its stderr), and the next schema gets a fresh worker. Only a
 * worker that cannot start at all is an error, since then no result would mean anything.
 */
export class PeerProcess {
  private child: ChildProcess | undefined;
  private stderrTail = '';
  private started = 0;
  private engineInfo: PeerEngineInfo | undefined;

  constructor(private readonly options: PeerProcessOptions) {}

  /** Workers started after the first one (each one after a timeout, crash or WASM abort). */
  get restarts(): number {
    return Math.max(0, this.started - 1);
  }

  /** What the engine reported at its last start. */
  get info(): PeerEngineInfo | undefined {
    return this.engineInfo;
  }

  /** Starts the worker and loads the engine (done lazily by `run` when needed). */
  async start(): Promise<PeerEngineInfo> {
    const workerPath = this.options.workerPath ?? defaultWorkerPath;
    // TypeScript workers (running from source) need the tsx loader; a built .js worker runs as is.
    const execArgv = extname(workerPath) === '.ts' ? ['--import', pathToFileURL(require.resolve('tsx')).href] : [];
    const child = fork(workerPath, [], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    this.child = child;
    this.started++;
    this.stderrTail = '';
    const keepTail = (chunk: Buffer): void => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    };
    child.stderr!.on('data', keepTail);
    // Engines print to stdout too (emscripten does); the parent's stdout carries the JSON result.
    child.stdout!.on('data', keepTail);
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    const outcome = await this.exchange(child, { type: 'init', init: this.options.init }, this.options.initTimeoutMs ?? 180_000);
    if (outcome.kind === 'message' && outcome.message.type === 'ready') {
      this.engineInfo = outcome.message.info;
      return outcome.message.info;
    }
    await this.kill(child);
    if (outcome.kind === 'timeout') {
      throw new LimitError(`peer worker (${this.options.init.engine}) did not start within ${this.options.initTimeoutMs ?? 180_000} ms`, {
        limit: 'initTimeoutMs',
      });
    }
    const why =
      outcome.kind === 'exit'
        ? `exited with code ${outcome.code} (signal ${outcome.signal})`
        : outcome.message.type === 'initError'
          ? outcome.message.message
          : `answered ${outcome.message.type} instead of ready`;
    throw new FormworkError('PEER_START', `peer worker (${this.options.init.engine}) failed to start: ${why}${this.tail()}`);
  }

  /** Runs one schema; the result's status says whether it finished, timed out or crashed. */
  async run(schema: PeerSchema): Promise<PeerSchemaResult> {
    if (this.child === undefined || this.child.exitCode !== null || this.child.signalCode !== null) await this.start();
    const child = this.child!;
    this.stderrTail = '';
    const outcome = await this.exchange(child, { type: 'schema', schema }, this.options.timeoutMs);
    if (outcome.kind === 'timeout') {
      await this.kill(child);
      return {
        id: schema.id,
        status: 'timeout',
        error: `no result within ${this.options.timeoutMs} ms; the worker was killed`,
        maskUs: [],
        instances: [],
      };
    }
    if (outcome.kind === 'exit') {
      return {
        id: schema.id,
        status: 'crash',
        error: `the worker died (exit code ${outcome.code}, signal ${outcome.signal})${this.tail()}`,
        maskUs: [],
        instances: [],
      };
    }
    const { message } = outcome;
    if (message.type !== 'result' || message.result.id !== schema.id) {
      await this.kill(child);
      return { id: schema.id, status: 'crash', error: `the worker answered out of turn (${message.type})`, maskUs: [], instances: [] };
    }
    if (message.restart) await this.kill(child);
    return message.result;
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    if (this.child !== undefined) await this.kill(this.child);
  }

  private tail(): string {
    const tail = this.stderrTail.trim();
    return tail === '' ? '' : `; worker output: ${tail.slice(-600)}`;
  }

  private exchange(child: ChildProcess, message: ParentMessage, timeoutMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const finish = (outcome: Outcome): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(outcome);
      };
      const onMessage = (reply: WorkerMessage): void => finish({ kind: 'message', message: reply });
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => finish({ kind: 'exit', code, signal });
      const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
      child.on('message', onMessage);
      child.on('exit', onExit);
      // A failed send means the worker is gone; its 'exit' event reports it.
      child.send(message, () => {});
    });
  }

  private async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
