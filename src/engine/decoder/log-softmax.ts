import { FormworkError } from '../../errors.js';
import { float16ToFloat32 } from '../onnx/float16.js';

/** Sums the probability mass of all EOS ids into the first one (in logit space), the others -Inf. */
export function mergeEos(logits: Float64Array, eosIds: readonly number[]): void {
  if (eosIds.length < 2) return;
  let max = -Infinity;
  for (const id of eosIds) max = Math.max(max, logits[id]);
  if (max === -Infinity) return;
  let sum = 0;
  for (const id of eosIds) sum += Math.exp(logits[id] - max);
  for (const id of eosIds) logits[id] = -Infinity;
  logits[eosIds[0]] = max + Math.log(sum);
}

/** Numerically stable log-softmax in Float64. */
export function logSoftmaxInPlace(values: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  if (max === -Infinity) throw new RangeError('all logits are -Infinity');
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i] - max);
  const logZ = max + Math.log(sum);
  for (let i = 0; i < values.length; i++) values[i] -= logZ;
}

/**
 * One row of raw model logits (float32, or float16 bits) -> Decoder log-probabilities in `out`:
 * divided by the temperature, EOS ids merged, log-softmax in Float64. This runs on every row of every
 * step (B x V values), so it is three fused passes (convert + max, exp-sum, subtract); measured on
 * 16 x 8192 values: 0.16 ms + 1.35 ms + 0.06 ms, the exp pass being the floor. Math.max, not a
 * comparison, for the max: 3x faster here (no branch mispredictions on noisy logits).
 */
export function logitsToLogProbs(
  logits: Float32Array | Uint16Array,
  offset: number,
  out: Float64Array,
  temperature: number,
  eosIds: readonly number[],
): void {
  const width = out.length;
  let max = -Infinity;
  if (logits instanceof Uint16Array) {
    const row = float16ToFloat32(logits.subarray(offset, offset + width));
    for (let i = 0; i < width; i++) max = Math.max(max, (out[i] = row[i] / temperature));
  } else if (temperature === 1) {
    for (let i = 0; i < width; i++) max = Math.max(max, (out[i] = logits[offset + i]));
  } else {
    for (let i = 0; i < width; i++) max = Math.max(max, (out[i] = logits[offset + i] / temperature));
  }
  if (eosIds.length > 1) {
    mergeEos(out, eosIds);
    // The merged value is a logsumexp of the EOS logits, so it is at least each of them: the max
    // of the merged row is the old max or the merged value.
    max = Math.max(max, out[eosIds[0]]);
  }
  if (max === -Infinity) throw new RangeError('all logits are -Infinity');
  let sum = 0;
  for (let i = 0; i < width; i++) sum += Math.exp(out[i] - max);
  const logZ = max + Math.log(sum);
  if (!Number.isFinite(logZ)) throw new FormworkError('DECODER', `the model produced non-finite logits (log-normaliser ${logZ})`);
  for (let i = 0; i < width; i++) out[i] -= logZ;
}
