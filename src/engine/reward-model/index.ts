// ONNX sequence-classification reward models: a Reward (src/sampler/rewards) with its own tokenizer.
export { RewardModel, rewardFromLogits } from './reward-model.js';
export type { RewardModelOptions } from './reward-model.js';
export { RewardTokenizer } from './reward-tokenizer.js';
export type { RewardEncoding, RewardBatch, RewardTokenizerOptions } from './reward-tokenizer.js';
