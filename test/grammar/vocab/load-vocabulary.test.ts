import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, ModelLoadError } from '../../../src/errors.js';
import { loadVocabulary, vocabularyFromTokenizerJson } from '../../../src/grammar/vocab/load-vocabulary.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import { randomInt, rng } from '../automaton/fixtures.js';
import { byteLevelSpelling, MIXED_CORPUS, tinyByteLevelTokenizer, tinySentencePieceTokenizer } from './tiny-tokenizers.js';

const enc = new TextEncoder();
const WORDS = ['Hello', ' world', ' the', '{"', '":', ' "', '  ', '\n\n', '日本', ' 😀', 'é'];

function concatBytes(vocabulary: { tokenBytes(id: number): Uint8Array }, ids: readonly number[]): number[] {
  return ids.flatMap((id) => [...vocabulary.tokenBytes(id)]);
}

describe('byte-level BPE vocabulary (self-made tokenizer.json)', () => {
  const json = tinyByteLevelTokenizer(WORDS);
  const vocabulary = vocabularyFromTokenizerJson(json);
  const eos = vocabulary.tokenCount - 2;
  const tool = vocabulary.tokenCount - 1;

  it('derives exact bytes from the byte-level alphabet', () => {
    expect(vocabulary.spelling).toBe('byte-level');
    for (let b = 0; b < 256; b++) expect([...vocabulary.tokenBytes(b)]).toEqual([b]);
    const vocab = json.model.vocab as Record<string, number>;
    expect([...vocabulary.tokenBytes(vocab['Ġworld'])]).toEqual([...enc.encode(' world')]);
    // A merge in the middle of a character: ' ' + the first 3 of the 4 bytes of 😀 (F0 9F 98 80).
    expect([...vocabulary.tokenBytes(vocab[byteLevelSpelling(' 😀').slice(0, 4)])]).toEqual([0x20, 0xf0, 0x9f, 0x98]);
  });

  it('treats special added tokens as special and non-special ones as literal text', () => {
    expect(vocabulary.isSpecial(eos)).toBe(true);
    expect(vocabulary.tokenBytes(eos).length).toBe(0);
    expect(vocabulary.specialText(eos)).toBe('<|endoftext|>');
    expect(vocabulary.eosIds).toEqual([eos]); // no config: the well-known <|endoftext|>
    expect(vocabulary.isSpecial(tool)).toBe(false);
    expect(new TextDecoder().decode(vocabulary.tokenBytes(tool))).toBe('<tool>');
    expect(vocabulary.encode('a<tool>b')).toEqual([0x61, tool, 0x62]);
  });

  it('encodes every corpus text to tokens whose bytes are exactly its UTF-8 bytes', () => {
    for (const text of MIXED_CORPUS) {
      const ids = vocabulary.encode(text);
      expect(concatBytes(vocabulary, ids), JSON.stringify(text)).toEqual([...enc.encode(text)]);
      expect(vocabulary.decode(ids)).toBe(text);
    }
    const vocab = json.model.vocab as Record<string, number>;
    expect(vocabulary.encode('Hello world')).toEqual([vocab['Hello'], vocab['Ġworld']]);
  });

  it('tokenizes special-token strings in text as text, but recognises them in prompts', () => {
    const ids = vocabulary.encode('x<|endoftext|>');
    expect(ids).not.toContain(eos);
    expect(vocabulary.decode(ids)).toBe('x<|endoftext|>');
    expect(vocabulary.encodePrompt('x<|endoftext|>')).toContain(eos);
  });

  it('builds a trie over the text tokens only', () => {
    const { trie } = vocabulary;
    expect(trie.tokenCount).toBe(vocabulary.tokenCount - 1);
    expect([...trie.tokenIds]).not.toContain(eos);
    expect([...trie.tokenIds]).toContain(tool);
  });
});

describe('SentencePiece vocabulary (self-made, byte fallback, Prepend normalizer)', () => {
  const json = tinySentencePieceTokenizer(['Hello', ' world', ' the', '{"', 'é', 'ab']);
  const vocabulary = vocabularyFromTokenizerJson(json, { eos_token: '</s>' });
  const vocab = json.model.vocab as Record<string, number>;

  it('maps ▁ to a space and <0xNN> to byte NN', () => {
    expect(vocabulary.spelling).toBe('sentencepiece');
    expect([...vocabulary.tokenBytes(vocab['▁'])]).toEqual([0x20]);
    expect([...vocabulary.tokenBytes(vocab['▁world'])]).toEqual([...enc.encode(' world')]);
    expect([...vocabulary.tokenBytes(vocab['<0x0A>'])]).toEqual([0x0a]);
    expect([...vocabulary.tokenBytes(vocab['<0xE6>'])]).toEqual([0xe6]);
    expect([...vocabulary.tokenBytes(vocab['é'])]).toEqual([0xc3, 0xa9]);
    for (const id of [0, 1, 2]) expect(vocabulary.isSpecial(id)).toBe(true);
    expect(vocabulary.eosIds).toEqual([2]);
  });

  it('encodes text without the prefix space; prompts keep BOS and the prefix space', () => {
    for (const text of MIXED_CORPUS) {
      const ids = vocabulary.encode(text);
      expect(concatBytes(vocabulary, ids), JSON.stringify(text)).toEqual([...enc.encode(text)]);
    }
    expect(vocabulary.encode('Hello world')).toEqual([vocab['Hello'], vocab['▁world']]);
    const prompt = vocabulary.encodePrompt('Hello world');
    expect(prompt[0]).toBe(1);
    expect(concatBytes(vocabulary, prompt)).toEqual([...enc.encode(' Hello world')]);
  });
});

describe('EOS ids and logit width from model directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'formwork-vocab-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const json = tinyByteLevelTokenizer(['ab']);
  const tokenCount = 256 + 1 + 2;
  const write = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));

  it('reads generation_config.json first, then config.json, then tokenizer_config.json', () => {
    write('tokenizer.json', json);
    write('tokenizer_config.json', { eos_token: { content: '<|endoftext|>' } });
    expect(loadVocabulary(dir).eosIds).toEqual([tokenCount - 2]);
    write('config.json', { eos_token_id: 5, vocab_size: 300 });
    let vocabulary = loadVocabulary(dir);
    expect(vocabulary.eosIds).toEqual([5]);
    expect(vocabulary.size).toBe(300);
    expect(vocabulary.tokenCount).toBe(tokenCount);
    expect(vocabulary.isSpecial(5)).toBe(true); // an EOS id never matches text
    write('generation_config.json', { eos_token_id: [7, 6] });
    vocabulary = loadVocabulary(join(dir, 'tokenizer.json'));
    expect(vocabulary.eosIds).toEqual([6, 7]);
    expect(loadVocabulary(dir, { eosIds: [9], size: 512 }).eosIds).toEqual([9]);
    expect(loadVocabulary(dir, { size: 512 }).size).toBe(512);
    expect(vocabulary.tokenBytes(299).length).toBe(0);
    expect(vocabulary.isSpecial(299)).toBe(false);
  });

  it('fails with typed errors naming the file', () => {
    expect(() => loadVocabulary(join(dir, 'missing'))).toThrow(ModelLoadError);
    expect(() => loadVocabulary(dir, { size: 10 })).toThrow(InputError);
    write('generation_config.json', { eos_token_id: 99999 });
    expect(() => loadVocabulary(dir)).toThrow(/EOS id 99999/);
    writeFileSync(join(dir, 'generation_config.json'), '{not json');
    const error = (() => {
      try {
        loadVocabulary(dir);
      } catch (e) {
        return e as ModelLoadError;
      }
    })();
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error?.path).toBe(join(dir, 'generation_config.json'));
    expect(() =>
      vocabularyFromTokenizerJson({ ...json, model: { type: 'WordPiece', vocab: { a: 0 } }, decoder: { type: 'WordPiece' } }),
    ).toThrow(/WordPiece/);
    expect(() => vocabularyFromTokenizerJson({ ...json, model: { ...json.model, vocab: { '\u4e00': 0 } } })).toThrow(
      /byte-level alphabet/,
    );
    expect(() =>
      vocabularyFromTokenizerJson({ ...json, added_tokens: [] }),
    ).toThrow(/no EOS token/);
  });
});

describe('vocabularyFromBytes', () => {
  const tokens = ['a', 'b', 'ab', 'ab', '', '<eos>', '<pad>'].map((s) => enc.encode(s));
  const vocabulary = vocabularyFromBytes(tokens, { eosIds: [5], special: [6], size: 40 });

  it('keeps bytes, specials, duplicates and padding apart', () => {
    expect(vocabulary.spelling).toBe('bytes');
    expect(vocabulary.tokenCount).toBe(7);
    expect(vocabulary.size).toBe(40);
    expect(vocabulary.isSpecial(5)).toBe(true);
    expect(vocabulary.isSpecial(6)).toBe(true);
    expect(vocabulary.tokenBytes(6).length).toBe(0);
    expect(vocabulary.tokenBytes(39).length).toBe(0);
    expect(vocabulary.trie.tokenCount).toBe(4); // a, b, ab, ab (the empty token is left out)
  });

  it('encodes by longest match (lowest id among duplicates) and decodes exact bytes', () => {
    expect(vocabulary.encode('abba')).toEqual([2, 1, 0]);
    expect(vocabulary.decode([2, 5, 1])).toBe('abb');
    expect(() => vocabulary.encode('c')).toThrow(/byte 0x63 at byte offset 0/);
    expect(() => vocabulary.decode([40])).toThrow(InputError);
  });

  it('rejects inconsistent parts', () => {
    expect(() => vocabularyFromBytes(tokens, { eosIds: [7] })).toThrow(InputError);
    expect(() => vocabularyFromBytes(tokens, { eosIds: [5], size: 3 })).toThrow(/size 3/);
  });
});

describe('tokenizer.json scanner (loadVocabulary reads files without JSON.parse of the merges)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'formwork-scan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** JSON with every non-ASCII character escaped as \uXXXX (what Python's json.dumps writes by default). */
  const asciiJson = (value: unknown) =>
    JSON.stringify(value, null, 1).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

  for (const [name, json] of [
    ['byte-level', tinyByteLevelTokenizer(['Hello', ' "quoted"', ' back\\slash', '\ttab', ' 😀', '日本'])],
    ['sentencepiece', tinySentencePieceTokenizer(['Hello', ' wörld', '"q"', '\\', '😀x'])],
  ] as const) {
    for (const [style, text] of [
      ['compact UTF-8', JSON.stringify(json)],
      ['indented, \\u-escaped', asciiJson(json)],
      // model (with its merges) first: the scan must skip the merges to reach added_tokens.
      ['model first', JSON.stringify(Object.fromEntries([['model', json.model], ...Object.entries(json).filter(([key]) => key !== 'model')]))],
    ] as const) {
      it(`reads the same vocabulary as JSON.parse: ${name}, ${style}`, () => {
        const file = join(dir, `${name}-${style.replace(/\W/g, '')}.json`);
        writeFileSync(file, text);
        const fromFile = loadVocabulary(file, { eosIds: [2] });
        const fromJson = vocabularyFromTokenizerJson(json, undefined, { eosIds: [2] });
        expect(fromFile.tokenCount).toBe(fromJson.tokenCount);
        for (let id = 0; id < fromJson.tokenCount; id++) {
          expect(fromFile.isSpecial(id)).toBe(fromJson.isSpecial(id));
          expect([...fromFile.tokenBytes(id)], `token ${id}`).toEqual([...fromJson.tokenBytes(id)]);
        }
        expect(fromFile.decode(fromFile.encode('Hello "quoted" 😀'))).toBe('Hello "quoted" 😀');
      });
    }
  }

  it('accepts a UTF-8 byte order mark', () => {
    const file = join(dir, 'bom.json');
    const json = tinyByteLevelTokenizer(['ab']);
    writeFileSync(file, '\ufeff' + JSON.stringify(json));
    const vocabulary = loadVocabulary(file);
    expect(vocabulary.tokenCount).toBe(259);
    expect(vocabulary.encode('abab')).toEqual([256, 256]);
  });

  it('reports malformed files with the byte offset', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"model": {"type": "BPE", "vocab": {"a": 0, "b" 1}}}');
    expect(() => loadVocabulary(file, { eosIds: [0] })).toThrow(/invalid JSON at byte \d+: expected ":"/);
    writeFileSync(file, '{"model": {"type": "BPE", "vocab": {"a": 0, "b": x}}}');
    expect(() => loadVocabulary(file, { eosIds: [0] })).toThrow(/expected a token id/);
    writeFileSync(file, '{"added_tokens": []}');
    expect(() => loadVocabulary(file, { eosIds: [0] })).toThrow(/no model.vocab/);
  });
});

describe('Unigram (SentencePiece, Metaspace) vocabulary', () => {
  const pieces = ['<unk>', '</s>', '▁', '▁a', 'b', 'a', '▁ab', 'c', '▁the', 'th', 'e', 't', 'h'];
  const json = {
    version: '1.0',
    added_tokens: [
      { id: 0, content: '<unk>', special: true },
      { id: 1, content: '</s>', special: true },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 0, vocab: pieces.map((p, i) => [p, -i] as [string, number]), byte_fallback: false },
  };
  const dir = mkdtempSync(join(tmpdir(), 'formwork-unigram-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads list vocabularies (object and file), spells ▁ as a space and drops the prefix space in text', () => {
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '</s>' }));
    for (const vocabulary of [vocabularyFromTokenizerJson(json, { eos_token: '</s>' }), loadVocabulary(dir)]) {
      expect(vocabulary.spelling).toBe('sentencepiece');
      expect(vocabulary.eosIds).toEqual([1]);
      expect(new TextDecoder().decode(vocabulary.tokenBytes(8))).toBe(' the');
      expect(vocabulary.encode('ab the')).toEqual([5, 4, 8]);
      expect(vocabulary.encodePrompt('ab the')).toEqual([6, 8]);
    }
  });
});

describe('tokenizer.json scanner, randomized', () => {
  const dir = mkdtempSync(join(tmpdir(), 'formwork-scan-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes every key exactly as JSON.parse + TextEncoder do (escapes, astral, controls, lone surrogates)', () => {
    const random = rng(4242);
    const pool = ['"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', 'é', '€', '😀', '\ud800', '\udfff', 'a', ' ', '▁', 'Ġ'];
    for (let round = 0; round < 20; round++) {
      const keys = new Set<string>();
      while (keys.size < 200) {
        let key = '';
        for (let k = 0, n = 1 + randomInt(random, 6); k < n; k++) {
          key += random() < 0.5 ? pool[randomInt(random, pool.length)] : String.fromCodePoint(randomInt(random, 0x30000));
        }
        keys.add(key);
      }
      const vocab = Object.fromEntries([...keys].map((key, id) => [key, id]));
      const json = { added_tokens: [], normalizer: null, pre_tokenizer: null, decoder: null, model: { type: 'WordLevel', vocab } };
      const file = join(dir, `fuzz-${round}.json`);
      writeFileSync(file, round % 2 === 0 ? JSON.stringify(json) : JSON.stringify(json, null, 2).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
      const fromFile = loadVocabulary(file, { eosIds: [0] });
      const fromJson = vocabularyFromTokenizerJson(JSON.parse(JSON.stringify(json)), undefined, { eosIds: [0] });
      expect(fromFile.spelling).toBe('plain');
      for (let id = 1; id < keys.size; id++) {
        expect([...fromFile.tokenBytes(id)], `round ${round} token ${id}`).toEqual([...fromJson.tokenBytes(id)]);
      }
    }
  });
});
