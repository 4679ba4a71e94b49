import { anyInRange, bitsKey, emptyBits, hasBit, isEmptyBits, withBit, type Bits } from './bits.js';
import { MUST, UNEVALUATED, type ChildLink, type LinkTable, type Requirement } from './child-link.js';
import type { Goal } from './goal.js';
import type { SchemaNode } from './schema-ir.js';
import { StringPlan } from './string-plan.js';
import { TrieComponent, type StringComponent } from './string-component.js';

/**
 * The object keywords of all atoms of one goal, indexed for the machine: the union of every property
 * name any atom mentions (properties, required, dependentRequired, dependentSchemas) in one trie whose
 * nodes cover contiguous name ranges; per atom, bit sets over those names; and the plan that reads keys
 * (the trie, every patternProperties regex, and the propertyNames schemas as requirements on the key).
 */
export class ObjectPlan {
  readonly goal: Goal;
  readonly trie: TrieComponent;
  readonly names: readonly string[];
  /** Per goal atom (undefined when the atom has no object keywords). */
  readonly props: readonly (Bits | undefined)[];
  readonly required: readonly (Bits | undefined)[];
  readonly dependentRequired: readonly (readonly (readonly [number, Bits])[] | undefined)[];
  readonly minProperties: Float64Array;
  readonly maxProperties: Float64Array;
  /** Atoms whose additionalProperties is false: only their named or pattern keys are viable. */
  readonly closed: Bits;
  /** Atoms with unevaluatedProperties. */
  readonly unevaluatedAtoms: Bits;
  /** Per goal atom: [key plan component index, node] for its patternProperties. */
  private readonly patterns: readonly (readonly (readonly [number, SchemaNode])[])[];
  /** Name index of each goal.keyNames entry (dependentSchemas). */
  readonly keyNameIndex: Int32Array;
  /** Property counts saturate here. */
  readonly countCap: number;
  /** The key as a child value: propertyNames requirements. */
  readonly keyLink: ChildLink;
  readonly keyPlan: StringPlan;
  private readonly trieComponent: number;
  private readonly links: LinkTable;
  /** Per goal atom: property names in schema order (name indexes), for propertyOrder 'schema'. */
  readonly order: readonly (Int32Array | undefined)[];
  /**
   * Per goal atom with object keywords that later keys cannot break (only properties, required,
   * minProperties): the names whose property schema is not `true`. Once those and the required names
   * are seen with their values complete, and minProperties is met, the atom holds whatever follows:
   * `not: {required: [...]}` and oneOf branches are decided then, not at the closing brace. Undefined
   * for atoms that later keys can still fail (additionalProperties, patternProperties, propertyNames,
   * maxProperties, dependentRequired, unevaluatedProperties).
   */
  readonly settleWhenSeen: readonly (Bits | undefined)[];
  /**
   * Every string is a key that no atom refuses (no additionalProperties: false, no propertyNames): a key
   * can then always be completed as a new one, whatever keys the object already has.
   */
  readonly openKeys: boolean;

  constructor(goal: Goal, links: LinkTable) {
    this.goal = goal;
    this.links = links;
    const all = new Set<string>(goal.keyNames);
    for (const atom of goal.atoms) {
      const obj = atom.obj;
      if (obj === undefined) continue;
      for (const name of obj.properties.keys()) all.add(name);
      for (const name of obj.required) all.add(name);
      for (const [name, deps] of obj.dependentRequired) {
        all.add(name);
        for (const d of deps) all.add(d);
      }
    }
    this.trie = new TrieComponent('property names', [...all]);
    this.names = this.trie.strings;
    const nameIndex = new Map<string, number>();
    this.names.forEach((n, i) => nameIndex.set(n, i));
    const count = this.names.length;
    const bitsOf = (names: Iterable<string>) => {
      const b = emptyBits(count);
      for (const n of names) {
        const i = nameIndex.get(n)!;
        b[i >>> 5] |= 1 << (i & 31);
      }
      return b;
    };
    const n = goal.atoms.length;
    this.minProperties = new Float64Array(n);
    this.maxProperties = new Float64Array(n).fill(Infinity);
    this.closed = emptyBits(n);
    this.unevaluatedAtoms = emptyBits(n);
    let countCap = 0;
    const keyReqs: Requirement[] = [];
    const extra: StringComponent[] = [this.trie];
    this.props = goal.atoms.map((a) => (a.obj ? bitsOf(a.obj.properties.keys()) : undefined));
    this.required = goal.atoms.map((a) => (a.obj && a.obj.required.length > 0 ? bitsOf(a.obj.required) : undefined));
    this.dependentRequired = goal.atoms.map((a) =>
      a.obj && a.obj.dependentRequired.length > 0 ? a.obj.dependentRequired.map(([name, deps]) => [nameIndex.get(name)!, bitsOf(deps)] as const) : undefined,
    );
    this.order = goal.atoms.map((a) => (a.obj ? Int32Array.from([...a.obj.properties.keys()].map((k) => nameIndex.get(k)!)) : undefined));
    this.settleWhenSeen = goal.atoms.map((a) => {
      const obj = a.obj;
      if (obj === undefined) return undefined;
      const breakable = obj.additional !== undefined || obj.propertyNames !== undefined || obj.patterns.length > 0 || obj.unevaluated !== undefined;
      if (breakable || obj.dependentRequired.length > 0 || obj.maxProperties !== Infinity) return undefined;
      return bitsOf([...obj.properties].filter(([, node]) => node.expr.k !== 'true').map(([name]) => name));
    });
    this.patterns = goal.atoms.map((a, i) => {
      const obj = a.obj;
      if (obj === undefined) return [];
      this.minProperties[i] = obj.minProperties;
      this.maxProperties[i] = obj.maxProperties;
      countCap = Math.max(countCap, obj.minProperties, obj.maxProperties === Infinity ? 0 : obj.maxProperties + 1);
      if (obj.additional !== undefined && obj.additional.expr.k === 'false') this.closed[i >>> 5] |= 1 << (i & 31);
      if (obj.unevaluated !== undefined) this.unevaluatedAtoms[i >>> 5] |= 1 << (i & 31);
      if (obj.propertyNames !== undefined) keyReqs.push({ owner: i, kind: MUST, nodes: [obj.propertyNames] });
      return obj.patterns.map((p) => {
        extra.push(p.component);
        return [extra.length - 1, p.node] as const;
      });
    });
    this.countCap = countCap;
    this.openKeys = isEmptyBits(this.closed) && keyReqs.length === 0;
    this.keyNameIndex = Int32Array.from(goal.keyNames.map((k) => nameIndex.get(k)!));
    this.keyLink = links.link(`keys:${goal.id}`, () => keyReqs);
    this.keyPlan = new StringPlan(this.keyLink.goal, extra);
    this.trieComponent = this.keyPlan.extraStart;
    // Pattern component indexes were relative to `extra`: shift them to the plan's numbering.
    this.patterns = this.patterns.map((list) => list.map(([c, node]) => [c + this.keyPlan.extraStart, node] as const));
  }

  /** Some atom has patternProperties (a key's classification then depends on all of its text). */
  get hasPatterns(): boolean {
    return this.patterns.some((list) => list.length > 0);
  }

  /**
   * The rest of every property name that continues the key read so far (state `ps`): the body prefixes
   * after which closing the key names a property. Undefined when there are more than `limit`.
   */
  nameCompletions(ps: number, limit: number): Uint8Array[] | undefined {
    const t = this.keyPlan.componentState(ps, this.trieComponent);
    if (t < 0) return [];
    const lo = this.trie.rangeLo[t];
    const hi = this.trie.rangeHi[t];
    if (hi - lo > limit) return undefined;
    const depth = this.trie.depthOf[t];
    const out: Uint8Array[] = [];
    for (let k = lo; k < hi; k++) out.push(this.trie.encoded[k].subarray(depth));
    return out;
  }

  /**
   * Whether the key read into key-plan state `ps` is still a prefix of some property name: then the
   * state's trie node spells the key read so far, so the key's text adds nothing to a mask key.
   */
  onNamePath(ps: number): boolean {
    return this.keyPlan.componentState(ps, this.trieComponent) >= 0;
  }

  /** Name index of the complete key read into key-plan state `ps`, or -1 for a name no atom mentions. */
  nameAt(ps: number): number {
    const t = this.keyPlan.componentState(ps, this.trieComponent);
    return t < 0 ? -1 : this.trie.terminalOf[t];
  }

  /**
   * Atoms (among `candidates`) for which no key starting like the one in state `ps` can be allowed: the
   * closed atoms whose patterns are all dead and whose unseen names (minus those `order` rules out)
   * do not continue the trie node.
   */
  deadKeyAtoms(ps: number, candidates: Bits, seen: Bits, ordered: Int32Array | null): number[] | undefined {
    let out: number[] | undefined;
    const t = this.keyPlan.componentState(ps, this.trieComponent);
    for (let i = 0; i < this.goal.atoms.length; i++) {
      if (!hasBit(candidates, i) || !hasBit(this.closed, i)) continue;
      let viable = false;
      for (const [c] of this.patterns[i]) {
        if (this.keyPlan.componentState(ps, c) >= 0) {
          viable = true;
          break;
        }
      }
      if (!viable && t >= 0) {
        const props = this.props[i]!;
        if (ordered === null || ordered[i] < 0) viable = anyInRange(props, seen, this.trie.rangeLo[t], this.trie.rangeHi[t]);
        else {
          const order = this.order[i]!;
          for (let k = ordered[i] + 1; k < order.length && !viable; k++) {
            const name = order[k];
            viable = name >= this.trie.rangeLo[t] && name < this.trie.rangeHi[t] && !hasBit(seen, name);
          }
        }
      }
      if (!viable) (out ??= []).push(i);
    }
    return out;
  }

  /**
   * The live closed atoms (of `alive`) whose patternProperties are all dead in key state `ps`: for
   * them, the key must end as one of their named properties.
   */
  nameOnlyAtoms(ps: number, alive: Bits): Bits | undefined {
    let out: Bits | undefined;
    for (let i = 0; i < this.goal.atoms.length; i++) {
      if (!hasBit(alive, i) || !hasBit(this.closed, i)) continue;
      let pattern = false;
      for (const [c] of this.patterns[i]) {
        if (this.keyPlan.componentState(ps, c) >= 0) {
          pattern = true;
          break;
        }
      }
      if (!pattern) out = withBit(out ?? emptyBits(this.goal.atoms.length), i);
    }
    return out;
  }

  /** Whether atom `i` lets the complete key (name index `name`, key-plan state `ps`) in at all. */
  keyAllowed(i: number, name: number, ps: number): boolean {
    if (!hasBit(this.closed, i)) return true;
    if (name >= 0 && hasBit(this.props[i]!, name)) return true;
    for (const [c] of this.patterns[i]) {
      const s = this.keyPlan.componentState(ps, c);
      if (s >= 0 && this.keyPlan.components[c].accepts(s)) return true;
    }
    return false;
  }

  /**
   * No string-body character can make a key unacceptable to a live closed atom: each has an
   * unanchored-enough patternProperties regex that stays alive (`.+`, `^x-`-style prefixes already read).
   */
  closedSafe(ps: number, alive: Bits): boolean {
    for (let i = 0; i < this.goal.atoms.length; i++) {
      if (!hasBit(alive, i) || !hasBit(this.closed, i)) continue;
      let ok = false;
      for (const [c] of this.patterns[i]) {
        const s = this.keyPlan.componentState(ps, c);
        if (s >= 0 && this.keyPlan.components[c].neverDies(s)) {
          ok = true;
          break;
        }
      }
      if (!ok) return false;
    }
    return true;
  }

  /** Atoms with a patternProperties regex matching the complete key in state `ps`. */
  matchedAtoms(ps: number): Bits {
    const out = emptyBits(this.goal.atoms.length);
    for (let i = 0; i < this.goal.atoms.length; i++) {
      for (const [c] of this.patterns[i]) {
        const s = this.keyPlan.componentState(ps, c);
        if (s >= 0 && this.keyPlan.components[c].accepts(s)) {
          out[i >>> 5] |= 1 << (i & 31);
          break;
        }
      }
    }
    return out;
  }

  /** The link of the value of key `name` (state `ps`) for the live atoms. */
  valueLink(alive: Bits, name: number, ps: number): ChildLink {
    let matched = '';
    for (let i = 0; i < this.goal.atoms.length; i++) {
      if (!hasBit(alive, i)) continue;
      for (const [c] of this.patterns[i]) {
        const s = this.keyPlan.componentState(ps, c);
        if (s >= 0 && this.keyPlan.components[c].accepts(s)) matched += `${c},`;
      }
    }
    const key = `v:${this.goal.id}:${bitsKey(alive)}:${name}:${matched}`;
    return this.links.link(key, () => {
      const reqs: Requirement[] = [];
      const propName = name >= 0 ? this.names[name] : undefined;
      this.goal.atoms.forEach((atom, i) => {
        const obj = atom.obj;
        if (obj === undefined || !hasBit(alive, i)) return;
        const nodes: SchemaNode[] = [];
        if (propName !== undefined) {
          const p = obj.properties.get(propName);
          if (p !== undefined) nodes.push(p);
        }
        for (const [c, node] of this.patterns[i]) {
          const s = this.keyPlan.componentState(ps, c);
          if (s >= 0 && this.keyPlan.components[c].accepts(s)) nodes.push(node);
        }
        if (nodes.length === 0 && obj.additional !== undefined) nodes.push(obj.additional);
        if (nodes.length > 0) reqs.push({ owner: i, kind: MUST, nodes });
        const u = obj.unevaluated;
        if (u !== undefined && u.expr.k !== 'true' && u.expr.k !== 'false') reqs.push({ owner: i, kind: UNEVALUATED, nodes: [u] });
      });
      return reqs;
    });
  }
}
