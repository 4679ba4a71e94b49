import type { TokenTrie } from '../vocab/token-trie.js';

/**
 * A ByteMachine is the incremental recogniser behind every constraint: regexes, grammars, JSON Schema
 * and SQL all compile to one. It consumes UTF-8 bytes one at a time and never backtracks, so it can be
 * driven through the token trie (token-automaton.ts) to compute token masks.
 *
 * States are immutable values: keeping an old state is a free rollback, handing one to two callers a
 * free fork. `step` must be pure (same state and byte -> equivalent state) and must not mutate `state`.
 */
export interface ByteMachine<S> {
  /** The state before any byte has been read. */
  readonly initial: S;

  /** The state after reading `byte` (0..255), or undefined when no document can continue this way. */
  step(state: S, byte: number): S | undefined;

  /** True when the bytes read so far form a complete document, so end-of-sequence may come now. */
  accepts(state: S): boolean;

  /**
   * Identity of everything in `state` that decides which byte strings may follow: two states with the
   * same key must accept exactly the same continuations. Token masks are cached under this key, across
   * steps and requests, so a key must never be shared by states with different futures. Return
   * undefined for a state that should not be cached. Machines without this method are never cached.
   *
   * Keys may be numbers, strings or objects (compared by identity: hash-consed states can return
   * themselves).
   */
  maskKey?(state: S): unknown;

  /**
   * Optional fast path for mask computation: the ids of byte classes (see ByteClass) that this state
   * loops on, meaning every byte string made only of bytes of the class (and of complete UTF-8
   * characters, when the class says so) is accepted from `state` and leads to a state with the same
   * mask key. The token automaton then ORs in the precomputed set of tokens made of such bytes instead
   * of walking them.
   */
  loopClasses?(state: S): readonly ByteClassId[] | undefined;

  /**
   * Optional fast path for the trie walk: a mutable cursor positioned at `state`. A full mask walk
   * visits up to hundreds of thousands of trie nodes; pushing and popping bytes on a cursor avoids
   * allocating an immutable state per node. Must agree exactly with `step` / `accepts`.
   */
  cursor?(state: S): ByteCursor;

  /**
   * Optional: the machine's own mask computation, for machines that know a faster way than a plain trie
   * walk (e.g. a grammar that splits the walk between its lexer and its parser). Writes the allowed
   * TEXT tokens of `state` into `out` (zeroed by the caller; EOS bits are the caller's) and returns the
   * work done (>= 0), or -1 when more than `fuel` units of work were needed, in which case `out` must
   * hold a superset of the allowed tokens. When present, the token automaton calls it instead of walking
   * the trie itself, and keeps caching, EOS bits and the superset contract as for its own walk.
   */
  fillMask?(state: S, trie: TokenTrie, out: Uint32Array, fuel: number): number;
}

/**
 * A mutable position in a ByteMachine, used depth-first: `push` moves one byte deeper (returning
 * false, and not moving, when the byte is rejected), `pop` undoes the last successful push.
 */
export interface ByteCursor {
  push(byte: number): boolean;
  pop(): void;
  /** True when the bytes pushed so far complete a document (EOS may follow). */
  accepts(): boolean;
}

/**
 * Named byte classes that token vocabularies precompute token sets for ("slices"). A class is usable
 * only as a whole token: every byte of the token must be in the class and, for `utf8` classes, the
 * token must consist of complete, valid UTF-8 characters.
 */
export type ByteClassId =
  /** Bytes allowed verbatim inside a JSON string: no `"`, no `\`, no control byte < 0x20; complete UTF-8. */
  | 'json-string-body'
  /** JSON whitespace: space, tab, newline, carriage return. */
  | 'json-whitespace'
  /** ASCII digits 0-9. */
  | 'digits'
  /**
   * ASCII bytes of a set: 32 lowercase hex digits, the 128-bit set (bit b of the set: byte b; the
   * first two digits are bits 127-120). Build with `byteClassOf` (token-slice.ts).
   */
  | `ascii:${string}`
  /**
   * Complete, valid UTF-8 characters: every non-ASCII character, and the ASCII bytes of a set (as for
   * `ascii:`). A string literal or comment body of a grammar's lexer, for instance.
   */
  | `utf8:${string}`;
