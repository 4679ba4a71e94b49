import { InputError } from '../../src/errors.js';
import { installedVersion } from '../report/machine-info.js';
import {
  toMicroseconds,
  type CreatePeerEngine,
  type PeerEngine,
  type PeerInstanceResult,
  type PeerSchema,
  type PeerSchemaResult,
} from './peer-protocol.js';
import { encodedTokenBytes, readTokenizerFiles } from './peer-tokenizer.js';

/**
 * @huggingface/transformers-structured-output as a MaskBench peer; runs inside the peer worker.
 *
 * It is timed through its public API only: a `StructuredOutputProcessor` (a Transformers.js logits
 * processor list) called as `processor(inputIds, logits)` on a [1, vocab] float32 logits tensor, as
 * `model.generate` would call it. One call commits the tokens appended since the previous call, computes
 * the mask and writes -Infinity into the logits of disallowed tokens, so its "mask time" includes the
 * advance by one token and the masking of 128k logits (XGrammar's advance is timed separately). A token
 * is "in the mask" when its logit is not -Infinity after the call; "accepts EOS" likewise for the
 * tokenizer's EOS id. The processor has no reset, so each instance gets a new processor for the same
 * schema object (its mask cache is per schema object, as in a server reusing a schema); only the first
 * construction is timed as compilation.
 *
 * It refuses `pattern` and recognised `format` keywords (they "cannot be enforced incrementally"),
 * external and dynamic `$ref`, and unevaluated*: those schemas are compile errors with its message.
 */
export const createPeerEngine: CreatePeerEngine = async (init) => {
  const [{ PreTrainedTokenizer, Tensor }, { StructuredOutputProcessor }] = await Promise.all([
    import('@huggingface/transformers'),
    import('@huggingface/transformers-structured-output'),
  ]);
  let tokenizer: object;
  let vocabSize: number;
  let eosId: number;
  if (init.tokenizerDir !== undefined) {
    // The real integration path: a Transformers.js tokenizer built from local files (no hub access).
    const { tokenizerJson, tokenizerConfig } = readTokenizerFiles(init.tokenizerDir);
    const pretrained = new PreTrainedTokenizer(tokenizerJson, tokenizerConfig);
    tokenizer = pretrained;
    vocabSize = pretrained.get_vocab().size;
    eosId = pretrained.eos_token_id ?? Number.NaN;
    if (init.vocabulary !== undefined && init.vocabulary.eosId !== eosId) {
      throw new InputError(`Transformers.js says EOS is ${eosId}, the benchmark's vocabulary says ${init.vocabulary.eosId}`, {
        where: init.tokenizerDir,
      });
    }
  } else if (init.vocabulary !== undefined) {
    // The package's documented "direct" tokenizer form: token bytes by id plus the EOS id.
    const vocabulary = init.vocabulary;
    tokenizer = {
      tokens: vocabulary.encodedVocab.map((encoded) => encodedTokenBytes(encoded, vocabulary.vocabType)),
      eosTokenId: vocabulary.eosId,
      specialTokenIds: vocabulary.specialIds,
    };
    vocabSize = vocabulary.encodedVocab.length;
    eosId = vocabulary.eosId;
  } else {
    throw new InputError('the transformers-so peer needs tokenizerDir or vocabulary', { where: 'PeerInit' });
  }
  if (!Number.isInteger(eosId)) throw new InputError('the tokenizer has no EOS token', { where: init.tokenizerDir ?? 'vocabulary' });
  // Builds the per-tokenizer tries and string masks now, so schema 1 does not pay for them.
  StructuredOutputProcessor.warmup(tokenizer);
  const logitsData = new Float32Array(vocabSize);
  const logits = new Tensor('float32', logitsData, [1, vocabSize]);
  const version = installedVersion('@huggingface/transformers-structured-output') ?? 'unknown';

  const run = async (schema: PeerSchema): Promise<{ result: PeerSchemaResult; restart: boolean }> => {
    const maskUs: number[] = [];
    const instances: PeerInstanceResult[] = [];
    let jsonSchema: unknown;
    try {
      jsonSchema = JSON.parse(schema.schema);
    } catch (error) {
      return { result: { id: schema.id, status: 'compileError', error: `schema is not JSON: ${String(error)}`, maskUs, instances }, restart: false };
    }
    const responseFormat = { type: 'json_schema' as const, json_schema: jsonSchema as boolean | Record<string, never> };
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let first: InstanceType<typeof StructuredOutputProcessor>;
    try {
      first = new StructuredOutputProcessor(tokenizer, responseFormat);
    } catch (error) {
      return { result: { id: schema.id, status: 'compileError', error: (error as Error).message ?? String(error), maskUs, instances }, restart: false };
    }
    const compileMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const compileCpuMs = (cpu.user + cpu.system) / 1000;
    let ttfmMs: number | undefined;
    // Forces one instance (or, with no tokens given, computes just the first mask); returns the
    // position of the first token outside the mask, tokens.length when EOS is refused, -1 if accepted.
    const force = (processor: InstanceType<typeof StructuredOutputProcessor>, tokens: readonly number[] | undefined): number => {
      // A one-token "prompt": the processor only commits tokens appended after its first call.
      const inputIds: bigint[][] = [[0n]];
      const length = tokens?.length ?? 0;
      for (let position = 0; position <= length; position++) {
        logitsData.fill(0);
        const before = performance.now();
        let deadEnd = false;
        try {
          processor(inputIds, logits);
        } catch (error) {
          // "The constraint reached a dead end": no token at all is allowed here.
          if (!String((error as Error).message).includes('dead end')) throw error;
          deadEnd = true;
        }
        const after = performance.now();
        if (ttfmMs === undefined) ttfmMs = after - started;
        else maskUs.push(toMicroseconds(after - before));
        if (tokens === undefined) return -1;
        const next = position < length ? tokens[position] : eosId;
        if (deadEnd || logitsData[next] === Number.NEGATIVE_INFINITY) return position;
        inputIds[0].push(BigInt(next));
      }
      return -1;
    };
    try {
      if (schema.instances.length === 0) force(first, undefined);
      schema.instances.forEach((instance, index) => {
        const processor = index === 0 ? first : new StructuredOutputProcessor(tokenizer, responseFormat);
        const rejectedAt = force(processor, instance.tokens);
        instances.push({ valid: instance.valid, accepted: rejectedAt === -1, rejectedAt, tokens: instance.tokens.length });
      });
    } catch (error) {
      return { result: { id: schema.id, status: 'crash', error: (error as Error).message ?? String(error), compileMs, maskUs, instances }, restart: false };
    }
    return { result: { id: schema.id, status: 'ok', compileMs, compileCpuMs, ttfmMs, maskUs, instances }, restart: false };
  };

  const engine: PeerEngine = {
    info: {
      name: 'transformers-so',
      version,
      label: `@huggingface/transformers-structured-output ${version} (logits processor, JSON Schema 2020-12 profile)`,
      options: { eosId, vocabSize, timed: 'processor(inputIds, logits): commit + mask + apply to logits' },
    },
    run,
  };
  return engine;
};
