/**
 * The contract every Potential must satisfy (src/sampler/potential/potential.ts), as a reusable
 * check for any implementation: call `checkPotentialContract(potential, options)` inside a test; it
 * throws an Error listing every violation (context, token, expected, got).
 *
 *   it('my potential keeps the potential contract', () => {
 *     checkPotentialContract(myPotential, { walks: { count: 20, length: 6 } });
 *   });
 *
 * Checked at every context (given ones plus random walks through allowed tokens):
 * - the empty context has a finite prefix weight; boolean potentials only give 0 or -Infinity;
 * - -Infinity is absorbing: a dead prefix (reached, or one refused token away) has dead extensions
 *   and a dead completion;
 * - logwNext (fast path, when offered) = prefix(extend) - prefix, and complete - prefix at EOS;
 * - allows(t) <=> logwNext[t] > -Infinity; mask holds every allowed token (exactly them if exact);
 *   forced tokens are the only allowed token; support holds every allowed token;
 * - autoregressive factorisation: prefix(x) = prefix([]) + sum of logwNext along x, and
 *   complete(x) = prefix(x) + logwNext(x)[EOS];
 * - purity: extending a state does not change it, and the same extension gives the same weights.
 */
import { maskHas, maskWords } from '../../src/grammar/automaton/token-automaton.js';
import type { Potential } from '../../src/sampler/potential/potential.js';
import { SeededRandom, WeightsDiscrete } from '../../src/sampler/random.js';

export interface ContractOptions {
  /** Contexts to check (token ids, EOS excluded). The empty context is always checked. */
  readonly contexts?: readonly (readonly number[])[];
  /** Random walks through tokens with finite weight, checking every context on the way. */
  readonly walks?: { readonly count: number; readonly length: number; readonly seed?: number };
  /** Next tokens examined at each context (default: every id). */
  readonly tokens?: readonly number[];
  /** Absolute tolerance on log weights (default 1e-9). */
  readonly tolerance?: number;
}

export function checkPotentialContract<S>(potential: Potential<S>, options: ContractOptions = {}): void {
  const problems: string[] = [];
  const tolerance = options.tolerance ?? 1e-9;
  const V = potential.vocabSize;
  const eos = potential.eosId;
  const tokens = options.tokens ?? Array.from({ length: V }, (_, t) => t);
  if (!(eos >= 0 && eos < V)) problems.push(`eosId ${eos} is outside 0..${V - 1}`);
  const close = (a: number, b: number): boolean => (a === b ? true : Math.abs(a - b) <= tolerance);
  const note = (context: readonly number[], what: string): void => {
    if (problems.length < 50) problems.push(`[${context.join(', ')}]: ${what}`);
  };

  const initialPrefix = potential.prefix(potential.initial);
  if (!(initialPrefix > -Infinity) || Number.isNaN(initialPrefix)) note([], `the empty context has prefix weight ${initialPrefix}`);

  const checkContext = (context: readonly number[]): S => {
    // Factorisation: recompute the prefix along the context from logwNext.
    let state = potential.initial;
    let accumulated = potential.prefix(state);
    for (const token of context) {
      const before = potential.prefix(state);
      if (before === -Infinity) {
        state = potential.extend(state, token);
        accumulated = -Infinity;
        continue;
      }
      const next = nextWeights(potential, state);
      const extended = potential.extend(state, token);
      if (potential.prefix(state) !== before) note(context, 'extend changed the weight of the state it extended');
      accumulated += next[token];
      state = extended;
    }
    const prefix = potential.prefix(state);
    if (Number.isNaN(prefix)) note(context, 'prefix is NaN');
    if (!close(prefix, accumulated)) note(context, `prefix ${prefix} != prefix([]) + sum of logwNext = ${accumulated}`);
    const complete = potential.complete(state);
    if (Number.isNaN(complete)) note(context, 'complete is NaN');
    if (potential.kind === 'boolean') {
      if (prefix !== 0 && prefix !== -Infinity) note(context, `boolean potential has prefix weight ${prefix}`);
      if (complete !== 0 && complete !== -Infinity) note(context, `boolean potential has complete weight ${complete}`);
    }
    if (prefix === -Infinity) {
      if (complete !== -Infinity) note(context, `prefix is -Infinity but complete is ${complete}`);
      for (const t of tokens) {
        if (t === eos) continue;
        const w = potential.prefix(potential.extend(state, t));
        if (w !== -Infinity) note(context, `prefix is -Infinity but extending by ${t} gives ${w}`);
      }
      if (potential.allows !== undefined) for (const t of tokens) if (potential.allows(state, t)) note(context, `dead state allows ${t}`);
      return state;
    }

    // logwNext against prefix/complete of the extensions.
    const generic = new Float64Array(V);
    for (const t of tokens) generic[t] = (t === eos ? complete : potential.prefix(potential.extend(state, t))) - prefix;
    if (potential.logwNext !== undefined) {
      const fast = new Float64Array(V);
      potential.logwNext(state, fast);
      for (const t of tokens) if (!close(fast[t], generic[t])) note(context, `logwNext[${t}] = ${fast[t]} but prefix/complete give ${generic[t]}`);
    }
    const again = potential.extend(state, tokens.find((t) => t !== eos) ?? 0);
    const againWeight = potential.prefix(again);
    const repeat = potential.prefix(potential.extend(state, tokens.find((t) => t !== eos) ?? 0));
    if (!close(againWeight, repeat)) note(context, 'extending the same state twice gave different weights');

    const allowed = tokens.filter((t) => generic[t] > -Infinity);
    // A refused extension must be absorbing too (walks only follow allowed tokens).
    const refused = tokens.find((t) => t !== eos && generic[t] === -Infinity);
    if (refused !== undefined) {
      const dead = potential.extend(state, refused);
      const deadContext = [...context, refused];
      const deadComplete = potential.complete(dead);
      if (deadComplete !== -Infinity) note(deadContext, `prefix is -Infinity but complete is ${deadComplete}`);
      for (const t of tokens) {
        if (t === eos) continue;
        const w = potential.prefix(potential.extend(dead, t));
        if (w !== -Infinity) note(deadContext, `prefix is -Infinity but extending by ${t} gives ${w}`);
      }
      if (potential.allows !== undefined) for (const t of tokens) if (potential.allows(dead, t)) note(deadContext, `dead state allows ${t}`);
    }
    if (potential.allows !== undefined) {
      for (const t of tokens) {
        const a = potential.allows(state, t);
        if (a !== generic[t] > -Infinity) note(context, `allows(${t}) = ${a} but its weight is ${generic[t]}`);
      }
    }
    if (potential.mask !== undefined) {
      const bits = new Uint32Array(maskWords(V));
      const exact = potential.mask(state, bits);
      for (const t of allowed) if (!maskHas(bits, t)) note(context, `mask misses allowed token ${t}`);
      if (exact) for (const t of tokens) if (maskHas(bits, t) && !(generic[t] > -Infinity)) note(context, `exact mask holds refused token ${t}`);
    }
    if (potential.support !== undefined) for (const t of allowed) if (!maskHas(potential.support, t)) note(context, `support misses allowed token ${t}`);
    if (potential.forced !== undefined) {
      const forced = potential.forced(state);
      if (forced.length > 0 && (allowed.length !== 1 || allowed[0] !== forced[0])) {
        note(context, `forced ${forced[0]} but the allowed tokens are [${allowed.slice(0, 10).join(', ')}]`);
      }
    }
    return state;
  };

  const contexts: (readonly number[])[] = [[], ...(options.contexts ?? [])];
  for (const context of contexts) checkContext(context);

  if (options.walks !== undefined) {
    const random = new SeededRandom(options.walks.seed ?? 1);
    for (let walk = 0; walk < options.walks.count; walk++) {
      const context: number[] = [];
      let state = potential.initial;
      for (let step = 0; step <= options.walks.length; step++) {
        checkContext(context);
        if (potential.prefix(state) === -Infinity || step === options.walks.length) break;
        const next = nextWeights(potential, state);
        const choices = tokens.filter((t) => t !== eos && next[t] > -Infinity);
        if (choices.length === 0) break;
        const token = choices[random.choose(new WeightsDiscrete(choices.map(() => 1)))];
        context.push(token);
        state = potential.extend(state, token);
      }
    }
  }
  if (problems.length > 0) throw new Error(`potential contract violated:\n  ${problems.join('\n  ')}`);
}

function nextWeights<S>(potential: Potential<S>, state: S): Float64Array {
  const out = new Float64Array(potential.vocabSize);
  const base = potential.prefix(state);
  for (let t = 0; t < potential.vocabSize; t++) {
    out[t] = (t === potential.eosId ? potential.complete(state) : potential.prefix(potential.extend(state, t))) - base;
  }
  return out;
}
