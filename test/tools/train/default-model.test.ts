import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterEach, describe, expect, it } from 'vitest';
import { greedyDecode } from '../../../src/engine/decoder/greedy-decode.js';
import { OnnxDecoder } from '../../../src/engine/decoder/onnx-decoder.js';
import { describeDefaultModel, trainedModelDir } from '../../../src/engine/default-model.js';
import { Model } from '../../../src/engine/generate/model.js';
import { ModelLoadError } from '../../../src/errors.js';
import { CHAT_TOKENS, DEFAULT_CHAT_TEMPLATE, renderChat } from '../../../src/engine/prompts/chat-format.js';
import { drawEnglish } from '../../../tools/corpus/english.js';
import { drawJsonPair } from '../../../tools/corpus/json-pairs.js';
import { Rng } from '../../../tools/corpus/rng.js';
import { drawShape } from '../../../tools/corpus/shape-space.js';
import { repoRoot } from '../../support/shared-data.js';

/** The files committed under models/default: what `generate()` runs when no model is given. */
const dir = join(repoRoot, 'models', 'default');
const readJson = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, name), 'utf8'));

describe('models/default tokenizer', () => {
  const tokenizer = new Tokenizer(readJson('tokenizer.json'), readJson('tokenizer_config.json'));
  const config = readJson('tokenizer_config.json');

  it('has the chat format: special tokens at ids 0..4, <|end|> as EOS, the chat template', () => {
    Object.values(CHAT_TOKENS).forEach((token, id) => expect(tokenizer.token_to_id(token)).toBe(id));
    expect(config.eos_token).toBe(CHAT_TOKENS.end);
    expect(config.chat_template).toBe(DEFAULT_CHAT_TEMPLATE);
    expect(tokenizer.get_vocab(true).size).toBe(4096);
  });

  it('round-trips freshly generated corpus documents, and the prompt/answer boundary is a token boundary', () => {
    const rng = new Rng('default-model-test');
    const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false }).ids;
    for (let i = 0; i < 60; i++) {
      const pair = drawJsonPair(rng, drawShape(rng));
      const prompt = renderChat(pair.messages);
      const completion = pair.answer + CHAT_TOKENS.end;
      const ids = encode(prompt + completion);
      // The trainer tokenizes prompt and answer separately (to mask the prompt's loss).
      expect(ids).toEqual([...encode(prompt), ...encode(completion)]);
      expect(tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false })).toBe(prompt + completion);
      const english = drawEnglish(rng);
      expect(tokenizer.decode(encode(english), { skip_special_tokens: false, clean_up_tokenization_spaces: false })).toBe(english);
    }
  });
});

describe('models/default model', () => {
  const config = readJson('config.json');
  const generation = readJson('generation_config.json');

  it('is a Llama checkpoint whose vocabulary and EOS ids match the tokenizer', () => {
    expect(config.model_type).toBe('llama');
    expect(config.vocab_size).toBe(4096);
    expect(generation.eos_token_id).toEqual([4, 0]);
  });

  it('fits the 40 MB budget', () => {
    const bytes = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(40 * 1024 * 1024);
  });

  it("runs in ONNX with PyTorch's logits (<= 1e-4) and greedy tokens", async () => {
    const reference = JSON.parse(readFileSync(join(repoRoot, 'test', 'tools', 'train', 'fixtures', 'default-model-reference.json'), 'utf8')) as {
      eos_token_id: number[];
      cases: { prompt_ids: number[]; last_logits: number[]; greedy_ids: number[] }[];
    };
    const decoder = await OnnxDecoder.load(dir, { worker: false, threads: 1 });
    try {
      for (const c of reference.cases) {
        const logits = await decoder.logits(c.prompt_ids);
        const last = (c.prompt_ids.length - 1) * decoder.vocabSize;
        let maxDiff = 0;
        c.last_logits.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - logits[last + i]!))));
        expect(maxDiff).toBeLessThanOrEqual(1e-4);
        const greedy = await greedyDecode(decoder, c.prompt_ids, c.greedy_ids.length);
        const expected = c.greedy_ids.map((id, i) => (i === c.greedy_ids.length - 1 && reference.eos_token_id.includes(id) ? decoder.eosId : id));
        expect(greedy.tokens).toEqual(expected);
      }
    } finally {
      await decoder.dispose();
    }
  });
});

describe('the default model: models/default or $FORMWORK_DEFAULT_MODEL, no stand-in', () => {
  const saved = process.env.FORMWORK_DEFAULT_MODEL;
  const scratch: string[] = [];
  afterEach(() => {
    if (saved === undefined) delete process.env.FORMWORK_DEFAULT_MODEL;
    else process.env.FORMWORK_DEFAULT_MODEL = saved;
    scratch.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  });
  const scratchDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'formwork-default-model-'));
    scratch.push(d);
    return d;
  };

  it('is models/default, loadable, when nothing overrides it', async () => {
    delete process.env.FORMWORK_DEFAULT_MODEL;
    expect(describeDefaultModel()).toEqual({ dir: trainedModelDir, kind: 'trained', ready: true });
    expect(trainedModelDir).toBe(dir);
    const model = await Model.load(undefined, { worker: false, threads: 1 });
    try {
      expect(model.name).toBe('default (trained)');
      expect(model.vocabulary.size).toBe(4096);
    } finally {
      await model.dispose();
    }
  });

  it('a missing or empty model directory is a ModelLoadError naming it', async () => {
    for (const missing of [join(tmpdir(), 'formwork-no-such-model'), scratchDir()]) {
      process.env.FORMWORK_DEFAULT_MODEL = missing;
      expect(describeDefaultModel()).toMatchObject({ dir: missing, kind: 'env', ready: false });
      const error = await Model.load().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as ModelLoadError).path).toBe(missing);
      expect((error as Error).message).toContain(missing);
    }
  });

  it('a corrupt model.onnx is a ModelLoadError naming the file', async () => {
    const broken = scratchDir();
    for (const file of ['tokenizer.json', 'tokenizer_config.json', 'config.json', 'generation_config.json']) copyFileSync(join(dir, file), join(broken, file));
    writeFileSync(join(broken, 'model.onnx'), readFileSync(join(dir, 'model.onnx')).subarray(0, 1000));
    process.env.FORMWORK_DEFAULT_MODEL = broken;
    const error = await Model.load(undefined, { worker: false, threads: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).path).toBe(join(broken, 'model.onnx'));
  });
});
