import { ModelLoadError } from '../../errors.js';
import { float32ToFloat16 } from '../onnx/float16.js';
import { GraphBuilder, attr } from '../onnx/graph-builder.js';
import type { GraphDef } from '../onnx/onnx-model.js';
import type { LlamaSpec } from './llama-config.js';

/** The checkpoint as the graph builder sees it: shapes up front, float32 data when written. */
export interface WeightSource {
  /** The tensor's shape, or undefined when the checkpoint lacks it. */
  shape(name: string): readonly number[] | undefined;
  read(name: string): Float32Array;
  /** Where errors about the checkpoint point. */
  readonly path: string;
}

/**
 * What the graph returns for the KV cache. 'appended' (formwork's engine): only the new tokens' keys
 * and values, appended.N.key|value [batch, kv_heads, sequence, head_dim]; the caller keeps the cache
 * and writes them in place (kv-slab-cache.ts), and the graph also takes prefix_key_values.N.key|value
 * [1, kv_heads, prefix, head_dim], keys and values shared by every row (the prompt of forked
 * particles). 'present' (the Hugging Face export layout, for other runtimes): the whole cache,
 * present.N.key|value, past and new concatenated by the graph.
 */
export type CacheOutputs = 'appended' | 'present';

export interface LlamaGraphOptions {
  readonly dtype: 'fp32' | 'fp16';
  /** Default 'appended'. */
  readonly cacheOutputs?: CacheOutputs;
  /** Called after each weight tensor has been produced for writing (bytes so far, of total). */
  readonly onWeight?: (name: string, bytes: number) => void;
}

/** float32 min, as transformers uses for masked scores: finite, so a fully masked row is not NaN. */
const MASKED_SCORE = -3.4028234663852886e38;
const INT64_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Builds the decoder graph of a Llama-family checkpoint with the Hugging Face ONNX export's inputs:
 * input_ids, attention_mask, position_ids, past_key_values.N.key|value [batch, kv_heads, past,
 * head_dim] and num_logits_to_keep (0 = every position); outputs logits and, per `cacheOutputs`,
 * appended.N.key|value or present.N.key|value.
 *
 * Standard ONNX ops at opset 17 only, so any onnxruntime (CPU, WebGPU, Web) runs it. Choices, each for
 * a structural reason (bench/RESULTS.md, "Decoder", says what was measured):
 * - Q, K, V are one MatMul and gate/up another (fewer, larger GEMMs: two kernel calls instead of
 *   five per layer; not measured on its own).
 * - 1/sqrt(head_dim) is folded into the Q weights (RoPE is linear, so scaling before it is exact).
 * - GQA without repeating K/V: Q is reshaped to [B, kv_heads, n_rep * T, D] so each KV head serves its
 *   n_rep query heads in one MatMul; the mask is tiled n_rep times instead. Expanding K/V would copy
 *   the whole cache every layer and step.
 * - RoPE's rotate_half(x) * sin is written as concat(x2, x1) * concat(-sin, sin), the signed sine
 *   computed once per forward, and applied to the query and key heads in one go: 6 fewer ops per
 *   layer, though bench/decoder.ts measured no difference in stories260K's step time (0.28 vs 0.29 ms
 *   min, threads 1); kept because it costs nothing.
 * - fp16: weights, activations, cache and logits in float16 (as HF fp16 exports), but RMSNorm statistics
 *   and the softmax run in float32, as transformers does, so fp16 stays within float16 rounding.
 * - Tied embeddings: the LM head is Gemm(transB) on the embedding matrix, so it is stored once.
 */
export function buildLlamaGraph(spec: LlamaSpec, weights: WeightSource, options: LlamaGraphOptions): GraphDef {
  const F = options.dtype === 'fp16' ? 'float16' : 'float32';
  const cacheOutputs = options.cacheOutputs ?? 'appended';
  const g = new GraphBuilder('formwork-llama');
  const { hiddenSize: hidden, numHeads: H, numKvHeads: Hkv, headDim: D, intermediateSize: ffn, vocabSize: V } = spec;
  const nRep = H / Hkv;
  const qDim = H * D;
  const kvDim = Hkv * D;

  const require = (name: string, dims: readonly number[]): void => {
    const shape = weights.shape(name);
    if (!shape) throw new ModelLoadError(`checkpoint has no tensor "${name}"`, { path: weights.path });
    if (shape.length !== dims.length || shape.some((d, i) => d !== dims[i])) {
      throw new ModelLoadError(`tensor "${name}" has shape [${shape.join(', ')}], config.json implies [${dims.join(', ')}]`, { path: weights.path });
    }
  };
  const has = (name: string): boolean => weights.shape(name) !== undefined;

  /** An initializer whose float32 data `produce` computes only when the model file is written. */
  const weight = (name: string, dims: readonly number[], produce: () => Float32Array): string => {
    const count = dims.reduce((n, d) => n * d, 1);
    const byteLength = count * (F === 'float16' ? 2 : 4);
    return g.initializer(name, F, dims, {
      byteLength,
      bytes: () => {
        const data = produce();
        const out = F === 'float16' ? float32ToFloat16(data) : data;
        options.onWeight?.(name, byteLength);
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      },
    });
  };

  /** Linear layers as [in, out] for MatMul, several HF [out, in] weights side by side, each scaled. */
  const linear = (name: string, parts: readonly { name: string; rows: number; scale?: number }[], inFeatures: number): string => {
    for (const part of parts) require(part.name, [part.rows, inFeatures]);
    const outFeatures = parts.reduce((n, p) => n + p.rows, 0);
    return weight(name, [inFeatures, outFeatures], () => {
      const out = new Float32Array(inFeatures * outFeatures);
      let column = 0;
      for (const part of parts) {
        const w = weights.read(part.name);
        const scale = part.scale ?? 1;
        for (let r = 0; r < part.rows; r++) {
          const row = r * inFeatures;
          for (let i = 0; i < inFeatures; i++) out[i * outFeatures + column + r] = w[row + i] * scale;
        }
        column += part.rows;
      }
      return out;
    });
  };

  /** Biases side by side; a part the checkpoint lacks is zero. Undefined when no part has a bias. */
  const bias = (name: string, parts: readonly { name: string; rows: number; scale?: number }[]): string | undefined => {
    if (!parts.some((p) => has(p.name))) return undefined;
    for (const part of parts) if (has(part.name)) require(part.name, [part.rows]);
    const total = parts.reduce((n, p) => n + p.rows, 0);
    return weight(name, [total], () => {
      const out = new Float32Array(total);
      let offset = 0;
      for (const part of parts) {
        if (has(part.name)) {
          const b = weights.read(part.name);
          for (let i = 0; i < part.rows; i++) out[offset + i] = b[i] * (part.scale ?? 1);
        }
        offset += part.rows;
      }
      return out;
    });
  };

  const vector = (name: string, length: number): string => {
    require(name, [length]);
    return weight(name, [length], () => weights.read(name));
  };

  const linearApply = (x: string, w: string, b: string | undefined): string => {
    const y = g.matMul(x, w);
    return b ? g.add(y, b) : y;
  };

  const eps = g.float32s([spec.rmsNormEps], []);
  const two = g.float32s([2], []);
  const rmsNorm = (x: string, w: string): string => {
    const xf = F === 'float16' ? g.cast(x, 'float32') : x;
    const variance = g.reduceMean(g.pow(xf, two), [-1]);
    let y = g.div(xf, g.sqrt(g.add(variance, eps)));
    if (F === 'float16') y = g.cast(y, 'float16');
    return g.mul(y, w);
  };

  // Inputs ---------------------------------------------------------------------------------------
  const inputIds = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  // 'appended' graphs also take a prefix shared by every row (the prompt of forked particles):
  // prefix_key_values.N.key|value [1, kv_heads, prefix, head_dim], read once per step for all rows.
  const prefix: { key: string; value: string }[] = [];
  if (cacheOutputs === 'appended') {
    for (let i = 0; i < spec.numLayers; i++) {
      prefix.push({
        key: g.input(`prefix_key_values.${i}.key`, F, [1, Hkv, 'prefix_sequence_length', D]),
        value: g.input(`prefix_key_values.${i}.value`, F, [1, Hkv, 'prefix_sequence_length', D]),
      });
    }
  }
  const past: { key: string; value: string }[] = [];
  for (let i = 0; i < spec.numLayers; i++) {
    past.push({
      key: g.input(`past_key_values.${i}.key`, F, ['batch_size', Hkv, 'past_sequence_length', D]),
      value: g.input(`past_key_values.${i}.value`, F, ['batch_size', Hkv, 'past_sequence_length', D]),
    });
  }
  const logitsToKeep = g.input('num_logits_to_keep', 'int64', []);

  // Attention mask, shared by all layers: causal within the new tokens, padding from attention_mask.
  const queryCount = g.shape(inputIds, 1, 2);
  const keyCount = g.shape(attentionMask, 1, 2);
  const pastCount = g.sub(keyCount, queryCount);
  const one = g.int64Scalar(1);
  const zeroStart = g.int64s([0]);
  const lastAxis = g.int64s([-1]);
  const keyPositions = g.range(g.int64Scalar(0), g.squeeze(keyCount, [0]), one);
  const queryPositions = g.range(g.squeeze(pastCount, [0]), g.squeeze(keyCount, [0]), one);
  const keyRow = g.unsqueeze(keyPositions, [0]);
  const queryColumn = g.unsqueeze(queryPositions, [1]);
  const causal = g.lessOrEqual(keyRow, queryColumn);
  const padding = g.unsqueeze(g.cast(attentionMask, 'bool'), [1, 2]);
  const allowed = g.and(causal, padding);
  const toScores = (ok: string): string => {
    const scores = g.where(ok, g.float32s([0], []), g.float32s([MASKED_SCORE], []));
    return nRep > 1 ? g.tile(scores, [1, 1, nRep, 1]) : scores;
  };
  const fullMask = toScores(allowed);
  let windowMask: string | undefined;
  if (spec.slidingWindow !== undefined) {
    let inWindow: string;
    if (cacheOutputs === 'present') {
      // In the right-aligned layout a row's tokens are contiguous, so padded distance = token distance.
      inWindow = g.less(g.sub(queryColumn, keyRow), g.int64Scalar(spec.slidingWindow));
    } else {
      // In the slab layout the past slot j holds position j but the new tokens come after the whole
      // capacity, so distances come from positions: slots for the past, position_ids for the new keys.
      const batchAndPast = g.concat([g.shape(inputIds, 0, 1), pastCount], 0);
      const pastPositions = g.op('Expand', [g.unsqueeze(g.range(g.int64Scalar(0), g.squeeze(pastCount, [0]), one), [0]), batchAndPast]);
      const keyPositionsByRow = g.concat([pastPositions, positionIds], 1);
      const distance = g.sub(g.unsqueeze(positionIds, [2]), g.unsqueeze(keyPositionsByRow, [1]));
      inWindow = g.unsqueeze(g.less(distance, g.int64Scalar(spec.slidingWindow)), [1]);
    }
    windowMask = toScores(g.and(allowed, inWindow));
  }

  // Rotary embedding tables for this forward's positions, shared by all layers.
  const invFreq = g.float32s(Array.from(spec.invFreq), [D / 2]);
  const freqs = g.mul(g.unsqueeze(g.cast(positionIds, 'float32'), [2]), invFreq);
  const halfCos = g.cos(freqs);
  const halfSin = g.sin(freqs);
  const toF = (x: string): string => (F === 'float16' ? g.cast(x, 'float16') : x);
  const cos = toF(g.unsqueeze(g.concat([halfCos, halfCos], -1), [1]));
  const signedSin = toF(g.unsqueeze(g.concat([g.neg(halfSin), halfSin], -1), [1]));
  const rope = (x: string): string => {
    const [x1, x2] = g.split(x, [D / 2, D / 2], -1);
    return g.add(g.mul(x, cos), g.mul(g.concat([x2, x1], -1), signedSin));
  };

  // Layers ---------------------------------------------------------------------------------------
  require('model.embed_tokens.weight', [V, hidden]);
  const embed = weight('model.embed_tokens.weight', [V, hidden], () => weights.read('model.embed_tokens.weight'));
  let x = g.gather(embed, inputIds);
  const qScale = 1 / Math.sqrt(D);

  for (let i = 0; i < spec.numLayers; i++) {
    const p = `model.layers.${i}`;
    const attention = `${p}.self_attn`;
    const qkvParts = [
      { name: `${attention}.q_proj.weight`, rows: qDim, scale: qScale },
      { name: `${attention}.k_proj.weight`, rows: kvDim },
      { name: `${attention}.v_proj.weight`, rows: kvDim },
    ];
    const qkvBiasParts = qkvParts.map((part) => ({ ...part, name: part.name.replace(/weight$/, 'bias') }));
    const qkvWeight = linear(`${attention}.qkv_proj.weight`, qkvParts, hidden);
    const qkvBias = bias(`${attention}.qkv_proj.bias`, qkvBiasParts);
    const outWeight = linear(`${attention}.o_proj.weight`, [{ name: `${attention}.o_proj.weight`, rows: hidden }], qDim);
    const outBias = bias(`${attention}.o_proj.bias`, [{ name: `${attention}.o_proj.bias`, rows: hidden }]);
    const mlp = `${p}.mlp`;
    const gateUp = linear(
      `${mlp}.gate_up_proj.weight`,
      [
        { name: `${mlp}.gate_proj.weight`, rows: ffn },
        { name: `${mlp}.up_proj.weight`, rows: ffn },
      ],
      hidden,
    );
    const gateUpBias = bias(`${mlp}.gate_up_proj.bias`, [
      { name: `${mlp}.gate_proj.bias`, rows: ffn },
      { name: `${mlp}.up_proj.bias`, rows: ffn },
    ]);
    const down = linear(`${mlp}.down_proj.weight`, [{ name: `${mlp}.down_proj.weight`, rows: hidden }], ffn);
    const downBias = bias(`${mlp}.down_proj.bias`, [{ name: `${mlp}.down_proj.bias`, rows: hidden }]);

    // Attention block.
    const h = rmsNorm(x, vector(`${p}.input_layernorm.weight`, hidden));
    const [qk, v] = g.split(linearApply(h, qkvWeight, qkvBias), [qDim + kvDim, kvDim], -1);
    const heads = (t: string, count: number): string => g.transpose(g.reshape(t, [0, 0, count, D]), [0, 2, 1, 3]);
    // RoPE once over the query and key heads together (one set of rotation ops per layer, not two).
    const [qRot, kRot] = g.split(rope(heads(qk, H + Hkv)), [H, Hkv], 1);
    const vNew = heads(v, Hkv);
    const grouped = nRep > 1 ? g.reshape(qRot, [0, Hkv, -1, D]) : qRot;
    const keyScores = (keys: string): string => g.matMul(grouped, g.transpose(keys, [0, 1, 3, 2]));
    const sliding = windowMask !== undefined && i >= spec.firstSlidingLayer;
    const attend = (scores: string): string => {
      if (F === 'float16') scores = g.cast(scores, 'float32');
      const probs = g.softmax(g.add(scores, sliding ? windowMask! : fullMask), -1);
      return F === 'float16' ? g.cast(probs, 'float16') : probs;
    };
    let context: string;
    if (cacheOutputs === 'present') {
      const appendToCache = (cache: string, t: string, name: string): string =>
        g.node('Concat', [cache, t], { attributes: { axis: attr.int(2) }, outputs: [name] })[0];
      const presentKey = appendToCache(past[i].key, kRot, `present.${i}.key`);
      const presentValue = appendToCache(past[i].value, vNew, `present.${i}.value`);
      context = g.matMul(attend(keyScores(presentKey)), presentValue);
    } else {
      // The past and the new keys are scored apart and only the scores are concatenated: nothing here
      // copies the cache, so a step costs what attention reads, not batch x context of writes.
      g.node('Identity', [kRot], { outputs: [`appended.${i}.key`] });
      g.node('Identity', [vNew], { outputs: [`appended.${i}.value`] });
      // Key order: the shared prefix, the rows' own past, the new tokens (attention_mask covers all
      // three). The prefix is one [1, ...] tensor that MatMul broadcasts over the rows.
      const prefixCount = g.shape(prefix[i].key, 2, 3);
      // Against the prefix every row's queries form one matrix ([kv_heads, rows x queries, D]), so
      // each KV head's prefix is one GEMM for all rows instead of one small GEMM per row.
      // Shapes spelled out (no -1): a prefix of length 0 makes these tensors empty.
      const rowsTogether = (x: string): string =>
        g.reshape(g.transpose(x, [1, 0, 2, 3]), g.concat([g.int64s([1, Hkv]), g.mul(g.shape(x, 0, 1), g.shape(x, 2, 3)), g.shape(x, 3, 4)], 0));
      const rowsApart = (x: string, like: string): string =>
        g.transpose(g.reshape(x, g.concat([g.int64s([Hkv]), g.shape(like, 0, 1), g.shape(like, 2, 3), g.shape(x, 3, 4)], 0)), [1, 0, 2, 3]);
      const prefixScores = rowsApart(g.matMul(rowsTogether(grouped), g.transpose(prefix[i].key, [0, 1, 3, 2])), grouped);
      const probs = attend(g.concat([prefixScores, keyScores(past[i].key), keyScores(kRot)], -1));
      const prefixProbs = g.slice(probs, zeroStart, prefixCount, lastAxis);
      const pastProbs = g.slice(probs, prefixCount, pastCount, lastAxis);
      const newProbs = g.slice(probs, pastCount, g.int64s([INT64_MAX]), lastAxis);
      const prefixContext = rowsApart(g.matMul(rowsTogether(prefixProbs), prefix[i].value), grouped);
      context = g.add(g.add(prefixContext, g.matMul(pastProbs, past[i].value)), g.matMul(newProbs, vNew));
    }
    if (nRep > 1) context = g.reshape(context, [0, H, -1, D]);
    context = g.reshape(g.transpose(context, [0, 2, 1, 3]), [0, 0, qDim]);
    x = g.add(x, linearApply(context, outWeight, outBias));

    // MLP block (SwiGLU).
    const h2 = rmsNorm(x, vector(`${p}.post_attention_layernorm.weight`, hidden));
    const [gate, up] = g.split(linearApply(h2, gateUp, gateUpBias), [ffn, ffn], -1);
    const activated = g.mul(g.mul(gate, g.sigmoid(gate)), up);
    x = g.add(x, linearApply(activated, down, downBias));
  }

  x = rmsNorm(x, vector('model.norm.weight', hidden));
  // Keep the last num_logits_to_keep positions (0 keeps all: -0 = 0 as a Slice start).
  const start = g.unsqueeze(g.neg(logitsToKeep), [0]);
  x = g.slice(x, start, g.int64s([INT64_MAX]), g.int64s([1]));

  let logits: string;
  if (spec.tiedEmbeddings || !has('lm_head.weight')) {
    if (!spec.tiedEmbeddings) {
      throw new ModelLoadError('checkpoint has no "lm_head.weight" and config.json does not set tie_word_embeddings', { path: weights.path });
    }
    const flat = g.reshape(x, [-1, hidden]);
    const outShape = g.concat([g.shape(x, 0, 2), g.int64s([V])], 0);
    logits = g.reshape(g.gemmTransB(flat, embed), outShape);
  } else {
    logits = g.matMul(x, linear('lm_head.weight', [{ name: 'lm_head.weight', rows: V }], hidden));
  }
  g.output(logits, 'logits', F, ['batch_size', 'kept_sequence_length', V]);
  for (let i = 0; i < spec.numLayers; i++) {
    for (const kind of ['key', 'value']) {
      const name = `${cacheOutputs}.${i}.${kind}`;
      g.output(name, name, F, ['batch_size', Hkv, cacheOutputs === 'present' ? 'total_sequence_length' : 'sequence_length', D]);
    }
  }
  return g.build();
}
