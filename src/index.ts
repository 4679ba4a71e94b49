/**
 * formwork's public surface. Everything else is internal and free to change.
 *
 *   import { generate } from 'formwork';
 *   const { value } = await generate({ schema: { type: 'object', properties: { n: { type: 'integer' } } } as const, prompt: '...' });
 *
 * The Vercel AI SDK provider lives at 'formwork/ai-sdk': its `ai` (6.x) and `@ai-sdk/provider` (3.x) are
 * optional peer dependencies, installed by the users of that entry only.
 */

// Typed generation
export { generate } from './engine/generate/generate.js';
export { streamGenerate } from './engine/generate/stream.js';
export type { GenerateStream, StreamPart } from './engine/generate/stream.js';
export type {
  GenerateSettings,
  SchemaGenerateOptions,
  GrammarGenerateOptions,
  RegexGenerateOptions,
  TextGenerateOptions,
  SearchOptions,
  DealSearch,
  TransferQStarSearch,
} from './engine/generate/generate-options.js';
export type { GenerateResult, GenerateUsage, GenerateFinishReason, ParticleOutput } from './engine/generate/generate-result.js';
export type { GrammarSpec, JsonOutputOptions } from './engine/generate/constraint.js';
export type { DeepPartial, InferSchema, SchemaInput, JSONSchema, JSONSchemaType, FromSchema } from './engine/generate/schema-types.js';
export { PartialJsonParser, isPartialOf } from './engine/generate/partial-json.js';

// Models
export { Model, loadModel, disposeSharedModels } from './engine/generate/model.js';
export type { LoadModelOptions, ModelParts, PromptOptions, PromptVocabulary } from './engine/generate/model.js';
export { describeDefaultModel } from './engine/default-model.js';
export { ChatTemplate } from './engine/chat-template.js';
export type { ChatMessage, ChatRole } from './engine/prompts/chat-format.js';
export { jsonSchemaPrompt } from './engine/prompts/json-schema-prompt.js';
export { convertCheckpoint } from './engine/convert/convert-checkpoint.js';
export type { ConvertOptions, ConvertProgress, ConvertResult } from './engine/convert/convert-checkpoint.js';

// Rewards and reward-guided search: generate({ search: { kind: 'deal' | 'tqstar', reward } }), or
// runDeal / runTransferQStar on a decoder of your own. SQL executability is executionReward (below).
export { textReward, keywordCoverage, lengthTarget, regexMatch, jsonValidity, weightedSum } from './sampler/rewards/index.js';
export type {
  Reward,
  RewardCall,
  TextScore,
  KeywordCoverageOptions,
  LengthTargetOptions,
  RegexMatchOptions,
  JsonValidityOptions,
  WeightedTerm,
} from './sampler/rewards/index.js';
export { RewardModel } from './engine/reward-model/index.js';
export type { RewardModelOptions } from './engine/reward-model/index.js';
export { runDeal, runTransferQStar } from './sampler/alignment/index.js';
export type { DealOptions, DealResult, TransferQStarOptions, TransferQStarResult, AlignmentUsage } from './sampler/alignment/index.js';

// Errors
export {
  FormworkError,
  CompileError,
  GrammarError,
  RegexError,
  ModelLoadError,
  AbortError,
  LimitError,
  InputError,
} from './errors.js';
export { IncompleteOutputError, NoValidOutputError } from './engine/generate/output-errors.js';

// Building blocks, for custom pipelines
export { compileJsonSchema, jsonSchemaAutomaton } from './grammar/jsonschema/index.js';
export type { CompiledJsonSchema, JsonSchemaOptions } from './grammar/jsonschema/index.js';
export { compileGrammar } from './grammar/cfg/index.js';
export { compileRegex } from './grammar/regex/index.js';
export { createTokenAutomaton } from './grammar/automaton/trie-token-automaton.js';
export type { TokenAutomaton } from './grammar/automaton/token-automaton.js';
export type { ByteMachine } from './grammar/automaton/byte-machine.js';
export { loadVocabulary } from './grammar/vocab/load-vocabulary.js';
export type { Vocabulary } from './grammar/vocab/vocabulary.js';
export { OnnxDecoder } from './engine/decoder/onnx-decoder.js';
export { FunctionDecoder } from './engine/decoder/function-decoder.js';
export type { Decoder, SequenceHandle } from './engine/decoder/decoder.js';
export { runSampler } from './sampler/run-sampler.js';
export type { RunSamplerOptions, RunSamplerResult, SamplerKind } from './sampler/run-sampler.js';
// Potentials: what runSampler's (and the searches') `potentials` take. Boolean ones join the
// constraint, weighted ones (critics) twist SMC; product() multiplies them.
export type { Potential } from './sampler/potential/potential.js';
export { automatonPotential } from './sampler/potential/automaton-potential.js';
export { textPredicate, textCritic, jsonPredicate } from './sampler/potential/text-potential.js';
export type { TextPotentialOptions } from './sampler/potential/text-potential.js';
export { product } from './sampler/potential/product.js';
export { SeededRandom } from './sampler/random.js';
export type { Random } from './sampler/random.js';

// Text-to-SQL backend and HTTP service
export { sql, DEFAULT_ALIASES, SqlDatabase, ReadOnlyDatabase, executionPotential, executionReward, executes, sameResult } from './engine/sql/index.js';
export type { SqlOptions, SqlResult, ExecutionRewardOptions } from './engine/sql/index.js';
export { compileSqlGrammar, sqlGrammarSource, sqlGrammarIR } from './grammar/sql/index.js';
export { FormworkService, DatabaseRegistry } from './engine/serve/index.js';
