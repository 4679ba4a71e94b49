import type { CodePointSet } from './code-point-set.js';
import { utf8SequencesOfSet } from './utf8-sequences.js';

/**
 * The UTF-8 encodings of a code point set as a small minimal acyclic byte automaton: a prefix trie of
 * its byte-range sequences with equal suffixes merged. `.` becomes 7 nodes instead of 9 branches,
 * and a large class like \p{L} (~700 ranges) a few hundred nodes whose root has one edge per lead byte
 * range, which keeps NFA state sets (and so DFA construction) small.
 *
 * Nodes are listed children first; node `nodes.length - 1` is the root. Edge targets are node
 * indexes, or EXIT for "the code point is complete".
 */
export interface CharClassAutomaton {
  readonly nodes: readonly CharClassNode[];
}

export interface CharClassNode {
  /** Flat triples [lo, hi, target, ...], sorted by lo, disjoint. */
  readonly edges: readonly number[];
}

export const EXIT = -1;

interface TrieNode {
  edges: { lo: number; hi: number; child: TrieNode | null }[];
}

const byObject = new WeakMap<CodePointSet, CharClassAutomaton>();
/**
 * Equal sets built separately (every `[^a-z]` or `\P{L}` under 'i' is a new object) share one
 * automaton through their content; bounded, oldest entries dropped first.
 */
const byContent = new Map<number, { set: CodePointSet; automaton: CharClassAutomaton }[]>();
let contentEntries = 0;
const MAX_CONTENT_ENTRIES = 1024;

/** The automaton of `set` (empty `nodes` when no member has a UTF-8 encoding); cached. */
export function charClassAutomaton(set: CodePointSet): CharClassAutomaton {
  let automaton = byObject.get(set);
  if (automaton !== undefined) return automaton;
  const hash = set.hash();
  let bucket = byContent.get(hash);
  automaton = bucket?.find((e) => e.set.equals(set))?.automaton;
  if (automaton === undefined) {
    automaton = build(set);
    if (contentEntries >= MAX_CONTENT_ENTRIES) {
      byContent.clear();
      contentEntries = 0;
      bucket = undefined;
    }
    if (bucket === undefined) byContent.set(hash, (bucket = []));
    bucket.push({ set, automaton });
    contentEntries++;
  }
  byObject.set(set, automaton);
  return automaton;
}

function build(set: CodePointSet): CharClassAutomaton {
  const root: TrieNode = { edges: [] };
  for (const seq of utf8SequencesOfSet(set)) {
    let node = root;
    for (let k = 0; k < seq.length; k += 2) {
      const lo = seq[k];
      const hi = seq[k + 1];
      if (k + 2 === seq.length) {
        node.edges.push({ lo, hi, child: null });
        break;
      }
      // Sequences come in code point order, so a shared prefix is always the last edge added.
      const last = node.edges[node.edges.length - 1];
      if (last !== undefined && last.lo === lo && last.hi === hi && last.child !== null) {
        node = last.child;
      } else {
        const child: TrieNode = { edges: [] };
        node.edges.push({ lo, hi, child });
        node = child;
      }
    }
  }
  if (root.edges.length === 0) return { nodes: [] };

  // Hash-cons bottom-up: equal suffix automata (e.g. "two continuation bytes") become one node.
  const nodes: CharClassNode[] = [];
  const index = new Map<string, number>();
  const visit = (node: TrieNode): number => {
    const edges: number[] = [];
    for (const e of node.edges) {
      const target = e.child === null ? EXIT : visit(e.child);
      const n = edges.length;
      // Merge adjacent ranges that lead to the same node.
      if (n > 0 && edges[n - 1] === target && edges[n - 2] === e.lo - 1) edges[n - 2] = e.hi;
      else edges.push(e.lo, e.hi, target);
    }
    const key = edges.join(',');
    let id = index.get(key);
    if (id === undefined) {
      id = nodes.length;
      nodes.push({ edges });
      index.set(key, id);
    }
    return id;
  };
  const rootId = visit(root);
  // The root is built last unless it equals a deeper node, which cannot happen: a root edge spans
  // whole code points while every deeper edge ends a code point in fewer bytes.
  if (rootId !== nodes.length - 1) throw new Error('char class automaton: root is not last');
  return { nodes };
}
