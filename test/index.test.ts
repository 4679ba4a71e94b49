import { describe, expect, it } from 'vitest';
import { vocabularyFromBytes } from '../src/grammar/vocab/token-vocabulary.js';
import * as formwork from '../src/index.js';

/**
 * The public entry ('formwork'). Its runtime exports are pinned here, as a ratchet: adding or removing
 * a public name is a visible diff of this list, decided on purpose (src/index.ts says what each group
 * is for). Types are checked by tsc, not here.
 */
const PUBLIC_NAMES = [
  // Typed generation and models
  'generate',
  'streamGenerate',
  'PartialJsonParser',
  'isPartialOf',
  'Model',
  'loadModel',
  'disposeSharedModels',
  'describeDefaultModel',
  'ChatTemplate',
  'jsonSchemaPrompt',
  'convertCheckpoint',
  // Rewards and reward-guided search
  'textReward',
  'keywordCoverage',
  'lengthTarget',
  'regexMatch',
  'jsonValidity',
  'weightedSum',
  'RewardModel',
  'runDeal',
  'runTransferQStar',
  // Errors
  'FormworkError',
  'CompileError',
  'GrammarError',
  'RegexError',
  'ModelLoadError',
  'AbortError',
  'LimitError',
  'InputError',
  'IncompleteOutputError',
  'NoValidOutputError',
  // Building blocks
  'compileJsonSchema',
  'jsonSchemaAutomaton',
  'compileGrammar',
  'compileRegex',
  'createTokenAutomaton',
  'loadVocabulary',
  'OnnxDecoder',
  'FunctionDecoder',
  'runSampler',
  'automatonPotential',
  'textPredicate',
  'textCritic',
  'jsonPredicate',
  'product',
  'SeededRandom',
  // Text-to-SQL and the HTTP service
  'sql',
  'DEFAULT_ALIASES',
  'SqlDatabase',
  'ReadOnlyDatabase',
  'executionPotential',
  'executionReward',
  'executes',
  'sameResult',
  'compileSqlGrammar',
  'sqlGrammarSource',
  'sqlGrammarIR',
  'FormworkService',
  'DatabaseRegistry',
];

describe("the public entry, 'formwork'", () => {
  it('exports exactly the pinned names, each defined', () => {
    expect(Object.keys(formwork).sort()).toEqual([...PUBLIC_NAMES].sort());
    for (const name of PUBLIC_NAMES) expect(formwork[name as keyof typeof formwork], name).toBeDefined();
  });

  it('builds a custom pipeline from public names: a regex constraint, a text predicate, SMC, a seeded PRNG', async () => {
    // Token 0 = EOS, 1 + b = byte b; the model prefers 'a' to 'b' 3 : 1, then ends.
    const vocabulary = vocabularyFromBytes([new Uint8Array(0), ...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b))], { eosIds: [0] });
    const decoder = new formwork.FunctionDecoder(
      (prefix) => {
        const logits = new Float64Array(257).fill(-30);
        if (prefix.length === 1) [logits[1 + 97], logits[1 + 98]] = [Math.log(3), 0];
        else logits[0] = 0;
        return logits;
      },
      { vocabSize: 257, eosIds: [0] },
    );
    const constraint = formwork.createTokenAutomaton(formwork.compileRegex('[ab]'), vocabulary);
    // A monotone prefix check refuses 'a' at its token; the complete check confirms at EOS.
    const onlyB = formwork.textPredicate({ complete: (text) => text === 'b', prefix: (text) => 'b'.startsWith(text) }, { vocabulary });
    const run = await formwork.runSampler({
      decoder,
      promptIds: [1],
      constraint,
      potentials: [onlyB],
      sampler: 'smc',
      // Full masks: each particle's weight is then the exact mass the constraint keeps (AWRS estimates it).
      proposal: 'masked',
      particles: 4,
      maxTokens: 4,
      random: new formwork.SeededRandom(3),
      decode: (tokens) => vocabulary.decode(tokens),
    });
    // The predicate is part of the target: every particle says 'b', and Z, the mass it keeps, is p(b) = 1/4.
    expect(vocabulary.decode(run.tokens)).toBe('b');
    expect(run.posterior).toEqual([{ text: 'b', probability: 1 }]);
    expect(Math.exp(run.logZ!)).toBeCloseTo(0.25, 6);
  });
});
