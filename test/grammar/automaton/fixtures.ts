import type { ByteClassId, ByteMachine } from '../../../src/grammar/automaton/byte-machine.js';
import { DfaByteMachine } from '../../../src/grammar/automaton/dfa-byte-machine.js';
import { maskWords } from '../../../src/grammar/automaton/token-automaton.js';
import type { Vocabulary } from '../../../src/grammar/vocab/vocabulary.js';
export { rng } from '../../support/seeded-rng.js';

export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** The reference mask: advance every token id byte by byte with `step` (EOS iff accepts). */
export function bruteForceMask<S>(machine: ByteMachine<S>, vocabulary: Vocabulary, state: S): Uint32Array {
  const out = new Uint32Array(maskWords(vocabulary.size));
  for (let id = 0; id < vocabulary.size; id++) {
    if (bruteForceAllows(machine, vocabulary, state, id)) out[id >>> 5] |= 1 << (id & 31);
  }
  return out;
}

export function bruteForceAllows<S>(machine: ByteMachine<S>, vocabulary: Vocabulary, state: S, id: number): boolean {
  if (vocabulary.eosIds.includes(id)) return machine.accepts(state);
  if (id >= vocabulary.tokenCount || vocabulary.isSpecial(id)) return false;
  const bytes = vocabulary.tokenBytes(id);
  if (bytes.length === 0) return false;
  let s: S | undefined = state;
  for (const b of bytes) {
    s = machine.step(s, b);
    if (s === undefined) return false;
  }
  return true;
}

/** Ids whose bits differ between two masks (for readable failures). */
export function maskDiff(a: Uint32Array, b: Uint32Array): number[] {
  const ids: number[] = [];
  for (let w = 0; w < Math.max(a.length, b.length); w++) {
    let v = (a[w] ?? 0) ^ (b[w] ?? 0);
    while (v !== 0) {
      const low = v & -v;
      ids.push(w * 32 + 31 - Math.clz32(low));
      v ^= low;
    }
  }
  return ids;
}

/** What `forced` must say given an exact mask: the one allowed token, EOS ids counted as one. */
export function onlyTokenOf(mask: Uint32Array, eosIds: readonly number[]): number[] {
  const allowed = maskDiff(mask, new Uint32Array(mask.length));
  const text = allowed.filter((id) => !eosIds.includes(id));
  const eos = allowed.some((id) => eosIds.includes(id)) ? [eosIds[0]] : [];
  const tokens = [...text, ...eos];
  return tokens.length === 1 ? tokens : [];
}

/** True when every bit of `inner` is set in `outer`. */
export function isSubset(inner: Uint32Array, outer: Uint32Array): boolean {
  for (let w = 0; w < inner.length; w++) if ((inner[w] & ~outer[w]) !== 0) return false;
  return true;
}

/** A random DFA over a few bytes of `alphabet`, each state with random transitions and acceptance. */
export function randomDfa(random: () => number, stateCount: number, alphabet: readonly number[], density = 0.6): DfaByteMachine {
  const transitions = new Int32Array(stateCount * 256).fill(-1);
  const accepting = new Uint8Array(stateCount);
  for (let s = 0; s < stateCount; s++) {
    accepting[s] = random() < 0.3 ? 1 : 0;
    for (const b of alphabet) if (random() < density) transitions[s * 256 + b] = randomInt(random, stateCount);
  }
  return new DfaByteMachine({ stateCount, transitions, accepting });
}

/** The same machine without the optional fast paths (cursor, loopClasses, maskKey, forcedBytes). */
export function plainMachine<S>(machine: ByteMachine<S>, keep: { maskKey?: boolean } = {}): ByteMachine<S> {
  return {
    initial: machine.initial,
    step: (s, b) => machine.step(s, b),
    accepts: (s) => machine.accepts(s),
    ...(keep.maskKey && machine.maskKey ? { maskKey: (s: S) => machine.maskKey!(s) } : {}),
  };
}

/**
 * A JSON string DFA (`"` body `"`, then optional spaces) with escapes and strict UTF-8, whose body state
 * loops on 'json-string-body' (every complete, valid UTF-8 string without `"`, `\` and control bytes
 * leads back to the body state).
 */
export const JSON_STRING_BODY_STATE = 1;

export function jsonStringDfa(options: { loops?: boolean } = {}): DfaByteMachine {
  const [START, BODY, CLOSED, ESC, U1, U2, U3, U4, CONT1, CONT2, CONT3, E0, ED, F0, F4] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  ];
  const n = 15;
  const t = new Int32Array(n * 256).fill(-1);
  const set = (from: number, lo: number, hi: number, to: number) => {
    for (let b = lo; b <= hi; b++) t[from * 256 + b] = to;
  };
  const hex = (from: number, to: number) => {
    set(from, 0x30, 0x39, to);
    set(from, 0x41, 0x46, to);
    set(from, 0x61, 0x66, to);
  };
  set(START, 0x22, 0x22, BODY);
  set(BODY, 0x20, 0x7f, BODY);
  set(BODY, 0x22, 0x22, CLOSED);
  set(BODY, 0x5c, 0x5c, ESC);
  set(BODY, 0xc2, 0xdf, CONT1);
  set(BODY, 0xe0, 0xe0, E0);
  set(BODY, 0xe1, 0xec, CONT2);
  set(BODY, 0xed, 0xed, ED);
  set(BODY, 0xee, 0xef, CONT2);
  set(BODY, 0xf0, 0xf0, F0);
  set(BODY, 0xf1, 0xf3, CONT3);
  set(BODY, 0xf4, 0xf4, F4);
  set(CONT1, 0x80, 0xbf, BODY);
  set(CONT2, 0x80, 0xbf, CONT1);
  set(CONT3, 0x80, 0xbf, CONT2);
  set(E0, 0xa0, 0xbf, CONT1);
  set(ED, 0x80, 0x9f, CONT1);
  set(F0, 0x90, 0xbf, CONT2);
  set(F4, 0x80, 0x8f, CONT2);
  for (const c of '"\\/bfnrt') set(ESC, c.charCodeAt(0), c.charCodeAt(0), BODY);
  set(ESC, 0x75, 0x75, U1);
  hex(U1, U2);
  hex(U2, U3);
  hex(U3, U4);
  hex(U4, BODY);
  set(CLOSED, 0x20, 0x20, CLOSED);
  const accepting = new Uint8Array(n);
  accepting[CLOSED] = 1;
  const loopClasses: (ByteClassId[] | undefined)[] = new Array(n).fill(undefined);
  if (options.loops !== false) loopClasses[BODY] = ['json-string-body'];
  return new DfaByteMachine({ stateCount: n, transitions: t, accepting, loopClasses });
}

/**
 * Numbers and whitespace: state 0 loops on digits and JSON whitespace (both classes), `.` goes to a
 * fraction state 1 that loops on digits only; `,` ends in the accepting state 2.
 */
export function digitsDfa(options: { loops?: boolean } = {}): DfaByteMachine {
  const n = 3;
  const t = new Int32Array(n * 256).fill(-1);
  for (let b = 0x30; b <= 0x39; b++) {
    t[0 * 256 + b] = 0;
    t[1 * 256 + b] = 1;
  }
  for (const b of [0x20, 0x09, 0x0a, 0x0d]) t[0 * 256 + b] = 0;
  t[0 * 256 + 0x2e] = 1;
  t[0 * 256 + 0x2c] = 2;
  t[1 * 256 + 0x2c] = 2;
  const accepting = Uint8Array.from([0, 0, 1]);
  const loops = options.loops !== false;
  return new DfaByteMachine({
    stateCount: n,
    transitions: t,
    accepting,
    loopClasses: loops ? [['digits', 'json-whitespace'], ['digits'], undefined] : undefined,
  });
}
