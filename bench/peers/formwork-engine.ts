import { createRequire } from 'node:module';

import { InputError } from '../../src/errors.js';
import { maskHas, maskWords } from '../../src/grammar/automaton/token-automaton.js';
import { compileJsonSchema, jsonSchemaAutomaton, type JsonSchemaOptions } from '../../src/grammar/jsonschema/index.js';
import { loadVocabulary } from '../../src/grammar/vocab/load-vocabulary.js';
import { toMicroseconds, type CreatePeerEngine, type PeerEngine, type PeerInstanceResult, type PeerSchema, type PeerSchemaResult } from './peer-protocol.js';

/**
 * formwork's own JSON Schema engine behind the peer protocol, so that ours runs through exactly the
 * harness the peers run through (same worker process, watchdog, token ids, timing points and journal
 * records): the figures in one table then differ by engine only.
 *
 * Timing points match xgrammar-engine.ts: compileMs = compileJsonSchema + token automaton; ttfmMs =
 * compile + the first mask; maskUs = every later full mask (before each token, and after the last
 * token of an accepted-so-far instance to read the EOS bit); advanceUs = advance by one token. The
 * automaton (and its mask cache) is shared by the instances of one schema, as a server would.
 *
 * Options (PeerInit.options): `draft`, `remotesDir` (a JSON Schema Test Suite's folder: its remotes/
 * are served as http://localhost:1234/...), `allowEmpty` (the suite has schemas with empty languages).
 */
export interface FormworkPeerOptions {
  draft?: '2020-12' | '7';
  remotesDir?: string;
  allowEmpty?: boolean;
  /** Which clock the mask times use: 'wall' (performance.now, like the peers) or 'cpu' (process.cpuUsage). */
  clock?: 'wall' | 'cpu';
}

export const createPeerEngine: CreatePeerEngine = async (init) => {
  if (init.tokenizerDir === undefined) throw new InputError('the formwork engine needs tokenizerDir', { where: 'PeerInit' });
  const options = (init.options ?? {}) as FormworkPeerOptions;
  const vocabulary = loadVocabulary(init.tokenizerDir);
  const eos = vocabulary.eosIds[0];
  const mask = new Uint32Array(maskWords(vocabulary.size));
  const remotes = options.remotesDir === undefined ? undefined : (await import('../jsts.js')).suiteRemotes(options.remotesDir);
  const compileOptions: JsonSchemaOptions = {
    ...(options.draft !== undefined ? { draft: options.draft } : {}),
    ...(remotes !== undefined ? { remotes } : {}),
    ...(options.allowEmpty === true ? { allowEmpty: true } : {}),
  };
  const cpuClock = options.clock === 'cpu';
  /** Milliseconds on the chosen clock (CPU time has 1 us resolution). */
  const now = cpuClock
    ? () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      }
    : () => performance.now();
  const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

  const run = async (schema: PeerSchema): Promise<{ result: PeerSchemaResult; restart: boolean }> => {
    const maskUs: number[] = [];
    const advanceUs: number[] = [];
    const instances: PeerInstanceResult[] = [];
    const warnings: string[] = [];
    const cpuBefore = process.cpuUsage();
    const started = now();
    let automaton: ReturnType<typeof jsonSchemaAutomaton>;
    try {
      automaton = jsonSchemaAutomaton(compileJsonSchema(JSON.parse(schema.schema), compileOptions), vocabulary);
    } catch (error) {
      return { result: { id: schema.id, status: 'compileError', error: (error as Error).message, maskUs, instances }, restart: false };
    }
    const compileMs = now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const compileCpuMs = (cpu.user + cpu.system) / 1000;
    automaton.mask(automaton.initial, mask);
    const ttfmMs = now() - started;
    const initialMask = Uint32Array.from(mask);
    for (let index = 0; index < schema.instances.length; index++) {
      const { tokens, valid } = schema.instances[index];
      let state: Parameters<typeof automaton.advance>[0] = automaton.initial;
      let rejectedAt = -1;
      for (let position = 0; position < tokens.length; position++) {
        if (position === 0 && index === 0) mask.set(initialMask);
        else {
          const before = now();
          automaton.mask(state, mask);
          maskUs.push(toMicroseconds(now() - before));
        }
        const token = tokens[position];
        const before = now();
        const next = automaton.advance(state, token);
        advanceUs.push(toMicroseconds(now() - before));
        if (maskHas(mask, token) !== (next !== undefined)) {
          warnings.push(`instance ${index}: mask and advance disagree on token ${token} at ${position}`);
        }
        if (next === undefined || !maskHas(mask, token)) {
          rejectedAt = position;
          break;
        }
        state = next;
      }
      if (rejectedAt === -1) {
        if (tokens.length === 0 && index === 0) mask.set(initialMask);
        else {
          const before = now();
          automaton.mask(state, mask);
          maskUs.push(toMicroseconds(now() - before));
        }
        const answer: unknown = automaton.accepts(state);
        // Only `true` accepts: a schema with `$async: true` once made the ajv-backed final check return a
        // Promise (truthy), which must never count as an acceptance.
        const accepts = answer === true;
        if (typeof answer !== 'boolean') warnings.push(`instance ${index}: accepts() returned ${Object.prototype.toString.call(answer)}, not a boolean`);
        if (eos !== undefined && maskHas(mask, eos) !== accepts) warnings.push(`instance ${index}: EOS bit disagrees with accepts()`);
        if (!accepts || (eos !== undefined && !maskHas(mask, eos))) rejectedAt = tokens.length;
      }
      instances.push({ valid, accepted: rejectedAt === -1, rejectedAt, tokens: tokens.length });
    }
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
  };

  const engine: PeerEngine = {
    info: {
      name: 'formwork',
      version,
      label: `formwork ${version} (JSON Schema token automaton, any property order, flexible whitespace${cpuClock ? ', CPU clock' : ''})`,
      options: { ...options, eosId: eos, vocabSize: vocabulary.size },
    },
    run,
  };
  return engine;
};
