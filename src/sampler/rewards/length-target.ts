import { InputError } from '../../errors.js';
import { textReward, type Reward } from './reward.js';

export interface LengthTargetOptions {
  /** The length wanted, in `unit`s (> 0). */
  readonly target: number;
  /** 'words' (default: runs of non-whitespace) or 'characters' (Unicode code points). */
  readonly unit?: 'words' | 'characters';
  /** Distance from the target at which the score reaches 0 (default: the target itself). */
  readonly tolerance?: number;
  readonly name?: string;
}

/**
 * 1 at the target length, falling linearly to 0 at `tolerance` units away on either side:
 * max(0, 1 - |n - target| / tolerance).
 *
 * Partial texts get the best score a completion could still reach: 1 while n <= target (the text can
 * still end exactly on target), the final score once the text is already too long (it only grows).
 * So search is pushed only by overshoot, or by a lookahead that ends the text early.
 */
export function lengthTarget(options: LengthTargetOptions): Reward {
  const where = 'lengthTarget';
  const target = options.target;
  if (!(Number.isFinite(target) && target > 0)) throw new InputError(`target must be a positive number, got ${target}`, { where });
  const tolerance = options.tolerance ?? target;
  if (!(Number.isFinite(tolerance) && tolerance > 0)) throw new InputError(`tolerance must be a positive number, got ${tolerance}`, { where });
  const unit = options.unit ?? 'words';
  if (unit !== 'words' && unit !== 'characters') throw new InputError(`unit must be 'words' or 'characters', got ${JSON.stringify(unit)}`, { where });
  const lengthOf = unit === 'words' ? countWords : countCodePoints;
  const final = (text: string): number => Math.max(0, 1 - Math.abs(lengthOf(text) - target) / tolerance);
  return textReward(options.name ?? 'length', {
    final,
    partial: (text) => (lengthOf(text) <= target ? 1 : final(text)),
  });
}

export function countWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (const ch of text) {
    const space = /\s/u.test(ch);
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
