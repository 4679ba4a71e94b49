import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../../src/errors.js';
import { OnnxDecoder } from '../../../src/engine/decoder/onnx-decoder.js';
import { resolveModelDirectory } from '../../../src/engine/model/model-directory.js';
import { tokenizerSize } from '../../../src/engine/model/model-config.js';
import { DEFAULT_OPSET, GraphBuilder } from '../../../src/engine/onnx/graph-builder.js';
import { writeModel } from '../../../src/engine/onnx/onnx-model.js';
import { writeScriptedDecoder } from '../../fixtures/scripted-decoder.js';
import { tinyTokenizerJson } from '../../fixtures/tiny-tokenizer.js';

const root = mkdtempSync(join(tmpdir(), 'formwork-modeldir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

async function scripted(options: Parameters<typeof writeScriptedDecoder>[1] = {}) {
  return writeScriptedDecoder(join(root, `m${counter++}`), options);
}

async function loadError(promise: Promise<unknown> | (() => unknown)): Promise<ModelLoadError> {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelLoadError);
  return error as ModelLoadError;
}

const patchJson = (path: string, patch: Record<string, unknown>) =>
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), ...patch }));

describe('resolveModelDirectory', () => {
  it('finds the files and reads EOS ids, maximum length and tokenizer size', async () => {
    const model = await scripted({ eosIds: [2, 7], tokenizerSize: 12 });
    const dir = resolveModelDirectory(model.dir);
    expect(dir.modelPath).toBe(join(model.dir, 'model.onnx'));
    expect(dir.tokenizerPath).toBe(join(model.dir, 'tokenizer.json'));
    expect(dir.tokenizerConfigPath).toBe(join(model.dir, 'tokenizer_config.json'));
    expect(dir.config.eosIds).toEqual([2, 7]);
    expect(dir.config.maxLength).toBe(64);
    expect(dir.config.vocabSize).toBe(16);
    expect(dir.tokenizerSize).toBe(12);
  });

  it('names a missing directory, model, config or tokenizer', async () => {
    expect((await loadError(() => resolveModelDirectory(join(root, 'nowhere')))).path).toBe(join(root, 'nowhere'));
    const model = await scripted();
    expect((await loadError(() => resolveModelDirectory(model.dir, { modelFile: 'other.onnx' }))).path).toBe(join(model.dir, 'other.onnx'));
    unlinkSync(join(model.dir, 'tokenizer.json'));
    expect((await loadError(() => resolveModelDirectory(model.dir))).path).toBe(join(model.dir, 'tokenizer.json'));
    unlinkSync(join(model.dir, 'config.json'));
    expect((await loadError(() => resolveModelDirectory(model.dir))).path).toBe(join(model.dir, 'config.json'));
    unlinkSync(join(model.dir, 'model.onnx'));
    const noModel = await loadError(() => resolveModelDirectory(model.dir));
    expect(noModel.path).toBe(model.dir);
    expect(noModel.message).toContain('onnx/decoder_model_merged.onnx');
  });

  it('rejects malformed JSON with the file and the parser message', async () => {
    const model = await scripted();
    writeFileSync(join(model.dir, 'generation_config.json'), '{"eos_token_id": [2,');
    const error = await loadError(() => resolveModelDirectory(model.dir));
    expect(error.path).toBe(join(model.dir, 'generation_config.json'));
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('takes EOS ids from config.json when generation_config.json is absent, and fails when neither has one', async () => {
    const model = await scripted();
    unlinkSync(join(model.dir, 'generation_config.json'));
    expect(resolveModelDirectory(model.dir).config.eosIds).toEqual([2]);
    patchJson(join(model.dir, 'config.json'), { eos_token_id: null });
    expect((await loadError(() => resolveModelDirectory(model.dir))).path).toBe(join(model.dir, 'config.json'));
  });

  it('picks the decoder file: optimum layout, fp16 preference, explicit file', async () => {
    const model = await scripted({ modelFile: 'onnx/decoder_model_merged.onnx' });
    expect(resolveModelDirectory(model.dir).modelPath).toBe(join(model.dir, 'onnx/decoder_model_merged.onnx'));
    mkdirSync(join(model.dir, 'onnx'), { recursive: true });
    writeFileSync(join(model.dir, 'onnx/model_fp16.onnx'), '');
    writeFileSync(join(model.dir, 'onnx/model.onnx'), '');
    expect(resolveModelDirectory(model.dir).modelPath).toBe(join(model.dir, 'onnx/model.onnx'));
    expect(resolveModelDirectory(model.dir, { dtype: 'fp16' }).modelPath).toBe(join(model.dir, 'onnx/model_fp16.onnx'));
    expect(resolveModelDirectory(model.dir, { modelFile: 'onnx/decoder_model_merged.onnx' }).modelPath).toBe(join(model.dir, 'onnx/decoder_model_merged.onnx'));
  });

  it('refuses a tokenizer with more ids than config.json vocab_size', async () => {
    const model = await scripted();
    writeFileSync(join(model.dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(20)));
    const error = await loadError(() => resolveModelDirectory(model.dir));
    expect(error.path).toBe(join(model.dir, 'tokenizer.json'));
    expect(error.message).toMatch(/20 token ids.*vocab_size 16/);
  });

  it('counts tokenizer ids over the vocabulary and added tokens', () => {
    const path = join(root, 'tokenizer.json');
    const json = tinyTokenizerJson(10);
    (json.added_tokens as object[]).push({ id: 40, content: '<extra>', special: true });
    writeFileSync(path, JSON.stringify(json));
    expect(tokenizerSize(path)).toBe(41);
    writeFileSync(path, JSON.stringify({ model: { type: 'Unigram', vocab: [['a', 0], ['b', -1], ['c', -2]] } }));
    expect(tokenizerSize(path)).toBe(3);
  });
});

describe('OnnxDecoder.load validation', () => {
  it('an unreadable ONNX file', async () => {
    const model = await scripted();
    writeFileSync(join(model.dir, 'model.onnx'), 'this is not a protobuf');
    const error = await loadError(OnnxDecoder.load(model.dir, { worker: false }));
    expect(error.path).toBe(join(model.dir, 'model.onnx'));
    expect(error.message).toMatch(/onnxruntime cannot load/);
  });

  it('the same error crosses the worker thread with its class and path', async () => {
    const model = await scripted();
    writeFileSync(join(model.dir, 'model.onnx'), 'garbage');
    const error = await loadError(OnnxDecoder.load(model.dir));
    expect(error.path).toBe(join(model.dir, 'model.onnx'));
  });

  const writeGraph = async (dir: string, build: (g: GraphBuilder) => void) => {
    const g = new GraphBuilder();
    build(g);
    await writeModel(join(dir, 'model.onnx'), { graph: g.build(), opsets: [{ domain: '', version: DEFAULT_OPSET }] });
  };

  it('a model without a KV cache', async () => {
    const model = await scripted();
    await writeGraph(model.dir, (g) => {
      const ids = g.input('input_ids', 'int64', ['b', 't']);
      g.input('attention_mask', 'int64', ['b', 't']);
      g.output(g.gather(g.float32s(new Array(16 * 16).fill(0), [16, 16]), ids), 'logits', 'float32', ['b', 't', 16]);
    });
    const error = await loadError(OnnxDecoder.load(model.dir, { worker: false }));
    expect(error.path).toBe(join(model.dir, 'model.onnx'));
    expect(error.message).toMatch(/past_key_values/);
  });

  it('a model without attention_mask, or with an input formwork cannot feed', async () => {
    const model = await scripted();
    await writeGraph(model.dir, (g) => {
      const ids = g.input('input_ids', 'int64', ['b', 't']);
      g.output(g.gather(g.float32s(new Array(16 * 16).fill(0), [16, 16]), ids), 'logits', 'float32', ['b', 't', 16]);
    });
    expect((await loadError(OnnxDecoder.load(model.dir, { worker: false }))).message).toMatch(/"attention_mask"/);
    await writeGraph(model.dir, (g) => {
      const ids = g.input('input_ids', 'int64', ['b', 't']);
      g.input('attention_mask', 'int64', ['b', 't']);
      g.input('token_type_ids', 'int64', ['b', 't']);
      g.output(g.gather(g.float32s(new Array(16 * 16).fill(0), [16, 16]), ids), 'logits', 'float32', ['b', 't', 16]);
    });
    expect((await loadError(OnnxDecoder.load(model.dir, { worker: false }))).message).toMatch(/token_type_ids/);
  });

  it('appended.* cache outputs without prefix inputs, and prefix inputs with present.* outputs', async () => {
    const model = await scripted();
    const cacheModel = (outputKind: 'appended' | 'present', withPrefix: boolean) => (g: GraphBuilder) => {
      const ids = g.input('input_ids', 'int64', ['b', 't']);
      g.input('attention_mask', 'int64', ['b', 's']);
      const past = g.input('past_key_values.0.key', 'float32', ['b', 1, 'p', 2]);
      if (withPrefix) g.input('prefix_key_values.0.key', 'float32', [1, 1, 'q', 2]);
      g.output(g.gather(g.float32s(new Array(16 * 16).fill(0), [16, 16]), ids), 'logits', 'float32', ['b', 't', 16]);
      g.output(past, `${outputKind}.0.key`, 'float32', ['b', 1, 'p', 2]);
    };
    await writeGraph(model.dir, cacheModel('appended', false));
    expect((await loadError(OnnxDecoder.load(model.dir, { worker: false }))).message).toMatch(/no "prefix_key_values\.0\.key" input/);
    await writeGraph(model.dir, cacheModel('present', true));
    expect((await loadError(OnnxDecoder.load(model.dir, { worker: false }))).message).toMatch(/"prefix_key_values\.0\.key" but present\.\* cache outputs/);
  });

  it('logits width disagreeing with config.json vocab_size', async () => {
    const model = await scripted();
    patchJson(join(model.dir, 'config.json'), { vocab_size: 32 });
    const error = await loadError(OnnxDecoder.load(model.dir, { worker: false }));
    expect(error.path).toBe(join(model.dir, 'config.json'));
    expect(error.message).toMatch(/logits are 16 wide but config.json says vocab_size 32/);
  });

  it('a tokenizer wider than the logits (no vocab_size in config.json)', async () => {
    const model = await scripted();
    patchJson(join(model.dir, 'config.json'), { vocab_size: undefined });
    writeFileSync(join(model.dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(17)));
    const error = await loadError(OnnxDecoder.load(model.dir, { worker: false }));
    expect(error.path).toBe(join(model.dir, 'tokenizer.json'));
    expect(error.message).toMatch(/17 token ids.*16 wide/);
  });

  it('an EOS id outside the logits', async () => {
    const model = await scripted();
    patchJson(join(model.dir, 'generation_config.json'), { eos_token_id: [2, 99] });
    const error = await loadError(OnnxDecoder.load(model.dir, { worker: false }));
    expect(error.path).toBe(join(model.dir, 'generation_config.json'));
    expect(error.message).toMatch(/EOS id 99/);
  });

  it('a directory whose decoder file is gone names the directory', async () => {
    const model = await scripted();
    renameSync(join(model.dir, 'model.onnx'), join(model.dir, 'elsewhere.onnx'));
    expect((await loadError(OnnxDecoder.load(model.dir, { worker: false }))).path).toBe(model.dir);
  });
});
