import { InputError } from '../../src/errors.js';
import type { PeerVocabulary } from './peer-tokenizer.js';

/**
 * What travels between the benchmark (parent) and a peer engine's worker process. Peers run in a child
 * process because XGrammar's WASM module aborts on some schemas (and is unusable afterwards) and its
 * objects must be freed by hand: a crash or hang must cost one schema, never the run.
 */

/** One instance to force through the engine: its token ids and whether the schema accepts it. */
export interface PeerInstance {
  tokens: number[];
  valid: boolean;
}

/** One schema with its instances; `schema` is JSON text, given to the engine exactly as written. */
export interface PeerSchema {
  id: string;
  schema: string;
  instances: PeerInstance[];
}

/**
 * How a schema ended: `compileError` = the engine refused or aborted while compiling; `timeout` = the
 * watchdog killed the worker; `crash` = the worker died or the engine failed while forcing instances.
 */
export type PeerSchemaStatus = 'ok' | 'compileError' | 'timeout' | 'crash';

export interface PeerInstanceResult {
  valid: boolean;
  /** Every token was in the engine's mask and, after the last one, the mask allowed EOS. */
  accepted: boolean;
  /**
   * Index of the first token the mask excluded; `tokens` (= length) when all tokens passed but EOS was
   * not allowed; -1 when accepted.
   */
  rejectedAt: number;
  tokens: number;
}

export interface PeerSchemaResult {
  id: string;
  status: PeerSchemaStatus;
  /** The engine's message for compileError/crash, the watchdog's for timeout. */
  error?: string;
  /** Grammar compilation (schema text -> compiled grammar), ms. */
  compileMs?: number;
  /**
   * CPU time of the worker during compilation, ms: unlike wall time it does not grow when a shared
   * machine makes the worker wait for a core (long XGrammar compilations are the case in point).
   */
  compileCpuMs?: number;
  /** Time to first mask: compilation + matcher creation + the first mask, ms. */
  ttfmMs?: number;
  /** Every mask computed while forcing, in microseconds (the first mask is in ttfmMs, not here). */
  maskUs: number[];
  /** Time to advance the engine by one token, in microseconds (absent when the engine fuses it into the mask call). */
  advanceUs?: number[];
  instances: PeerInstanceResult[];
  /** Engine inconsistencies seen while forcing (e.g. a token in the mask that the engine then refused). */
  warnings?: string[];
}

/**
 * Engines built in (formwork itself runs through the same worker, so ours and a peer's figures come from
 * one harness); a test may name a module path instead (see PeerInit.engineModule).
 */
export type PeerEngineName = 'formwork' | 'xgrammar' | 'transformers-so';

/**
 * Checks a `--peer NAME` command-line value against the engines a benchmark can run (the formwork
 * front-ends leave out 'formwork', which they run anyway); `where` prefixes the error message.
 */
export function parsePeerEngineName<Name extends PeerEngineName>(value: string | undefined, allowed: readonly Name[], where?: string): Name {
  const name = allowed.find((engine) => engine === value);
  if (name === undefined) throw new InputError(`unknown --peer ${value} (${allowed.join(' | ')})`, { where });
  return name;
}

export interface PeerInit {
  engine: PeerEngineName;
  /** A tokenizer directory (tokenizer.json + tokenizer_config.json), or a vocabulary given inline. */
  tokenizerDir?: string;
  vocabulary?: PeerVocabulary;
  /** Engine-specific options (e.g. XGrammar's strict mode), recorded with the results. */
  options?: Record<string, unknown>;
  /** Absolute path of a module exporting `createPeerEngine` to use instead of the built-in engine (tests). */
  engineModule?: string;
}

/** Who answered: the engine, its version and the options it actually ran with. */
export interface PeerEngineInfo {
  name: string;
  version: string;
  /** One line for reports, e.g. "web-xgrammar 0.1.27 (JSON-Schema-compliant mode, any whitespace)". */
  label: string;
  options: Record<string, unknown>;
  /** Wall time the worker spent loading the engine and tokenizer, ms. */
  initMs: number;
}

export type ParentMessage = { type: 'init'; init: PeerInit } | { type: 'schema'; schema: PeerSchema };

export type WorkerMessage =
  | { type: 'ready'; info: PeerEngineInfo }
  | { type: 'initError'; message: string }
  /** `restart`: the engine is unusable after this schema (a WASM abort); the parent replaces the worker. */
  | { type: 'result'; result: PeerSchemaResult; restart: boolean };

/** The contract every engine module implements inside the worker. */
export interface PeerEngine {
  readonly info: Omit<PeerEngineInfo, 'initMs'>;
  run(schema: PeerSchema): Promise<{ result: PeerSchemaResult; restart: boolean }>;
}

export type CreatePeerEngine = (init: PeerInit) => Promise<PeerEngine>;

/** A bit of a mask of 32-bit words (XGrammar's Int32Array, transformers-so's Uint32Array). */
export function maskAllows(mask: Int32Array | Uint32Array, tokenId: number): boolean {
  return ((mask[tokenId >>> 5] >>> (tokenId & 31)) & 1) === 1;
}

/** Microseconds with 0.01 us resolution: below timer noise, and journals stay small. */
export function toMicroseconds(milliseconds: number): number {
  return Math.round(milliseconds * 100_000) / 100;
}
