import type { TokenTrie } from '../vocab/token-trie.js';

/**
 * The automaton-only pass of value-string masks (pass 1 of bodyAutomatonWalk), shared by every state
 * that steps alike: the same components (patterns and formats are shared by every schema of the
 * process) in the same states, the same atoms alive, limits and count (see StringPlan.signature).
 * Its result does not depend on where the string sits, except through whether the document survives
 * an atom's death; a shared pass is one where it survived none, and it serves another state only when
 * that state's document survives none of the same deaths either.
 *
 * Why: a pattern that moves on every character (`^[0-9a-zA-Z_-]{1,255}$`, `^[A-Fa-f\d]{24}$`) walks
 * ~75k trie nodes per position before its horizon class is known, and a schema often gives the same
 * pattern to many properties, each of which is a new mask-cache context (its closing quote leads
 * elsewhere). Only the tokens that leave the string (pass 3) differ between them.
 */
export interface SharedBodyWalk {
  /** The BODY/PARTIAL tokens pass 1 allowed. */
  readonly bits: Uint32Array;
  /** The sets of atoms whose death pass 1 met (the document survived none of them). */
  readonly deadSets: readonly Uint32Array[];
}

/** Walks kept per trie; each holds one bitset over the vocabulary (~16 KB for 128k tokens). */
const SHARED_WALK_LIMIT = 1024;

const walksByTrie = new WeakMap<TokenTrie, Map<string, SharedBodyWalk>>();

export function sharedBodyWalk(trie: TokenTrie, key: string): SharedBodyWalk | undefined {
  return walksByTrie.get(trie)?.get(key);
}

export function keepBodyWalk(trie: TokenTrie, key: string, walk: SharedBodyWalk): void {
  let walks = walksByTrie.get(trie);
  if (walks === undefined) {
    walks = new Map();
    walksByTrie.set(trie, walks);
  }
  // Oldest first out: a process serving many schemas keeps the recent ones' walks.
  if (walks.size >= SHARED_WALK_LIMIT) walks.delete(walks.keys().next().value!);
  walks.set(key, walk);
}
