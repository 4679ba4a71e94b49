import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ByteMachine } from '../../../src/grammar/automaton/byte-machine.js';
import { maskHas, maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import { createTokenAutomaton } from '../../../src/grammar/automaton/trie-token-automaton.js';
import { compileGrammar, GrammarState, type CompiledGrammar } from '../../../src/grammar/cfg/index.js';
import { compileSqlGrammar } from '../../../src/grammar/sql/index.js';
import { loadVocabulary } from '../../../src/grammar/vocab/load-vocabulary.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';
import type { Vocabulary } from '../../../src/grammar/vocab/vocabulary.js';
import { repoRoot, sharedData, skipUnlessSharedData } from '../../support/shared-data.js';

const grammarFile = (file: string) => readFileSync(resolve(repoRoot, 'schemas', 'grammars', file), 'utf8');
const compile = (file: string) => compileGrammar(grammarFile(file), { syntax: file.endsWith('.lark') ? 'lark' : 'gbnf', sourceName: file });

/** Allowed by stepping the token's bytes one by one: the definition a mask must agree with. */
function bruteForce(grammar: CompiledGrammar, vocabulary: Vocabulary, state: GrammarState, id: number): boolean {
  if (vocabulary.eosIds.includes(id)) return grammar.accepts(state);
  if (id >= vocabulary.tokenCount || vocabulary.isSpecial(id)) return false;
  const bytes = vocabulary.tokenBytes(id);
  if (bytes.length === 0) return false;
  let s: GrammarState | undefined = state;
  for (let i = 0; i < bytes.length && s !== undefined; i++) s = grammar.step(s, bytes[i]);
  return s !== undefined;
}

/** The same machine seen without its own mask method: the token automaton walks the trie with the cursor. */
function cursorOnly(grammar: CompiledGrammar): ByteMachine<GrammarState> {
  return {
    initial: grammar.initial,
    step: (s, b) => grammar.step(s, b),
    accepts: (s) => grammar.accepts(s),
    maskKey: (s) => grammar.maskKey(s),
    cursor: (s) => grammar.cursor(s),
    loopClasses: (s) => grammar.loopClasses(s),
  };
}

/** Every state along the bytes of `texts` (prefixes at every byte, not only token boundaries). */
function statesAlong(grammar: CompiledGrammar, texts: readonly string[]): GrammarState[] {
  const states = new Set<GrammarState>([grammar.initial]);
  for (const text of texts) {
    let s: GrammarState | undefined = grammar.initial;
    for (const b of new TextEncoder().encode(text)) {
      s = grammar.step(s, b);
      if (s === undefined) throw new Error(`grammar rejects its own example ${JSON.stringify(text)}`);
      states.add(s);
    }
  }
  return [...states];
}

const enc = new TextEncoder();

/** The id of the token spelled exactly `text` in `vocabulary`. */
function tokenId(vocabulary: Vocabulary, text: string): number {
  const want = enc.encode(text);
  for (let id = 0; id < vocabulary.tokenCount; id++) {
    const bytes = vocabulary.tokenBytes(id);
    if (!vocabulary.isSpecial(id) && bytes.length === want.length && bytes.every((b, i) => b === want[i])) return id;
  }
  throw new Error(`no token ${JSON.stringify(text)}`);
}

/** A small byte vocabulary that exercises JSON-ish boundaries: merged punctuation, partial UTF-8, spaces. */
function smallVocabulary(): Vocabulary {
  const tokens: Uint8Array[] = [enc.encode('<eos>')];
  for (let b = 0x20; b < 0x7f; b++) tokens.push(Uint8Array.of(b));
  tokens.push(Uint8Array.of(0x0a), Uint8Array.of(0x09), Uint8Array.of(0x0d), Uint8Array.of(0x01));
  const pieces = [
    '{"', '":', '",', '"}', '"]', '},', '],', ' "', '\n  ', '\n    ', '  ', 'true', 'false', 'null', 'nu', 'll', 'tr', '12',
    '1.', '.5', 'e-', 'é', '😀', '\\u', '00', 'ab', 'a"', '"a', 'ing', ' {', ' [', '[{', '{}', '[]', '""', '\\"', ',"', ': ', ', ',
    '"}]', '}}', ']]', '":"', '","', '"},{"', '0,', '-1', ' int', 'int', ' x', '/*', '*/', '//', '->', '++', ' =', '==', '";',
    ' if', 'if', '(x', '));', ' (', 'for', ' while', 'return', ' return', '1e3', '0x1F', "'a'",
  ];
  for (const p of pieces) tokens.push(enc.encode(p));
  tokens.push(Uint8Array.of(0xc3), Uint8Array.of(0xa9), Uint8Array.of(0xf0, 0x9f), Uint8Array.of(0x98, 0x80), Uint8Array.of(0xff));
  tokens.push(enc.encode('true')); // a duplicate byte string under another id
  return vocabularyFromBytes(tokens, { eosIds: [0], size: tokens.length + 5 });
}

const EXAMPLES: Record<string, string[]> = {
  'json.gbnf': ['{"a": [1, -2.5e-3, true, null], "é😀": {"\\"q\\"": "x\\u00e9"}}', ' [ ]\n', '"\\\\"'],
  'json.lark': ['{"a": [1, -2.5e-3, true, null], "é😀": {"\\"q\\"": "x\\u00e9"}}', '[{}, [], ""]'],
  'arithmetic.gbnf': [' (1 + 2.5) * -3 / (4)'],
  'c-like.lark': ['int f(int x) { /* c */ if (x == 1e3) return x++; // d\n while (x) x = x - 1; return 0x1F; }', "char c = 'a';"],
};

describe('grammar token masks equal brute force', () => {
  const vocabulary = smallVocabulary();
  const words = maskWords(vocabulary.size);

  for (const [file, texts] of Object.entries(EXAMPLES)) {
    it(`${file}: masks (own two-phase walk and the generic cursor walk) and allows, at every byte of examples`, () => {
      const grammar = compile(file);
      const automaton = createTokenAutomaton(grammar, vocabulary, { cache: false });
      const generic = createTokenAutomaton(cursorOnly(grammar), vocabulary, { cache: false });
      const fast = new Uint32Array(words);
      const walked = new Uint32Array(words);
      const states = statesAlong(grammar, texts);
      expect(states.length).toBeGreaterThan(10);
      for (const state of states) {
        expect(automaton.mask(state, fast)).toBe(true);
        expect(generic.mask(state, walked)).toBe(true);
        for (let id = 0; id < vocabulary.size; id++) {
          const expected = bruteForce(grammar, vocabulary, state, id);
          if (maskHas(fast, id) !== expected || maskHas(walked, id) !== expected || automaton.allows(state, id) !== expected) {
            throw new Error(`${file}: token ${id} ${JSON.stringify(new TextDecoder().decode(vocabulary.tokenBytes(id)))}: expected ${expected}`);
          }
        }
      }
    });
  }

  it('hypotheses that share lexer scans in different parses (a boundary group reached from several sets) mask like brute force', () => {
    const grammar = compile('json.gbnf');
    const automaton = createTokenAutomaton(grammar, vocabulary, { cache: false });
    const mask = new Uint32Array(words);
    // After a digit in an array at three nesting depths: the same lexer configurations (inside the
    // number, or after it), three Earley sets each. A state holding all their hypotheses reaches each
    // boundary group of a shared scan from three parses.
    const states = ['[1', '[[1', '{"a": [1'].map((text) => grammar.run(grammar.initial, text)!);
    const sets = states.flatMap((s) => s.sets);
    const lex = Int32Array.from(states.flatMap((s) => Array.from(s.lex)));
    const configurations = new Set(sets.map((s, i) => `${s.allowed}:${lex[i]}`));
    expect(configurations.size).toBeLessThan(sets.length);
    expect(new Set(sets).size).toBe(sets.length);
    const merged = new GrammarState(sets, lex, false);
    expect(automaton.mask(merged, mask)).toBe(true);
    let allowed = 0;
    for (let id = 0; id < vocabulary.size; id++) {
      const expected = bruteForce(grammar, vocabulary, merged, id);
      if (expected) allowed++;
      if (maskHas(mask, id) !== expected) throw new Error(`token ${id}: expected ${expected}`);
    }
    // The union of the parses: "]]" closes two arrays, which only the `[[1` parse has.
    expect(allowed).toBeGreaterThan(0);
    expect(maskHas(mask, tokenId(vocabulary, ']]'))).toBe(true);
    expect(automaton.mask(states[0], mask)).toBe(true);
    expect(maskHas(mask, tokenId(vocabulary, ']]'))).toBe(false);
  });

  it('masks cached per state key are the masks computed fresh', () => {
    const grammar = compile('json.gbnf');
    const cached = createTokenAutomaton(grammar, vocabulary);
    const fresh = createTokenAutomaton(grammar, vocabulary, { cache: false });
    const a = new Uint32Array(words);
    const b = new Uint32Array(words);
    for (let pass = 0; pass < 2; pass++) {
      for (const state of statesAlong(grammar, EXAMPLES['json.gbnf'])) {
        cached.mask(state, a);
        fresh.mask(state, b);
        expect(a).toEqual(b);
      }
    }
  });

  it('out of fuel: a superset mask, and allows stays exact', () => {
    const grammar = compile('c-like.lark');
    const limited = createTokenAutomaton(grammar, vocabulary, { fuel: 1, cache: false });
    const exact = createTokenAutomaton(grammar, vocabulary, { cache: false });
    const a = new Uint32Array(words);
    const b = new Uint32Array(words);
    let supersets = 0;
    for (const state of statesAlong(grammar, EXAMPLES['c-like.lark'])) {
      const wasExact = limited.mask(state, a);
      exact.mask(state, b);
      for (let w = 0; w < words; w++) expect((a[w] & b[w]) >>> 0).toBe(b[w]);
      if (!wasExact) supersets++;
      else expect(a).toEqual(b);
      for (let id = 0; id < vocabulary.size; id++) if (limited.allows(state, id) !== maskHas(b, id)) throw new Error(`allows(${id}) is wrong`);
    }
    expect(supersets).toBeGreaterThan(0);
  });

  it('advance through tokens equals stepping their bytes; EOS only at the end', () => {
    const grammar = compile('json.gbnf');
    const automaton = createTokenAutomaton(grammar, vocabulary, { cache: false });
    const doc = '{"a": [12, true]}';
    const ids = vocabulary.encode(doc);
    let state: ReturnType<typeof automaton.advance> = automaton.initial;
    for (const id of ids) {
      expect(automaton.accepts(state!)).toBe(false);
      state = automaton.advance(state!, id);
      expect(state).toBeDefined();
    }
    expect(state).toBe(grammar.run(grammar.initial, doc));
    expect(automaton.accepts(state!)).toBe(true);
    expect(automaton.isFinal(automaton.advance(state!, 0)!)).toBe(true);
  });
});

describe.skipIf(skipUnlessSharedData('tokenizers/llama3'))('grammar token masks on the Llama-3 vocabulary (128k)', () => {
  const vocabulary = loadVocabulary(sharedData('tokenizers/llama3'));
  const words = maskWords(vocabulary.size);

  /** Greedy longest-prefix tokenization over the trie: real token boundaries without building the HF tokenizer. */
  const tokenize = (text: string): number[] => {
    const bytes = enc.encode(text);
    const trie = vocabulary.trie;
    const ids: number[] = [];
    for (let p = 0; p < bytes.length; ) {
      let node = 0;
      let best = -1;
      let bestEnd = p;
      for (let q = p; q < bytes.length; q++) {
        node = trie.child(node, bytes[q]);
        if (node < 0) break;
        if (trie.nodeTokenStart[node + 1] > trie.nodeTokenStart[node]) {
          best = trie.tokenIds[trie.nodeTokenStart[node]];
          bestEnd = q + 1;
        }
      }
      if (best < 0) throw new Error(`no token for byte ${bytes[p]}`);
      ids.push(best);
      p = bestEnd;
    }
    return ids;
  };

  /**
   * Brute force sharing prefixes: every token's bytes stepped through the grammar one by one (`step`
   * only), depth-first over the trie so that a common prefix is stepped once. The reference for
   * positions where most of the vocabulary is allowed (string literals), where stepping each token
   * separately costs seconds.
   */
  const stepThroughTrie = (grammar: CompiledGrammar, state: GrammarState): Uint32Array => {
    const { nodeByte, nodeDepth, subtreeEnd, nodeTokenStart, tokenIds, nodeCount } = vocabulary.trie;
    const allowed = new Uint32Array(words);
    const path: GrammarState[] = [state];
    for (let i = 1; i < nodeCount; ) {
      const next = grammar.step(path[nodeDepth[i] - 1], nodeByte[i]);
      if (next === undefined) {
        i = subtreeEnd[i];
        continue;
      }
      path[nodeDepth[i]] = next;
      for (let k = nodeTokenStart[i]; k < nodeTokenStart[i + 1]; k++) allowed[tokenIds[k] >>> 5] |= 1 << (tokenIds[k] & 31);
      i++;
    }
    return allowed;
  };

  it('json.gbnf: masks along (greedily) tokenized documents equal brute force over the whole vocabulary', () => {
    const grammar = compile('json.gbnf');
    const automaton = createTokenAutomaton(grammar, vocabulary, { cache: false });
    const generic = createTokenAutomaton(cursorOnly(grammar), vocabulary, { cache: false });
    const docs = ['{"name": "Zoë Müller", "tags": ["a", "b"], "n": -12.5e3,\n  "nested": {"ok": true, "v": null}}', '[\n    {"x": 1},\n    []\n]'];
    const fast = new Uint32Array(words);
    const walked = new Uint32Array(words);
    const states: GrammarState[] = [];
    for (const doc of docs) {
      let s = automaton.initial as GrammarState;
      states.push(s);
      for (const id of tokenize(doc)) {
        s = automaton.advance(s, id) as GrammarState;
        expect(s).toBeDefined();
        states.push(s);
      }
      expect(grammar.accepts(s)).toBe(true);
    }
    // Every 8th state gets the full brute force (128k tokens each), every 11th the generic cursor walk.
    for (let k = 0; k < states.length; k++) {
      const state = states[k];
      automaton.mask(state, fast);
      if (k % 11 === 0) {
        generic.mask(state, walked);
        expect(fast).toEqual(walked);
      }
      if (k % 8 !== 0) continue;
      for (let id = 0; id < vocabulary.size; id++) {
        if (maskHas(fast, id) !== bruteForce(grammar, vocabulary, state, id)) {
          throw new Error(`state ${k}: token ${id} ${JSON.stringify(vocabulary.decode([id]))}`);
        }
      }
    }
  });

  /**
   * Inside string literals, comments and identifiers the mask ORs in the vocabulary slice of the byte
   * class the lexer loops on (`utf8:`/`ascii:` classes, built per class on demand) and walks only the
   * rest; the scans there are shared by every context that allows the lexeme (the allowed set is
   * narrowed to the lexemes alive). Full brute force over the 128k tokens at such positions, each
   * position reached in two different parser contexts so that the second one reuses the first one's scan.
   */
  it('inside string literals, comments and identifiers (vocabulary slices per byte class): masks equal brute force', () => {
    const sql = compileSqlGrammar({
      tables: [
        { name: 'singer', columns: [{ name: 'Name' }, { name: 'Age' }, { name: 'Country' }] },
        { name: 'concert', columns: [{ name: 'Year' }, { name: 'Theme' }] },
      ],
    });
    const c = compile('c-like.lark');
    const cases: [CompiledGrammar, string, string][] = [
      [sql, "SELECT name FROM singer WHERE country = '", 'SQL string literal, just opened'],
      [sql, "SELECT 'Zoë ", 'SQL string literal in the select list, after a multi-byte character'],
      [sql, "SELECT name FROM singer WHERE name LIKE '%it''s", 'SQL string literal after an escaped quote'],
      [sql, 'SELECT "Na', 'SQL quoted identifier'],
      [sql, 'SELECT name FROM singer WHERE coun', 'SQL identifier prefix'],
      [c, 'int f() { return "a\\tb ', 'C string literal after an escape'],
      [c, 'int f() { x = 1; /* ** ', 'C block comment after stars'],
      [c, 'int x; // line ', 'C++ line comment'],
      [c, 'int f() { return count', 'C identifier prefix'],
    ];
    const automaton = (g: CompiledGrammar) => createTokenAutomaton(g, vocabulary, { cache: false });
    const automata = new Map([[sql, automaton(sql)], [c, automaton(c)]]);
    const mask = new Uint32Array(words);
    let sliced = 0;
    for (const [grammar, text, what] of cases) {
      const state = grammar.run(grammar.initial, text);
      expect(state, what).toBeDefined();
      automata.get(grammar)!.mask(state!, mask);
      if ((grammar.loopClasses(state!) ?? []).some((id) => id.startsWith('utf8:') || id.startsWith('ascii:'))) sliced++;
      const reference = stepThroughTrie(grammar, state!);
      let allowed = 0;
      for (let id = 0; id < vocabulary.size; id++) {
        const expected = vocabulary.eosIds.includes(id) ? grammar.accepts(state!) : id < vocabulary.tokenCount && !vocabulary.isSpecial(id) && maskHas(reference, id);
        if (expected) allowed++;
        if (maskHas(mask, id) !== expected) {
          throw new Error(`${what} (${JSON.stringify(text)}): token ${id} ${JSON.stringify(vocabulary.decode([id]))}: expected ${expected}`);
        }
      }
      expect(allowed, what).toBeGreaterThan(0);
    }
    // The new slice classes were in play (string and comment bodies are not JSON's named class).
    expect(sliced).toBeGreaterThanOrEqual(4);
  });

  it('c-like.lark: masks equal the generic walk and sampled brute force', () => {
    const grammar = compile('c-like.lark');
    const automaton = createTokenAutomaton(grammar, vocabulary, { cache: false });
    const generic = createTokenAutomaton(cursorOnly(grammar), vocabulary, { cache: false });
    const program = 'int f(int x) {\n  while (x > 0) x -= 1; // c\n  return x;\n}';
    const a = new Uint32Array(words);
    const b = new Uint32Array(words);
    // Masks of code grammars are the expensive kind (identifiers and comments end lexemes at every
    // byte): check every third position, the generic walk at two of them.
    let s = automaton.initial as GrammarState;
    let k = 0;
    for (const id of tokenize(program)) {
      if (k % 3 === 0) {
        automaton.mask(s, a);
        if (k % 12 === 0) {
          generic.mask(s, b);
          expect(a).toEqual(b);
        }
        expect(maskHas(a, id)).toBe(true);
        for (let p = 0; p < 200; p++) {
          const probe = (id * 7919 + p * 104729) % vocabulary.tokenCount;
          expect(maskHas(a, probe)).toBe(bruteForce(grammar, vocabulary, s, probe));
        }
      }
      k++;
      s = automaton.advance(s, id) as GrammarState;
    }
    expect(grammar.accepts(s)).toBe(true);
  });
});
