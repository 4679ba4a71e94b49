/**
 * Entry point of a peer worker process (started by PeerProcess with an IPC channel). It loads one engine,
 * then answers schema messages one at a time. Anything that goes wrong inside the engine is reported as
 * that schema's result; the parent's watchdog covers hangs and hard crashes.
 */
import { pathToFileURL } from 'node:url';

import type { CreatePeerEngine, ParentMessage, PeerEngine, PeerEngineName, PeerInit, WorkerMessage } from './peer-protocol.js';

const ENGINES: Record<PeerEngineName, () => Promise<{ createPeerEngine: CreatePeerEngine }>> = {
  formwork: () => import('./formwork-engine.js'),
  xgrammar: () => import('./xgrammar-engine.js'),
  'transformers-so': () => import('./transformers-so-engine.js'),
};

if (process.send === undefined) {
  console.error('peer-worker must be started by PeerProcess (it talks over an IPC channel)');
  process.exit(2);
}

function send(message: WorkerMessage): void {
  process.send!(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

async function loadEngine(init: PeerInit): Promise<PeerEngine> {
  const module =
    init.engineModule !== undefined
      ? ((await import(pathToFileURL(init.engineModule).href)) as { createPeerEngine: CreatePeerEngine })
      : await ENGINES[init.engine]?.();
  if (module === undefined) throw new Error(`unknown peer engine "${init.engine}" (known: ${Object.keys(ENGINES).join(', ')})`);
  return module.createPeerEngine(init);
}

let engine: PeerEngine | undefined;

async function handle(message: ParentMessage): Promise<void> {
  if (message.type === 'init') {
    const started = performance.now();
    try {
      engine = await loadEngine(message.init);
      send({ type: 'ready', info: { ...engine.info, initMs: performance.now() - started } });
    } catch (error) {
      send({ type: 'initError', message: describe(error) });
    }
    return;
  }
  const { schema } = message;
  if (engine === undefined) {
    send({
      type: 'result',
      result: { id: schema.id, status: 'crash', error: 'the worker received a schema before init', maskUs: [], instances: [] },
      restart: true,
    });
    return;
  }
  try {
    const { result, restart } = await engine.run(schema);
    send({ type: 'result', result, restart });
  } catch (error) {
    send({ type: 'result', result: { id: schema.id, status: 'crash', error: describe(error), maskUs: [], instances: [] }, restart: true });
  }
}

// Messages are handled strictly in order, even though handling is asynchronous.
let queue: Promise<void> = Promise.resolve();
process.on('message', (message: ParentMessage) => {
  queue = queue.then(() => handle(message));
});
// The parent went away (finished, or was killed): never linger as an orphan holding a CPU.
process.on('disconnect', () => process.exit(0));
