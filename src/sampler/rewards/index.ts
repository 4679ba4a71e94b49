// Rewards over decoded text: what DeAL, Transfer Q* and best-of-N maximise. The ONNX reward model
// (a Reward too) lives in src/engine/reward-model/.
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
export { ReadOnlyDatabase } from './read-only-database.js';
export type { DatabaseSource, QueryResult, SqlValue, ExecuteOptions } from './read-only-database.js';
export { sqlExecutability } from './sql-executability.js';
export type { SqlExecutabilityOptions } from './sql-executability.js';
export { weightedSum } from './weighted-sum.js';
export type { WeightedTerm } from './weighted-sum.js';
