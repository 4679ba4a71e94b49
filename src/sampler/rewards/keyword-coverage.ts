import { InputError } from '../../errors.js';
import { textReward, type Reward } from './reward.js';

export interface KeywordCoverageOptions {
  /**
   * How a keyword must appear:
   * - 'word-prefix' (default): at the start of a word, so inflections count ("dog" in "dogs"), as
   *   CommonGen's concept sets are matched, but not inside a word ("dog" in "hotdog");
   * - 'word': as a whole word;
   * - 'substring': anywhere.
   */
  readonly match?: 'word-prefix' | 'word' | 'substring';
  /** Default false: "Dog" covers "dog". */
  readonly caseSensitive?: boolean;
  readonly name?: string;
}

/**
 * The share of `keywords` that the text contains (each counted once): CommonGen-style concept
 * coverage, in [0, 1]. Partial texts are scored the same way: coverage only grows as text is added,
 * so a prefix's score is what every completion of it already has.
 */
export function keywordCoverage(keywords: readonly string[], options: KeywordCoverageOptions = {}): Reward {
  const where = 'keywordCoverage';
  if (keywords.length === 0) throw new InputError('needs at least one keyword', { where });
  const match = options.match ?? 'word-prefix';
  if (match !== 'word-prefix' && match !== 'word' && match !== 'substring') {
    throw new InputError(`match must be 'word-prefix', 'word' or 'substring', got ${JSON.stringify(match)}`, { where });
  }
  const flags = options.caseSensitive ? 'u' : 'iu';
  const patterns = keywords.map((keyword) => {
    if (typeof keyword !== 'string' || keyword.trim() === '') throw new InputError(`keyword ${JSON.stringify(keyword)} is empty`, { where });
    const literal = keyword.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    // A word character is a letter, a digit or an underscore in any script.
    const before = match === 'substring' ? '' : '(?<![\\p{L}\\p{N}_])';
    const after = match === 'word' ? '(?![\\p{L}\\p{N}_])' : '';
    return new RegExp(before + literal + after, flags);
  });
  const score = (text: string): number => {
    let found = 0;
    for (const pattern of patterns) if (pattern.test(text)) found++;
    return found / patterns.length;
  };
  return textReward(options.name ?? 'keywords', { final: score });
}
