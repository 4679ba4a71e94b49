import { InputError } from '../../errors.js';
import { maskWords } from '../../grammar/automaton/token-automaton.js';
import { allowsToken, checkTokenSpace, type Potential } from './potential.js';

/**
 * The product of potentials: log weights add. Its state is the array of the factors' states; once a
 * factor's prefix is -Infinity the state is kept as is (every factor's -Infinity is absorbing), so a
 * dead particle costs nothing more.
 *
 * Masks intersect: the product's mask is exact only when every factor gives an exact mask; a factor
 * without a mask makes it a superset (the sampler then confirms its draws with `allows`).
 */
export function product(...factors: Potential[]): Potential<readonly unknown[]> {
  if (factors.length === 0) throw new InputError('product needs at least one potential', { where: 'product' });
  const { vocabSize, eosId } = factors[0];
  checkTokenSpace(factors, vocabSize, eosId, 'product');
  return new Product(factors);
}

class Product implements Potential<readonly unknown[]> {
  readonly kind: 'boolean' | 'weighted';
  readonly vocabSize: number;
  readonly eosId: number;
  readonly initial: readonly unknown[];
  readonly support: Uint32Array | undefined;
  readonly logwNext: ((state: readonly unknown[], out: Float64Array) => void) | undefined;
  readonly mask: ((state: readonly unknown[], out: Uint32Array) => boolean) | undefined;
  private scratchMask: Uint32Array | undefined;
  private scratchLogw: Float64Array | undefined;

  constructor(private readonly factors: readonly Potential[]) {
    this.kind = factors.every((f) => f.kind === 'boolean') ? 'boolean' : 'weighted';
    this.vocabSize = factors[0].vocabSize;
    this.eosId = factors[0].eosId;
    this.initial = factors.map((f) => f.initial);
    this.support = intersectSupports(factors);
    this.logwNext = factors.every((f) => f.logwNext !== undefined) ? this.sumLogwNext : undefined;
    this.mask = factors.some((f) => f.mask !== undefined) ? this.intersectMasks : undefined;
  }

  extend(state: readonly unknown[], token: number): readonly unknown[] {
    if (this.prefix(state) === -Infinity) return state;
    const next = new Array<unknown>(this.factors.length);
    for (let i = 0; i < this.factors.length; i++) next[i] = this.factors[i].extend(state[i], token);
    return next;
  }

  prefix(state: readonly unknown[]): number {
    let sum = 0;
    for (let i = 0; i < this.factors.length; i++) {
      const w = this.factors[i].prefix(state[i]);
      if (w === -Infinity) return -Infinity;
      sum += w;
    }
    return sum;
  }

  complete(state: readonly unknown[]): number {
    let sum = 0;
    for (let i = 0; i < this.factors.length; i++) {
      const w = this.factors[i].complete(state[i]);
      if (w === -Infinity) return -Infinity;
      sum += w;
    }
    return sum;
  }

  allows(state: readonly unknown[], token: number): boolean {
    for (let i = 0; i < this.factors.length; i++) if (!allowsToken(this.factors[i], state[i], token)) return false;
    return true;
  }

  /**
   * A token one factor forces is the product's only candidate: forced when every other factor allows
   * it too (otherwise nothing is allowed, which a draw finds out).
   */
  forced(state: readonly unknown[]): readonly number[] {
    for (let i = 0; i < this.factors.length; i++) {
      const forced = this.factors[i].forced?.(state[i]);
      if (forced === undefined || forced.length === 0) continue;
      const token = forced[0];
      for (let j = 0; j < this.factors.length; j++) if (j !== i && !allowsToken(this.factors[j], state[j], token)) return [];
      return [token];
    }
    return [];
  }

  private readonly sumLogwNext = (state: readonly unknown[], out: Float64Array): void => {
    const scratch = (this.scratchLogw ??= new Float64Array(this.vocabSize));
    this.factors[0].logwNext!(state[0], out);
    for (let i = 1; i < this.factors.length; i++) {
      this.factors[i].logwNext!(state[i], scratch);
      for (let t = 0; t < out.length; t++) out[t] += scratch[t];
    }
  };

  private readonly intersectMasks = (state: readonly unknown[], out: Uint32Array): boolean => {
    let exact = true;
    let first = true;
    const scratch = (this.scratchMask ??= new Uint32Array(maskWords(this.vocabSize)));
    for (let i = 0; i < this.factors.length; i++) {
      const factor = this.factors[i];
      if (factor.mask === undefined) {
        exact = false;
        continue;
      }
      const target = first ? out : scratch;
      if (!factor.mask(state[i], target)) exact = false;
      if (!first) for (let w = 0; w < out.length; w++) out[w] &= scratch[w];
      first = false;
    }
    return exact;
  };
}

function intersectSupports(factors: readonly Potential[]): Uint32Array | undefined {
  let support: Uint32Array | undefined;
  for (const f of factors) {
    if (f.support === undefined) continue;
    if (support === undefined) support = f.support.slice();
    else for (let w = 0; w < support.length; w++) support[w] &= f.support[w];
  }
  return support;
}
