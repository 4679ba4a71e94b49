// The public surface of the samplers: what generate(), the CLI, benchmarks and other engineers use.
export { runSampler, posterior } from './run-sampler.js';
export type { RunSamplerOptions, RunSamplerResult, RunSamplerUsage, SamplerKind, PosteriorEntry } from './run-sampler.js';

export { smc } from './smc/smc.js';
export type { SmcOptions, SmcResult, Particle, FinishReason } from './smc/smc.js';
export { resample, effectiveSampleSize, logMeanExp, RESAMPLING_SCHEMES } from './smc/resampling.js';
export type { ResamplingScheme } from './smc/resampling.js';

export { AwrsSampler } from './token/awrs.js';
export type { AwrsEstimator, AwrsOptions } from './token/awrs.js';
export { MaskedSampler } from './token/masked.js';
export type { MaskedOptions } from './token/masked.js';
export { GreedySampler } from './token/greedy.js';
export { newUsage } from './token/token-sampler.js';
export type { TokenSampler, TokenDraw, SamplerUsage } from './token/token-sampler.js';
export type { Truncation } from './token/truncation.js';

export { allowsToken, stateOf, prefixOf, completeOf, logwNextAt, logwNextOf } from './potential/potential.js';
export type { Potential } from './potential/potential.js';
export { product } from './potential/product.js';
export { scaled } from './potential/scaled.js';
export { coerce, coerceBytes, byteMachinePotential, BYTE_EOS } from './potential/coerce.js';
export { AutomatonPotential, automatonPotential } from './potential/automaton-potential.js';
export { textPredicate, textCritic, jsonPredicate, TextState } from './potential/text-potential.js';
export type { TextPotentialOptions } from './potential/text-potential.js';

export { SeededRandom, WeightsDiscrete, GeometricDiscrete, NegativeBinomial2Discrete } from './random.js';
export type { Random, Discrete } from './random.js';
export { enumeratePaths, expectation } from './enumerate-paths.js';
export type { Path, EnumerateOptions } from './enumerate-paths.js';
export { SumTree } from './sum-tree.js';
export { TokenUrn, DEFAULT_TAIL } from './token/token-urn.js';
export type { TailOptions } from './token/token-urn.js';
