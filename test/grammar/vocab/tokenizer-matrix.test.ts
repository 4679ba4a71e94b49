import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { loadVocabulary } from '../../../src/grammar/vocab/load-vocabulary.js';
import { sharedData, skipUnlessSharedData } from '../../support/shared-data.js';
import { randomInt, rng } from '../automaton/fixtures.js';
import { MIXED_CORPUS } from './tiny-tokenizers.js';

const enc = new TextEncoder();

interface Case {
  readonly name: 'gpt2' | 'llama2' | 'llama3';
  readonly tokenCount: number;
  readonly eosIds: readonly number[];
  readonly helloWorld: readonly number[];
  readonly spelling: string;
  /** [id, exact bytes] pairs that decode([id]) gets wrong or that pin the spelling rules. */
  readonly bytes: readonly [number, readonly number[]][];
  readonly specials: readonly number[];
}

const CASES: readonly Case[] = [
  {
    name: 'gpt2',
    tokenCount: 50257,
    eosIds: [50256],
    helloWorld: [15496, 995],
    spelling: 'byte-level',
    bytes: [
      [198, [0x0a]],
      [220, [0x20]],
      [995, [...enc.encode(' world')]],
      [447, [0xe2, 0x80]], // 'âĢ': the first two bytes of a 3-byte character
    ],
    specials: [50256],
  },
  {
    name: 'llama2',
    tokenCount: 32000,
    eosIds: [2],
    helloWorld: [15043, 3186],
    spelling: 'sentencepiece',
    bytes: [
      [13, [0x0a]], // <0x0A>
      [29871, [0x20]], // ▁
      [3186, [...enc.encode(' world')]],
      [258, [0xff]], // <0xFF>
      [259, [0x20, 0x20]], // ▁▁
    ],
    specials: [0, 1, 2],
  },
  {
    name: 'llama3',
    tokenCount: 128256,
    eosIds: [128009],
    helloWorld: [9906, 1917],
    spelling: 'byte-level',
    bytes: [
      [198, [0x0a]],
      [1917, [...enc.encode(' world')]],
      [271, [0x0a, 0x0a]],
    ],
    specials: [128000, 128001, 128009, 128255],
  },
];

for (const c of CASES) {
  describe.skipIf(skipUnlessSharedData(`tokenizers/${c.name}`))(`tokenizer matrix: ${c.name}`, () => {
    const dir = sharedData(`tokenizers/${c.name}`);
    const vocabulary = loadVocabulary(dir);

    it('has the expected size, spelling, EOS and special ids', () => {
      expect(vocabulary.tokenCount).toBe(c.tokenCount);
      expect(vocabulary.size).toBe(c.tokenCount);
      expect(vocabulary.spelling).toBe(c.spelling);
      expect(vocabulary.eosIds).toEqual(c.eosIds);
      for (const id of c.specials) {
        expect(vocabulary.isSpecial(id)).toBe(true);
        expect(vocabulary.tokenBytes(id).length).toBe(0);
      }
      for (const [id, bytes] of c.bytes) expect([...vocabulary.tokenBytes(id)], `token ${id}`).toEqual(bytes);
      expect(vocabulary.trie.tokenCount).toBe(c.tokenCount - c.specials.length - (c.name === 'llama3' ? 252 : 0));
    });

    it('encodes "Hello world" to the known ids', () => {
      if (c.name === 'llama2') {
        // The model's tokenizer prepends ▁ to a document; `encode` tokenizes text as it appears
        // mid-document (no prefix space), so the known ids come from " Hello world".
        expect(vocabulary.encodePrompt('Hello world', { addSpecialTokens: false })).toEqual(c.helloWorld);
        expect(vocabulary.encodePrompt('Hello world')).toEqual([1, ...c.helloWorld]);
        expect(vocabulary.encode(' Hello world')).toEqual(c.helloWorld);
        expect(vocabulary.encode('Hello world')).toEqual([10994, 3186]);
      } else {
        expect(vocabulary.encode('Hello world')).toEqual(c.helloWorld);
      }
    });

    it('gives token bytes that concatenate to exactly the UTF-8 bytes of every corpus text', () => {
      for (const text of MIXED_CORPUS) {
        const ids = vocabulary.encode(text);
        const bytes = ids.flatMap((id) => [...vocabulary.tokenBytes(id)]);
        expect(bytes, JSON.stringify(text)).toEqual([...enc.encode(text)]);
        expect(ids.some((id) => vocabulary.isSpecial(id))).toBe(false);
        expect(vocabulary.decode(ids)).toBe(text);
      }
    });

    it('agrees with the tokenizer decode wherever a token is whole UTF-8 text', () => {
      const tokenizer = new Tokenizer(
        JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')),
        JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')),
      );
      const strict = new TextDecoder('utf-8', { fatal: true });
      const random = rng(c.tokenCount);
      let compared = 0;
      for (let k = 0; k < 3000; k++) {
        const id = randomInt(random, c.tokenCount);
        if (vocabulary.isSpecial(id)) continue;
        let text: string;
        try {
          text = strict.decode(vocabulary.tokenBytes(id));
        } catch {
          continue;
        }
        // Decode after a fixed token so SentencePiece's "strip the leading space" applies to it, not to id.
        const anchor = c.name === 'llama2' ? 29874 : vocabulary.encode('a')[0]; // "a"
        const decoded = tokenizer.decode([anchor, id], { clean_up_tokenization_spaces: false });
        expect(decoded, `token ${id}`).toBe('a' + text);
        compared++;
      }
      expect(compared).toBeGreaterThan(1500);
    });
  });
}
