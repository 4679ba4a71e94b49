// Reward-guided decoding-time alignment: the public surface generate(), the CLI and benchmarks use.
export { runDeal } from './deal.js';
export type { DealOptions, DealResult, DealStep, DealCandidate } from './deal.js';
export { runTransferQStar, estimateQ } from './transfer-q-star.js';
export type { TransferQStarOptions, TransferQStarResult, TqStep, TqCandidate, Transfer } from './transfer-q-star.js';
export type { AlignmentOptions, AlignmentResult, AlignmentUsage } from './alignment-run.js';
export { TrackedDecoder } from './tracked-decoder.js';
