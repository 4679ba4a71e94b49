import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BYTE_LEVEL_ENCODE } from '../grammar/vocab/byte-level-alphabet.js';
import { llamaSpecFromConfig } from './convert/llama-config.js';
import { buildLlamaGraph } from './convert/llama-graph.js';
import { fallbackCorpus } from './default-model-corpus.js';
import { DEFAULT_OPSET } from './onnx/graph-builder.js';
import { writeModel } from './onnx/onnx-model.js';
import { CHAT_TOKENS, DEFAULT_CHAT_TEMPLATE } from './prompts/chat-format.js';

/**
 * The fallback default model: what `loadModel()` runs when models/default holds no trained model (a
 * fresh clone before the trained model lands, or an install without it). It is a byte-level BIGRAM
 * model (the next token depends on the previous token only) counted on the few kilobytes of
 * default-model-corpus.ts, written as an ordinary Llama-architecture ONNX decoder so that it goes
 * through exactly the code path of a real model (tokenizer, chat template, KV cache, worker thread).
 *
 * How a Llama graph computes a bigram table: the embedding of token v is the unit vector e_v, every
 * attention and MLP projection is zero (so the residual stream stays e_v), the final RMSNorm maps e_v
 * to sqrt(H) e_v and its weight 1/sqrt(H) maps it back to e_v, and column v of the LM head holds the
 * log-probabilities of the next token after v.
 *
 * Its answers match the schema exactly (the constraint guarantees that, not the model) but mean
 * nothing: it has never read the prompt. The README says so.
 */

/** Bumped whenever the fallback's files change, so a stale build is never reused. */
export const FALLBACK_MODEL_VERSION = 1;

/** Token ids: the chat format's special tokens in CHAT_TOKENS order (0..4), then bytes 0..255. */
const SPECIALS: readonly string[] = Object.values(CHAT_TOKENS);
const BYTE_BASE = SPECIALS.length;
const VOCAB = BYTE_BASE + 256;
/** Hidden width >= VOCAB (one-hot embeddings) and divisible into 2 heads of even width. */
const HIDDEN = 264;
const END_ID = SPECIALS.indexOf(CHAT_TOKENS.end);
const END_OF_TEXT_ID = SPECIALS.indexOf(CHAT_TOKENS.endOfText);
/** Pseudo-count of the unigram distribution added to every bigram row (Jelinek-Mercer-like backoff). */
const BACKOFF = 2;

export interface FallbackModelInfo {
  readonly vocabSize: number;
  readonly documents: number;
  readonly bigrams: number;
}

/** Writes the fallback model's five files into `dir` (created if needed). */
export async function writeFallbackModel(dir: string): Promise<FallbackModelInfo> {
  mkdirSync(dir, { recursive: true });
  const documents = fallbackCorpus().map(tokenize);
  const table = bigramLogProbs(documents);

  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: HIDDEN,
    intermediate_size: 8,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 2,
    head_dim: HIDDEN / 2,
    vocab_size: VOCAB,
    max_position_embeddings: 2048,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    hidden_act: 'silu',
    tie_word_embeddings: false,
    eos_token_id: [END_ID, END_OF_TEXT_ID],
    formwork_fallback_model: FALLBACK_MODEL_VERSION,
  };
  const spec = llamaSpecFromConfig(config, join(dir, 'config.json'));
  const weights = fallbackWeights(table);
  const graph = buildLlamaGraph(
    spec,
    {
      path: dir,
      shape: (name) => weights.get(name)?.shape,
      read: (name) => weights.get(name)!.data,
    },
    { dtype: 'fp32' },
  );
  await writeModel(join(dir, 'model.onnx'), {
    graph,
    opsets: [{ domain: '', version: DEFAULT_OPSET }],
    producerName: 'formwork',
    producerVersion: '0.1.0',
    metadata: { source: 'formwork fallback default model (byte bigram)', version: String(FALLBACK_MODEL_VERSION) },
  });

  const json = (name: string, value: unknown) => writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  json('config.json', config);
  json('generation_config.json', { eos_token_id: [END_ID, END_OF_TEXT_ID], max_length: 2048 });
  writeFallbackReadme(dir);
  writeFallbackTokenizer(dir);
  let bigrams = 0;
  for (const doc of documents) bigrams += Math.max(0, doc.length - 1);
  return { vocabSize: VOCAB, documents: documents.length, bigrams };
}

/**
 * The fallback's tokenizer.json and tokenizer_config.json (chat template included) alone: a byte-level
 * vocabulary of 261 ids for test checkpoints that must be able to spell any text.
 */
export function writeFallbackTokenizer(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const json = (name: string, value: unknown) => writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  json('tokenizer.json', tokenizerJson());
  json('tokenizer_config.json', {
    add_bos_token: false,
    add_eos_token: false,
    bos_token: null,
    eos_token: CHAT_TOKENS.end,
    pad_token: CHAT_TOKENS.endOfText,
    unk_token: null,
    clean_up_tokenization_spaces: false,
    model_max_length: 2048,
    tokenizer_class: 'PreTrainedTokenizerFast',
    chat_template: DEFAULT_CHAT_TEMPLATE,
  });
}

function writeFallbackReadme(dir: string): void {
  writeFileSync(
    join(dir, 'README.txt'),
    'formwork fallback default model: a byte-level bigram model counted on a few kilobytes of text\n' +
      '(src/engine/default-model-corpus.ts), stored as a Llama ONNX decoder. It never reads the prompt:\n' +
      'constrained output is valid but meaningless. Replaced by the trained model in models/default.\n',
  );
}

/** Token ids of a corpus document: special-token strings are their ids, every other byte its own id. */
function tokenize(document: string): number[] {
  const ids: number[] = [];
  const encoder = new TextEncoder();
  let rest = document;
  while (rest.length > 0) {
    let next = rest.length;
    let special = -1;
    for (let s = 0; s < SPECIALS.length; s++) {
      const at = rest.indexOf(SPECIALS[s]);
      if (at >= 0 && at < next) {
        next = at;
        special = s;
      }
    }
    for (const byte of encoder.encode(rest.slice(0, next))) ids.push(BYTE_BASE + byte);
    if (special < 0) break;
    ids.push(special);
    rest = rest.slice(next + SPECIALS[special].length);
  }
  return ids;
}

/**
 * table[prev * VOCAB + next] = log p(next | prev): bigram counts smoothed towards the unigram
 * distribution (itself add-1/2 smoothed), so every token keeps a small probability and no constraint
 * ever meets a token the model rules out entirely.
 */
function bigramLogProbs(documents: readonly number[][]): Float64Array {
  const pair = new Float64Array(VOCAB * VOCAB);
  const row = new Float64Array(VOCAB);
  const unigram = new Float64Array(VOCAB).fill(0.5);
  let total = 0.5 * VOCAB;
  for (const doc of documents) {
    for (let i = 0; i < doc.length; i++) {
      unigram[doc[i]]++;
      total++;
      if (i > 0) {
        pair[doc[i - 1] * VOCAB + doc[i]]++;
        row[doc[i - 1]]++;
      }
    }
  }
  const table = new Float64Array(VOCAB * VOCAB);
  for (let prev = 0; prev < VOCAB; prev++) {
    for (let next = 0; next < VOCAB; next++) {
      const p = (pair[prev * VOCAB + next] + (BACKOFF * unigram[next]) / total) / (row[prev] + BACKOFF);
      table[prev * VOCAB + next] = Math.log(p);
    }
  }
  return table;
}

interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

function fallbackWeights(table: Float64Array): Map<string, Tensor> {
  const weights = new Map<string, Tensor>();
  const put = (name: string, shape: readonly number[], fill?: (data: Float32Array) => void) => {
    const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
    fill?.(data);
    weights.set(name, { shape, data });
  };
  put('model.embed_tokens.weight', [VOCAB, HIDDEN], (d) => {
    for (let v = 0; v < VOCAB; v++) d[v * HIDDEN + v] = 1;
  });
  const p = 'model.layers.0';
  put(`${p}.input_layernorm.weight`, [HIDDEN], (d) => d.fill(1));
  put(`${p}.post_attention_layernorm.weight`, [HIDDEN], (d) => d.fill(1));
  for (const name of ['q_proj', 'k_proj', 'v_proj']) put(`${p}.self_attn.${name}.weight`, [HIDDEN, HIDDEN]);
  put(`${p}.self_attn.o_proj.weight`, [HIDDEN, HIDDEN]);
  put(`${p}.mlp.gate_proj.weight`, [8, HIDDEN]);
  put(`${p}.mlp.up_proj.weight`, [8, HIDDEN]);
  put(`${p}.mlp.down_proj.weight`, [HIDDEN, 8]);
  put('model.norm.weight', [HIDDEN], (d) => d.fill(1 / Math.sqrt(HIDDEN)));
  put('lm_head.weight', [VOCAB, HIDDEN], (d) => {
    for (let next = 0; next < VOCAB; next++) {
      for (let prev = 0; prev < VOCAB; prev++) d[next * HIDDEN + prev] = table[prev * VOCAB + next];
    }
  });
  return weights;
}

/** A byte-level BPE tokenizer.json with no merges: the specials, then one token per byte. */
function tokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  SPECIALS.forEach((content, id) => (vocab[content] = id));
  for (let byte = 0; byte < 256; byte++) vocab[String.fromCharCode(BYTE_LEVEL_ENCODE[byte])] = BYTE_BASE + byte;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
}
