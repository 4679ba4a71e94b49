import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGrammarBench } from '../../bench/grammar.js';
import { tinyByteLevelTokenizer } from '../grammar/vocab/tiny-tokenizers.js';

describe('the grammar bench (bench/grammar.ts) on a tiny tokenizer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'formwork-grammar-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tinyByteLevelTokenizer(['{"', '":', 'true', 'null', ', "'])));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|endoftext|>' }));
  const corpus = join(dir, 'corpus.json');
  writeFileSync(corpus, JSON.stringify(['{"a": true, "b": [1, 2.5e3, null]}', '["x", {"y": "z\\n"}]']));
  const result = runGrammarBench({ grammar: 'schemas/grammars/json.gbnf', tokenizer: dir, corpus });

  it('forces every document through json.gbnf: every token in its mask, EOS at each end', () => {
    expect(result.documents).toBe(2);
    expect(result.rejectedTokens).toBe(0);
    expect(result.rejectedEnds).toBe(0);
    // A mask before every token and one at each document's end.
    expect(result.masks).toBe(result.tokens + 2);
  });

  it('reports the process\'s first pass (the JIT warm-up) apart from pass 1, unless told not to warm up', () => {
    expect(result.warmup).toBe(true);
    const first = result.firstPass!;
    expect(first.masks).toBe(result.masks);
    expect(first.rejectedTokens + first.rejectedEnds).toBe(0);
    // Both passes start from an empty mask cache: the same masks are computed in each.
    expect(first.computedMasks).toBe(result.computedMasks);
    const cold = runGrammarBench({ grammar: 'schemas/grammars/json.gbnf', tokenizer: dir, corpus, warmup: false });
    expect(cold.warmup).toBe(false);
    expect(cold.firstPass).toBeUndefined();
    expect(cold.computedMasks).toBe(result.computedMasks);
  });

  it('records the Node flags it ran with, without the loader', () => {
    for (const flag of result.nodeFlags) expect(process.execArgv).toContain(flag);
    expect(result.nodeFlags.some((f) => /^--(import|require|loader)\b/.test(f))).toBe(false);
    if (process.execArgv.includes('--expose-gc')) expect(result.nodeFlags).toContain('--expose-gc');
  });

  it('reports the vocabulary memory only when it can force collections around the load', () => {
    const canCollect = typeof (globalThis as { gc?: unknown }).gc === 'function';
    if (canCollect) expect(result.vocabMB).toBeGreaterThanOrEqual(0);
    else expect(result.vocabMB).toBeNull();
  });
});
