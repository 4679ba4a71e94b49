import { describe, expect, it } from 'vitest';

import { encodedTokenBytes, peerVocabularyFromTokenizer, readPeerVocabulary } from '../../../bench/peers/peer-tokenizer.js';
import { ModelLoadError } from '../../../src/errors.js';
import { sharedData, skipUnlessSharedData } from '../../support/shared-data.js';

describe('peer vocabulary', () => {
  const byteLevel = {
    model: { type: 'BPE', vocab: { a: 0, 'Ġthe': 1, 'Ċ': 3 } },
    added_tokens: [{ id: 4, content: '<|end|>', special: true }],
    decoder: { type: 'ByteLevel' },
  };

  it('lists encoded strings by id (gaps kept as empty), detects byte-level and finds EOS', () => {
    const vocabulary = peerVocabularyFromTokenizer(byteLevel, { eos_token: '<|end|>' });
    expect(vocabulary).toEqual({
      encodedVocab: ['a', 'Ġthe', '', 'Ċ', '<|end|>'],
      vocabType: 'byte_level',
      prependSpace: false,
      eosId: 4,
      specialIds: [4],
    });
  });

  it('detects SentencePiece byte fallback with a prepended space, and EOS given as an AddedToken object', () => {
    const vocabulary = peerVocabularyFromTokenizer(
      {
        model: { type: 'BPE', vocab: { '<0x0A>': 0, '▁the': 1, '</s>': 2 }, byte_fallback: true },
        normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }] },
        decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }] },
      },
      { eos_token: { content: '</s>' } },
    );
    expect(vocabulary).toMatchObject({ vocabType: 'byte_fallback', prependSpace: true, eosId: 2 });
  });

  it('falls back to the conventional end-of-text token, and names the file when there is none', () => {
    expect(peerVocabularyFromTokenizer({ ...byteLevel, added_tokens: [{ id: 4, content: '<|endoftext|>', special: true }] }, {}).eosId).toBe(4);
    expect(() => peerVocabularyFromTokenizer(byteLevel, {}, 'x/tokenizer.json')).toThrow(ModelLoadError);
    expect(() => peerVocabularyFromTokenizer(byteLevel, {}, 'x/tokenizer.json')).toThrow(/^x\/tokenizer\.json: cannot find the end-of-sequence token/);
  });

  it('decodes encoded strings to exact bytes per vocabulary type', () => {
    expect([...encodedTokenBytes('Ġthe', 'byte_level')]).toEqual([0x20, 0x74, 0x68, 0x65]);
    expect([...encodedTokenBytes('Ċ', 'byte_level')]).toEqual([0x0a]);
    expect([...encodedTokenBytes('<0x0A>', 'byte_fallback')]).toEqual([0x0a]);
    expect([...encodedTokenBytes('▁the', 'byte_fallback')]).toEqual([0x20, 0x74, 0x68, 0x65]);
    expect([...encodedTokenBytes('é', 'raw')]).toEqual([0xc3, 0xa9]);
  });

  describe.skipIf(skipUnlessSharedData('tokenizers/llama3'))('real tokenizers', () => {
    it('reads Llama-3 as byte-level with <|eot_id|> as EOS', () => {
      const vocabulary = readPeerVocabulary(sharedData('tokenizers/llama3'));
      expect(vocabulary.encodedVocab).toHaveLength(128256);
      expect(vocabulary.vocabType).toBe('byte_level');
      expect(vocabulary.eosId).toBe(128009);
    });
  });
});
