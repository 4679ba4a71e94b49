import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_OPSET, GraphBuilder } from '../../../src/engine/onnx/graph-builder.js';
import { writeModel } from '../../../src/engine/onnx/onnx-model.js';
import { rng as seeded } from '../../support/seeded-rng.js';

/** WordPiece vocabulary of the fixture tokenizer (BERT layout: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3). */
export const WORDS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'the', 'cat', 'dog', 'sat', 'on', 'mat', '##s', 'a', 'b', 'c', '.', 'good', 'bad', 'story', 'is', 'very'];
export const ID = Object.fromEntries(WORDS.map((w, i) => [w, i])) as Record<string, number>;

export interface RewardModelFixtureOptions {
  /** Output columns (default 1). */
  readonly classes?: number;
  /** config.json id2label (default none). */
  readonly labels?: readonly string[];
  /** Add a token_type_ids input whose embedding is added (segment A / B). */
  readonly tokenTypes?: boolean;
  /** Add an extra input no sequence classifier has (to test the refusal). */
  readonly strangeInput?: boolean;
  readonly hidden?: number;
  readonly seed?: number;
  readonly maxPositionEmbeddings?: number;
}

export interface RewardModelFixture {
  readonly dir: string;
  readonly classes: number;
  /**
   * The exact logits (float64 arithmetic on the stored float32 tables) of one input: the mean over its
   * tokens of embedding[id] (+ typeEmbedding[type]), times W^T, plus b.
   */
  reference(ids: readonly number[], typeIds?: readonly number[]): Float64Array;
}

/**
 * Writes a tiny sequence-classification model whose output is a known function of its input: the
 * masked mean of an embedding lookup followed by a linear layer. Its tokenizer is a BERT-style
 * WordPiece tokenizer (lowercasing, [CLS] ... [SEP], pairs with segment ids).
 */
export async function writeRewardModelFixture(dir: string, options: RewardModelFixtureOptions = {}): Promise<RewardModelFixture> {
  const V = WORDS.length;
  const H = options.hidden ?? 6;
  const C = options.classes ?? 1;
  const random = seeded(options.seed ?? 17);
  const table = (n: number, scale: number) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  const embedding = table(V * H, 1);
  const typeEmbedding = table(2 * H, 0.5);
  const weight = table(C * H, 1);
  const bias = table(C, 0.25);
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

  const g = new GraphBuilder('reward');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  let hidden = g.gather(g.initializer('embedding', 'float32', [V, H], bytes(embedding)), ids);
  if (options.tokenTypes) {
    const types = g.input('token_type_ids', 'int64', ['batch', 'sequence']);
    hidden = g.add(hidden, g.gather(g.initializer('type_embedding', 'float32', [2, H], bytes(typeEmbedding)), types));
  }
  if (options.strangeInput) g.input('pixel_values', 'float32', ['batch', 3]);
  const m = g.unsqueeze(g.cast(mask, 'float32'), [2]);
  const summed = g.reduceSum(g.mul(hidden, m), [1], false);
  const count = g.reduceSum(m, [1], false);
  const mean = g.div(summed, count);
  const logits = g.gemmTransB(mean, g.initializer('weight', 'float32', [C, H], bytes(weight)), g.initializer('bias', 'float32', [C], bytes(bias)));
  g.output(logits, 'logits', 'float32', ['batch', C]);

  mkdirSync(dir, { recursive: true });
  await writeModel(join(dir, 'model.onnx'), { graph: g.build(), opsets: [{ domain: '', version: DEFAULT_OPSET }] });
  const vocab = Object.fromEntries(WORDS.map((w, i) => [w, i]));
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];
  writeFileSync(
    join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: {
          '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
          '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
        },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    }),
  );
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '[PAD]', cls_token: '[CLS]', sep_token: '[SEP]', unk_token: '[UNK]', do_lower_case: true }));
  const config: Record<string, unknown> = { model_type: 'bert', num_labels: C, max_position_embeddings: options.maxPositionEmbeddings ?? 64, pad_token_id: 0 };
  if (options.labels) config.id2label = Object.fromEntries(options.labels.map((l, i) => [String(i), l]));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));

  return {
    dir,
    classes: C,
    reference(tokenIds, typeIds) {
      const mean = new Float64Array(H);
      for (let t = 0; t < tokenIds.length; t++) {
        for (let h = 0; h < H; h++) {
          mean[h] += embedding[tokenIds[t] * H + h] + (options.tokenTypes ? typeEmbedding[(typeIds?.[t] ?? 0) * H + h] : 0);
        }
      }
      for (let h = 0; h < H; h++) mean[h] /= tokenIds.length;
      const out = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        let s = bias[c];
        for (let h = 0; h < H; h++) s += weight[c * H + h] * mean[h];
        out[c] = s;
      }
      return out;
    },
  };
}

