import { throwIfAborted } from '../../src/errors.js';
import { summarizeSchemaResults, type MaskbenchSummary } from './maskbench-summary.js';
import { PeerProcess } from './peer-process.js';
import type { PeerEngineInfo, PeerEngineName, PeerSchema, PeerSchemaResult } from './peer-protocol.js';
import type { PeerVocabulary } from './peer-tokenizer.js';
import type { XGrammarPeerOptions } from './xgrammar-engine.js';

export interface PeerProgress {
  /** Schemas finished so far in this call. */
  done: number;
  total: number;
  result: PeerSchemaResult;
}

export interface RunPeerOptions {
  engine: PeerEngineName;
  /** Tokenizer directory the engine builds its vocabulary from (tokenizer.json + tokenizer_config.json). */
  tokenizerDir?: string;
  /** Or the vocabulary itself (tiny test vocabularies). */
  vocabulary?: PeerVocabulary;
  /** Schemas with their instances already tokenized (the same ids every engine is forced through). */
  schemas: Iterable<PeerSchema>;
  /** Per-schema wall-clock limit (default 60 s); past it the worker is killed and the schema is a timeout. */
  timeoutMs?: number;
  /** Engine options (XGrammar: strictMode, anyWhitespace, maxWhitespaceCnt). */
  options?: Record<string, unknown>;
  /** Called once the engine has loaded, before the first schema (what ran, for journal headers). */
  onStart?: (engine: PeerEngineInfo) => void;
  /** Called after every schema: progress bars and result journals hook in here. */
  onProgress?: (progress: PeerProgress) => void;
  signal?: AbortSignal;
  /** Tests: a different worker script or engine module. */
  workerPath?: string;
  engineModule?: string;
}

export interface PeerRun {
  engine: PeerEngineInfo;
  results: PeerSchemaResult[];
  summary: MaskbenchSummary;
  /** Workers replaced after a timeout, crash or WASM abort. */
  restarts: number;
}

/** Runs a peer engine over schemas in a watched child process and summarises the results. */
export async function runPeer(options: RunPeerOptions): Promise<PeerRun> {
  const schemas = [...options.schemas];
  const peer = new PeerProcess({
    init: {
      engine: options.engine,
      tokenizerDir: options.tokenizerDir,
      vocabulary: options.vocabulary,
      options: options.options,
      engineModule: options.engineModule,
    },
    timeoutMs: options.timeoutMs ?? 60_000,
    workerPath: options.workerPath,
  });
  const results: PeerSchemaResult[] = [];
  try {
    const engine = await peer.start();
    options.onStart?.(engine);
    for (const schema of schemas) {
      throwIfAborted(options.signal);
      const result = await peer.run(schema);
      results.push(result);
      options.onProgress?.({ done: results.length, total: schemas.length, result });
    }
    return { engine: peer.info ?? engine, results, summary: summarizeSchemaResults(results), restarts: peer.restarts };
  } finally {
    await peer.close();
  }
}

/**
 * XGrammar (web-xgrammar, WASM) on MaskBench-style input: per schema compile time, time to first mask,
 * per-token mask time and accept/reject of every instance. Defaults to JSON-Schema-compliant mode with
 * any whitespace (see XGrammarPeerOptions for why).
 */
export function runXGrammarPeer(
  options: Omit<RunPeerOptions, 'engine' | 'options'> & { xgrammar?: Partial<XGrammarPeerOptions> },
): Promise<PeerRun> {
  return runPeer({ ...options, engine: 'xgrammar', options: options.xgrammar });
}

/** @huggingface/transformers-structured-output timed through its logits processor on the same instances. */
export function runTransformersSoPeer(options: Omit<RunPeerOptions, 'engine' | 'options'>): Promise<PeerRun> {
  return runPeer({ ...options, engine: 'transformers-so' });
}
