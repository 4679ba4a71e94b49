/**
 * The 32-bit hash of the interning tables (grammar states, Earley sets, predictions, stored masks):
 * they look objects up by a small-integer hash of their content and compare candidates exactly, so
 * no key string is built per lookup or kept per object (strings were most of the garbage of first
 * visits, and held memory that every scavenge copied). A collision costs a comparison, never a wrong
 * answer; the tests replace these functions with constants to check exactly that.
 */

/** Mixes `value` (an integer) into the running hash `h`. */
export function mixHash(h: number, value: number): number {
  const x = Math.imul(h ^ value, 0x9e3779b1);
  return x ^ (x >>> 16);
}

/** The final hash: a non-negative small integer (a Smi: Map keys that need no boxing). */
export function finishHash(h: number): number {
  const x = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (x ^ (x >>> 13)) & 0x3fffffff;
}
