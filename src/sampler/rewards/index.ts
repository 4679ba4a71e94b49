// Rewards over decoded text: what DeAL, Transfer Q* and best-of-N maximise. Rewards that need the
// engine live with it (data flows grammar -> sampler -> engine): the ONNX reward model in
// src/engine/reward-model/, SQL executability (executionReward) in src/engine/sql/.
export { textReward, scoreTexts } from './reward.js';
export type { Reward, RewardCall, TextScore } from './reward.js';
export { keywordCoverage } from './keyword-coverage.js';
export type { KeywordCoverageOptions } from './keyword-coverage.js';
export { lengthTarget, countWords } from './length-target.js';
export type { LengthTargetOptions } from './length-target.js';
export { regexMatch } from './regex-match.js';
export type { RegexMatchOptions } from './regex-match.js';
export { jsonValidity } from './json-validity.js';
export type { JsonValidityOptions } from './json-validity.js';
export { weightedSum } from './weighted-sum.js';
export type { WeightedTerm } from './weighted-sum.js';
