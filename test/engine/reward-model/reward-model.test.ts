import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewardFromLogits, RewardModel } from '../../../src/engine/reward-model/reward-model.js';
import { InputError, ModelLoadError } from '../../../src/errors.js';
import { runDeal } from '../../../src/sampler/alignment/deal.js';
import { weightedSum } from '../../../src/sampler/rewards/weighted-sum.js';
import { textReward } from '../../../src/sampler/rewards/reward.js';
import { hashedLogits, nextLogProbs, toyDecoder } from '../../sampler/toys.js';
import { ID, writeRewardModelFixture, type RewardModelFixture } from './reward-model-fixture.js';

let root: string;
let single: RewardModelFixture;
let multi: RewardModelFixture;
let paired: RewardModelFixture;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'formwork-rm-'));
  single = await writeRewardModelFixture(join(root, 'single'));
  multi = await writeRewardModelFixture(join(root, 'multi'), { classes: 3, labels: ['negative', 'neutral', 'positive'], seed: 5 });
  paired = await writeRewardModelFixture(join(root, 'paired'), { tokenTypes: true, seed: 9 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CLS = ID['[CLS]'];
const SEP = ID['[SEP]'];
/** Texts and the ids a BERT WordPiece tokenizer must give them (written by hand). */
const CASES: [string, number[]][] = [
  ['The cats sat on a mat.', [CLS, ID.the, ID.cat, ID['##s'], ID.sat, ID.on, ID.a, ID.mat, ID['.'], SEP]],
  ['good', [CLS, ID.good, SEP]],
  ['', [CLS, SEP]],
  ['A VERY bad story', [CLS, ID.a, ID.very, ID.bad, ID.story, SEP]],
  ['the zebra is good', [CLS, ID.the, ID['[UNK]'], ID.is, ID.good, SEP]],
];

describe('RewardModel', () => {
  it('scores texts exactly as the reference computation, batched and padded', async () => {
    const model = await RewardModel.load(single.dir, { batchSize: 2 });
    try {
      for (const [text, ids] of CASES) expect(model.encode(text).ids, text).toEqual(ids);
      const scores = await model.score(CASES.map(([text]) => text));
      expect(scores).toHaveLength(CASES.length);
      for (let i = 0; i < CASES.length; i++) expect(Math.abs(scores[i] - single.reference(CASES[i][1])[0]), CASES[i][0]).toBeLessThanOrEqual(1e-5);
      // Partial texts are scored as they are; one text alone gives the same score as inside a batch.
      const [alone] = await model.score([CASES[0][0]], { partial: true });
      expect(Math.abs(alone - scores[0])).toBeLessThanOrEqual(1e-6);
    } finally {
      await model.dispose();
    }
  });

  it('picks the reward column by label name or index, as a logit, probability or log-probability', async () => {
    const texts = CASES.map(([text]) => text);
    const softmax = (row: Float64Array, c: number) => Math.exp(row[c]) / row.reduce((s, x) => s + Math.exp(x), 0);
    const byName = await RewardModel.load(multi.dir, { label: 'positive', output: 'probability' });
    const byIndex = await RewardModel.load(multi.dir, { label: 0, output: 'log-probability' });
    const raw = await RewardModel.load(multi.dir, { label: 'Neutral' });
    try {
      expect(byName.labels).toEqual(['negative', 'neutral', 'positive']);
      const p = await byName.score(texts);
      const logp = await byIndex.score(texts);
      const logit = await raw.score(texts);
      for (let i = 0; i < texts.length; i++) {
        const reference = multi.reference(CASES[i][1]);
        expect(Math.abs(p[i] - softmax(reference, 2))).toBeLessThanOrEqual(1e-5);
        expect(Math.abs(logp[i] - Math.log(softmax(reference, 0)))).toBeLessThanOrEqual(1e-5);
        expect(Math.abs(logit[i] - reference[1])).toBeLessThanOrEqual(1e-5);
      }
    } finally {
      await Promise.all([byName.dispose(), byIndex.dispose(), raw.dispose()]);
    }
    await expect(RewardModel.load(multi.dir)).rejects.toThrow(/3 output columns \(negative, neutral, positive\)/);
    await expect(RewardModel.load(multi.dir, { label: 'happy' })).rejects.toThrow(InputError);
    await expect(RewardModel.load(multi.dir, { label: 3 })).rejects.toThrow(InputError);
  });

  it('reads prompt and answer as a segment pair, with segment ids', async () => {
    const model = await RewardModel.load(paired.dir);
    try {
      const encoding = model.encode('good story', 'the cat');
      expect(encoding.ids).toEqual([CLS, ID.the, ID.cat, SEP, ID.good, ID.story, SEP]);
      expect(encoding.typeIds).toEqual([0, 0, 0, 0, 1, 1, 1]);
      const [withPrompt, without] = [await model.score(['good story'], { prompt: 'the cat' }), await model.score(['good story'])];
      expect(Math.abs(withPrompt[0] - paired.reference(encoding.ids, encoding.typeIds)[0])).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(without[0] - paired.reference([CLS, ID.good, ID.story, SEP], [0, 0, 0, 0])[0])).toBeLessThanOrEqual(1e-5);
    } finally {
      await model.dispose();
    }
    // A custom input: the prompt prepended as one text.
    const joined = await RewardModel.load(paired.dir, { input: (text, prompt) => `${prompt ?? ''} ${text}` });
    try {
      const ids = [CLS, ID.the, ID.cat, ID.good, SEP];
      expect(joined.encode('good', 'the cat').ids).toEqual(ids);
      const [score] = await joined.score(['good'], { prompt: 'the cat' });
      expect(Math.abs(score - paired.reference(ids, [0, 0, 0, 0, 0])[0])).toBeLessThanOrEqual(1e-5);
    } finally {
      await joined.dispose();
    }
  });

  it('truncates long inputs on the chosen side', async () => {
    const right = await RewardModel.load(single.dir, { maxLength: 4 });
    const left = await RewardModel.load(single.dir, { maxLength: 4, truncation: 'left' });
    try {
      expect(right.encode('the cat sat on a mat').ids).toEqual([CLS, ID.the, ID.cat, ID.sat]);
      expect(left.encode('the cat sat on a mat').ids).toEqual([ID.on, ID.a, ID.mat, SEP]);
      const [score] = await left.score(['the cat sat on a mat']);
      expect(Math.abs(score - single.reference([ID.on, ID.a, ID.mat, SEP])[0])).toBeLessThanOrEqual(1e-5);
    } finally {
      await Promise.all([right.dispose(), left.dispose()]);
    }
  });

  it('is a Reward: weighted sums and DeAL use it (exhaustive search agrees with the reference scores)', async () => {
    const model = await RewardModel.load(single.dir, { name: 'rm' });
    try {
      const sum = weightedSum([
        { reward: model, weight: 2 },
        { reward: textReward('one', { final: () => 1 }), weight: 1 },
      ]);
      const [s] = await sum.score(['good story']);
      expect(Math.abs(s - (2 * single.reference([CLS, ID.good, ID.story, SEP])[0] + 1))).toBeLessThanOrEqual(1e-5);

      // A toy decoder over the words a, b, c (+ EOS 3), decoded with spaces; unbounded beam, 2 tokens.
      const logitsOf = hashedLogits(4, 21, 1);
      const words = ['a', 'b', 'c'];
      const decode = (tokens: readonly number[]) => tokens.map((t) => words[t]).join(' ');
      const lambda = 3;
      const r = await runDeal({ decoder: toyDecoder(logitsOf, 4, [3]), promptIds: [0], reward: model, decode, maxTokens: 2, beamWidth: Infinity, topK: Infinity, lookahead: 0, lambda });
      let best = { objective: -Infinity, tokens: [] as number[] };
      const sequences: number[][] = [[]];
      for (const a of [0, 1, 2]) sequences.push([a]);
      for (const a of [0, 1, 2]) for (const b of [0, 1, 2]) sequences.push([a, b]);
      for (const tokens of sequences) {
        const stopped = tokens.length < 2;
        let logp = 0;
        const steps = stopped ? [...tokens, 3] : tokens;
        for (let i = 0; i < steps.length; i++) logp += nextLogProbs(logitsOf, [0, ...tokens.slice(0, i)], [3])[steps[i]];
        const ids = [CLS, ...tokens.map((t) => ID[words[t]]), SEP];
        const objective = logp + lambda * single.reference(ids)[0];
        if (objective > best.objective) best = { objective, tokens };
      }
      expect(r.tokens).toEqual(best.tokens);
      expect(Math.abs(r.logWeight - best.objective)).toBeLessThanOrEqual(1e-4);
    } finally {
      await model.dispose();
    }
  });

  it('refuses directories that are not sequence classifiers', async () => {
    const strange = await writeRewardModelFixture(join(root, 'strange'), { strangeInput: true });
    await expect(RewardModel.load(strange.dir)).rejects.toThrow(/pixel_values/);
    const noTokenizer = await writeRewardModelFixture(join(root, 'no-tokenizer'));
    unlinkSync(join(noTokenizer.dir, 'tokenizer.json'));
    await expect(RewardModel.load(noTokenizer.dir)).rejects.toThrow(ModelLoadError);
    await expect(RewardModel.load(join(root, 'nowhere'))).rejects.toThrow(ModelLoadError);
    await expect(RewardModel.load(single.dir, { batchSize: 0 })).rejects.toThrow(InputError);
  });

  it('turns logits into rewards stably', () => {
    expect(rewardFromLogits([2], 0, 'logit')).toBe(2);
    expect(rewardFromLogits([0], 0, 'probability')).toBe(0.5);
    expect(rewardFromLogits([-800], 0, 'log-probability')).toBeCloseTo(-800, 9);
    expect(rewardFromLogits([800], 0, 'log-probability')).toBe(-0);
    expect(rewardFromLogits([1000, 0, 1000], 1, 'log-probability')).toBeCloseTo(-1000 - Math.log(2), 9);
    expect(rewardFromLogits([1, 2, 3], 2, 'probability')).toBeCloseTo(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), 14);
  });
});
