import type { Goal, GoalTable } from './goal.js';
import type { SchemaNode } from './schema-ir.js';

/** What a requirement's truth does to its owner atom in the enclosing value. */
export const MUST = 0;
/** The truth counts towards the owner's `contains` (an item that matches). */
export const COUNTS = 1;
/** The truth is kept for the owner's unevaluatedProperties / unevaluatedItems decision. */
export const UNEVALUATED = 2;

/**
 * How a child value answers to its enclosing value: the child's goal, and for each of its requirements
 * the enclosing atom that asked (owner, -1 for the document) and what the answer does (MUST: the owner
 * dies when it is false; COUNTS: the owner's contains count grows when it is true).
 */
export interface ChildLink {
  readonly id: number;
  readonly goal: Goal;
  readonly owners: Int32Array;
  readonly kinds: Uint8Array;
}

export interface Requirement {
  readonly owner: number;
  readonly kind: number;
  readonly nodes: readonly SchemaNode[];
}

/** Memoizes links by a caller-chosen key (the enclosing goal, live atoms and position). */
export class LinkTable {
  private readonly links = new Map<string, ChildLink>();
  private nextId = 1;
  private readonly goals: GoalTable;

  constructor(goals: GoalTable) {
    this.goals = goals;
  }

  get size(): number {
    return this.links.size;
  }

  link(key: string, build: () => Requirement[]): ChildLink {
    let link = this.links.get(key);
    if (link === undefined) {
      const reqs = build();
      link = {
        id: this.nextId++,
        goal: this.goals.goal(reqs.map((r) => r.nodes)),
        owners: Int32Array.from(reqs.map((r) => r.owner)),
        kinds: Uint8Array.from(reqs.map((r) => r.kind)),
      };
      this.links.set(key, link);
    }
    return link;
  }
}
