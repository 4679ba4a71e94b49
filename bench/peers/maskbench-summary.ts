import { roundDistribution, summarize, type Distribution } from '../report/percentile.js';
import type { PeerSchemaResult } from './peer-protocol.js';

/**
 * MaskBench figures of one engine, in the shape formwork's own harness prints (the peer's appears under
 * "peer" next to ours). Schema outcomes are exclusive, as in MaskBench's tables: every schema is exactly
 * one of passing, invalidAccepted, validRejected, compileErrors, timeouts, crashes.
 */
export interface MaskbenchSummary {
  schemas: number;
  /** Compiled, every valid instance accepted and every invalid one rejected (no instances: compiled). */
  passing: number;
  /** Schemas where at least one invalid instance was accepted (MaskBench's "invalidation error"). */
  invalidAccepted: number;
  /** Schemas where no invalid instance was accepted but a valid one was rejected ("validation error"). */
  validRejected: number;
  compileErrors: number;
  timeouts: number;
  crashes: number;
  /** Instance-level counts behind the schema-level ones. */
  instances: { valid: number; invalid: number; validRejected: number; invalidAccepted: number };
  /** Tokens in all instances (forcing an instance stops at its first token outside the mask). */
  tokens: number;
  compileMs: Distribution;
  /** Worker CPU time while compiling (robust to a busy machine); absent when the engine did not report it. */
  compileCpuMs?: Distribution;
  /** Time to first mask (compile + matcher + first mask). */
  ttfmMs: Distribution;
  maskUs: Distribution;
  /** Per-token advance time, when the engine reports it separately from the mask. */
  advanceUs?: Distribution;
  /** The most common compile-error / crash messages (normalised), with counts. */
  errorKinds: Record<string, number>;
}

export type SchemaOutcome = 'passing' | 'invalidAccepted' | 'validRejected' | 'compileError' | 'timeout' | 'crash';

/** The exclusive outcome of one schema; accepting an invalid instance outranks rejecting a valid one. */
export function schemaOutcome(result: PeerSchemaResult): SchemaOutcome {
  if (result.status === 'compileError') return 'compileError';
  if (result.status === 'timeout') return 'timeout';
  if (result.status === 'crash') return 'crash';
  if (result.instances.some((instance) => !instance.valid && instance.accepted)) return 'invalidAccepted';
  if (result.instances.some((instance) => instance.valid && !instance.accepted)) return 'validRejected';
  return 'passing';
}

/** A JSON path as transformers-so prints it: `$.properties["a b"].items[0].pattern`. */
const JSON_PATH = /\$(?:\.[A-Za-z_$][\w$-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*/g;

/**
 * Groups engine messages that differ only in JSON paths, quoted values and numbers, so the report can
 * say what an engine refuses ("pattern cannot be enforced incrementally": 123 schemas). Short quoted
 * identifiers (a keyword or format name: `keyword "example"`, `format "uri"`) are kept: they are the
 * point of the message.
 */
export function errorKind(message: string): string {
  return message
    .split('\n')[0]
    .replace(JSON_PATH, (path) => `…${/\.([A-Za-z_$][\w$-]*)$/.exec(path)?.[1] ?? ''}`)
    .replace(/"[^"]*"/g, (quoted) => (/^"[\w$-]{1,40}"$/.test(quoted) ? quoted : '"…"'))
    .replace(/\d+/g, 'N')
    .trim()
    .slice(0, 140);
}

const ERROR_KINDS_KEPT = 15;

export function summarizeSchemaResults(results: readonly PeerSchemaResult[]): MaskbenchSummary {
  const counts: Record<SchemaOutcome, number> = {
    passing: 0,
    invalidAccepted: 0,
    validRejected: 0,
    compileError: 0,
    timeout: 0,
    crash: 0,
  };
  const instances = { valid: 0, invalid: 0, validRejected: 0, invalidAccepted: 0 };
  let tokens = 0;
  let maskCount = 0;
  let advanceCount = 0;
  const compile: number[] = [];
  const compileCpu: number[] = [];
  const ttfm: number[] = [];
  const kinds = new Map<string, number>();
  for (const result of results) {
    counts[schemaOutcome(result)]++;
    maskCount += result.maskUs.length;
    advanceCount += result.advanceUs?.length ?? 0;
    if (result.status === 'ok') {
      if (result.compileMs !== undefined) compile.push(result.compileMs);
      if (result.compileCpuMs !== undefined) compileCpu.push(result.compileCpuMs);
      if (result.ttfmMs !== undefined) ttfm.push(result.ttfmMs);
    } else if (result.error !== undefined) {
      const kind = `${result.status}: ${errorKind(result.error)}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    for (const instance of result.instances) {
      if (instance.valid) instances.valid++;
      else instances.invalid++;
      if (instance.valid && !instance.accepted) instances.validRejected++;
      if (!instance.valid && instance.accepted) instances.invalidAccepted++;
      tokens += instance.tokens;
    }
  }
  // Flat typed arrays: a full MaskBench run has millions of mask times.
  const masks = new Float64Array(maskCount);
  const advances = new Float64Array(advanceCount);
  let maskAt = 0;
  let advanceAt = 0;
  for (const result of results) {
    masks.set(result.maskUs, maskAt);
    maskAt += result.maskUs.length;
    if (result.advanceUs !== undefined) {
      advances.set(result.advanceUs, advanceAt);
      advanceAt += result.advanceUs.length;
    }
  }
  const errorKinds = Object.fromEntries([...kinds].sort((a, b) => b[1] - a[1]).slice(0, ERROR_KINDS_KEPT));
  return {
    schemas: results.length,
    passing: counts.passing,
    invalidAccepted: counts.invalidAccepted,
    validRejected: counts.validRejected,
    compileErrors: counts.compileError,
    timeouts: counts.timeout,
    crashes: counts.crash,
    instances,
    tokens,
    compileMs: summarize(compile),
    ...(compileCpu.length > 0 ? { compileCpuMs: summarize(compileCpu) } : {}),
    ttfmMs: summarize(ttfm),
    maskUs: summarize(masks),
    ...(advanceCount > 0 ? { advanceUs: summarize(advances) } : {}),
    errorKinds,
  };
}

/** The summary with distributions rounded for printing (ms to 0.001, us to 0.1). */
export function roundSummary(summary: MaskbenchSummary): MaskbenchSummary {
  return {
    ...summary,
    compileMs: roundDistribution(summary.compileMs, 3),
    ...(summary.compileCpuMs !== undefined ? { compileCpuMs: roundDistribution(summary.compileCpuMs, 3) } : {}),
    ttfmMs: roundDistribution(summary.ttfmMs, 3),
    maskUs: roundDistribution(summary.maskUs, 1),
    ...(summary.advanceUs !== undefined ? { advanceUs: roundDistribution(summary.advanceUs, 1) } : {}),
  };
}
