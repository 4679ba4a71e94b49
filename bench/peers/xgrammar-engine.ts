import { InputError } from '../../src/errors.js';
import { installedVersion } from '../report/machine-info.js';
import {
  maskAllows,
  toMicroseconds,
  type CreatePeerEngine,
  type PeerEngine,
  type PeerInstanceResult,
  type PeerSchema,
  type PeerSchemaResult,
} from './peer-protocol.js';
import { readPeerVocabulary } from './peer-tokenizer.js';
import { loadWebXGrammar } from './xgrammar-module.js';

/**
 * XGrammar (WASM build) as a MaskBench peer; runs inside the peer worker process.
 *
 * Options and why they are the defaults:
 * - `strictMode: false`: JSON-Schema-compliant mode. XGrammar's default strict mode treats every object
 *   as `additionalProperties: false` and every array as `items: false` beyond what is listed, which
 *   rejects valid instances by design; MaskBench's "XGrammar.cpp"/compliant configuration and the
 *   test-suite figures we compare with use the compliant mode, and so does formwork.
 * - `anyWhitespace: true` (with no indentation): instances were written by Python's json.dumps with
 *   ", " and ": " separators, and our engine accepts any JSON whitespace, so the peer must too.
 * - `maxWhitespaceCnt`: unbounded unless given (XGrammar's default).
 */
export interface XGrammarPeerOptions {
  strictMode: boolean;
  anyWhitespace: boolean;
  maxWhitespaceCnt?: number;
}

export const DEFAULT_XGRAMMAR_OPTIONS: XGrammarPeerOptions = { strictMode: false, anyWhitespace: true };

/** XGrammar reports refusals through emscripten's stderr as "[FATAL] path/file.cc:123: message". */
function captureFatalMessages(): { take(): string | undefined } {
  let last: string | undefined;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (text.includes('[FATAL]')) last = text.replace(/\[FATAL\]\s+\S+?:\d+:\s*/, '').trim();
    original(...args);
  };
  return {
    take() {
      const message = last;
      last = undefined;
      return message;
    },
  };
}

/** An emscripten abort: the WASM instance is in an undefined state afterwards and must be replaced. */
function isWasmAbort(error: unknown): boolean {
  // WebAssembly.RuntimeError (not typed as a value in Node's lib); emscripten's message names the abort.
  return (error instanceof Error && error.name === 'RuntimeError') || String(error).includes('Aborted(');
}

export const createPeerEngine: CreatePeerEngine = async (init) => {
  const options: XGrammarPeerOptions = { ...DEFAULT_XGRAMMAR_OPTIONS, ...(init.options as Partial<XGrammarPeerOptions>) };
  const vocabulary = init.vocabulary ?? (init.tokenizerDir !== undefined ? readPeerVocabulary(init.tokenizerDir) : undefined);
  if (vocabulary === undefined) throw new InputError('the xgrammar peer needs tokenizerDir or vocabulary', { where: 'PeerInit' });
  // Installed before the module initialises: emscripten binds console.error once, at startup.
  const fatal = captureFatalMessages();
  const xgr = loadWebXGrammar();
  const eosId = vocabulary.eosId;
  const tokenizerInfo = await xgr.TokenizerInfo.createTokenizerInfo(
    vocabulary.encodedVocab,
    vocabulary.vocabType,
    vocabulary.prependSpace,
    vocabulary.encodedVocab.length,
    [eosId],
  );
  // No cache: every schema is compiled from scratch, as in MaskBench (and memory stays bounded).
  const compiler = await xgr.GrammarCompiler.createGrammarCompiler(tokenizerInfo, false);
  const version = installedVersion('@mlc-ai/web-xgrammar') ?? 'unknown';
  const mode = options.strictMode ? 'strict mode' : 'JSON-Schema-compliant (non-strict) mode';
  const whitespace = options.anyWhitespace
    ? `any whitespace${options.maxWhitespaceCnt === undefined ? '' : ` (at most ${options.maxWhitespaceCnt})`}`
    : 'fixed separators';

  const run = async (schema: PeerSchema): Promise<{ result: PeerSchemaResult; restart: boolean }> => {
    const maskUs: number[] = [];
    const advanceUs: number[] = [];
    const instances: PeerInstanceResult[] = [];
    const warnings: string[] = [];
    fatal.take();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let compiled: Awaited<ReturnType<typeof compiler.compileJSONSchema>>;
    try {
      compiled = await compiler.compileJSONSchema(
        schema.schema,
        options.anyWhitespace,
        -1, // no indentation: one-line JSON with any whitespace between tokens
        undefined,
        options.strictMode,
        options.maxWhitespaceCnt,
      );
    } catch (error) {
      const abort = isWasmAbort(error);
      return {
        result: { id: schema.id, status: 'compileError', error: fatal.take() ?? String(error), maskUs, instances },
        restart: abort,
      };
    }
    const compileMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const compileCpuMs = (cpu.user + cpu.system) / 1000;
    let matcher: Awaited<ReturnType<typeof xgr.GrammarMatcher.createGrammarMatcher>> | undefined;
    try {
      matcher = await xgr.GrammarMatcher.createGrammarMatcher(compiled, [eosId]);
      let mask = await matcher.getNextTokenBitmask();
      const ttfmMs = performance.now() - started;
      for (let index = 0; index < schema.instances.length; index++) {
        const { tokens, valid } = schema.instances[index];
        if (index > 0) {
          matcher.reset();
          const before = performance.now();
          mask = await matcher.getNextTokenBitmask();
          maskUs.push(toMicroseconds(performance.now() - before));
        }
        let rejectedAt = -1;
        for (let position = 0; position < tokens.length; position++) {
          if (position > 0) {
            const before = performance.now();
            mask = await matcher.getNextTokenBitmask();
            maskUs.push(toMicroseconds(performance.now() - before));
          }
          const token = tokens[position];
          if (!maskAllows(mask, token)) {
            rejectedAt = position;
            break;
          }
          const before = performance.now();
          const advanced = matcher.acceptToken(token);
          advanceUs.push(toMicroseconds(performance.now() - before));
          if (!advanced) {
            warnings.push(`instance ${index}: token ${token} at ${position} was in the mask but acceptToken refused it`);
            rejectedAt = position;
            break;
          }
        }
        if (rejectedAt === -1) {
          const before = performance.now();
          mask = await matcher.getNextTokenBitmask();
          maskUs.push(toMicroseconds(performance.now() - before));
          if (!maskAllows(mask, eosId)) rejectedAt = tokens.length;
        }
        instances.push({ valid, accepted: rejectedAt === -1, rejectedAt, tokens: tokens.length });
      }
      matcher.dispose();
      compiled.dispose();
      return {
        result: {
          id: schema.id,
          status: 'ok',
          compileMs,
          compileCpuMs,
          ttfmMs,
          maskUs,
          advanceUs,
          instances,
          ...(warnings.length > 0 ? { warnings } : {}),
        },
        restart: false,
      };
    } catch (error) {
      const abort = isWasmAbort(error);
      if (!abort) {
        matcher?.dispose();
        compiled.dispose();
      }
      return {
        result: { id: schema.id, status: 'crash', error: fatal.take() ?? String(error), compileMs, maskUs, advanceUs, instances },
        restart: abort,
      };
    }
  };

  const engine: PeerEngine = {
    info: {
      name: 'xgrammar',
      version,
      label: `web-xgrammar ${version} (${mode}, ${whitespace})`,
      options: { ...options, eosId, vocabType: vocabulary.vocabType, vocabSize: vocabulary.encodedVocab.length },
    },
    run,
  };
  return engine;
};
