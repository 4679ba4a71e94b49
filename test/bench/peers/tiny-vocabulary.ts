import type { PeerVocabulary } from '../../../bench/peers/peer-tokenizer.js';

/**
 * A 40-token raw vocabulary for driving the real peer engines without ../shared: single characters of
 * JSON, a few multi-character tokens (so token and character boundaries differ) and "</s>" as EOS.
 */
const TOKENS = [
  ...'{}[]":, .-0123456789abdefilnrstux',
  '"a"',
  ': ',
  ', ',
  'true',
  '</s>',
];

export const TINY_EOS = TOKENS.indexOf('</s>');

export const tinyVocabulary: PeerVocabulary = {
  encodedVocab: TOKENS,
  vocabType: 'raw',
  prependSpace: false,
  eosId: TINY_EOS,
  specialIds: [TINY_EOS],
};

/** Greedy longest-match tokenization over the tiny vocabulary. */
export function tinyTokenize(text: string): number[] {
  const ids: number[] = [];
  let position = 0;
  while (position < text.length) {
    let best = -1;
    for (let id = 0; id < TOKENS.length; id++) {
      if (id === TINY_EOS) continue;
      if (text.startsWith(TOKENS[id], position) && (best < 0 || TOKENS[id].length > TOKENS[best].length)) best = id;
    }
    if (best < 0) throw new Error(`no tiny token for ${JSON.stringify(text.slice(position))}`);
    ids.push(best);
    position += TOKENS[best].length;
  }
  return ids;
}
