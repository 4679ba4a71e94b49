import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { DfaByteMachine } from '../../../src/grammar/automaton/dfa-byte-machine.js';

const enc = new TextEncoder();

function run(machine: DfaByteMachine, text: string): number | undefined {
  let s: number | undefined = machine.initial;
  for (const b of enc.encode(text)) {
    if (s === undefined) return undefined;
    s = machine.step(s, b);
  }
  return s;
}

describe('DfaByteMachine', () => {
  const machine = DfaByteMachine.fromStrings(['{"a": 1}', '{"ab": 2}', 'é']);

  it('accepts exactly its strings and their prefixes as viable', () => {
    for (const text of ['{"a": 1}', '{"ab": 2}', 'é']) expect(machine.accepts(run(machine, text)!)).toBe(true);
    for (const text of ['{"a', '{"ab": ', '']) expect(machine.accepts(run(machine, text)!)).toBe(false);
    for (const text of ['{"b', '{"a": 2', 'e', '{"a": 1}x']) expect(run(machine, text)).toBeUndefined();
  });

  it('has a cursor that agrees with step and undoes pushes', () => {
    const cursor = machine.cursor(machine.initial);
    for (const b of enc.encode('{"a')) expect(cursor.push(b)).toBe(true);
    expect(cursor.push(0x78)).toBe(false); // rejected: does not move
    expect(cursor.push(0x62)).toBe(true); // {"ab
    cursor.pop();
    for (const b of enc.encode('": 1}')) expect(cursor.push(b)).toBe(true);
    expect(cursor.accepts()).toBe(true);
    // Deeper than the initial stack.
    const long = DfaByteMachine.fromStrings(['x'.repeat(200)]);
    const deep = long.cursor(long.initial);
    for (let k = 0; k < 200; k++) expect(deep.push(0x78)).toBe(true);
    expect(deep.accepts()).toBe(true);
  });

  it('reports forced bytes up to the first choice or accepting state', () => {
    expect(new TextDecoder().decode(machine.forcedBytes(run(machine, '{')!))).toBe('"a');
    expect(machine.forcedBytes(run(machine, '{"a')!)?.length).toBe(0); // `"` or `b`
    expect(new TextDecoder().decode(machine.forcedBytes(run(machine, '{"ab')!))).toBe('": 2}');
    expect(machine.forcedBytes(run(machine, '{"ab": 2}')!)?.length).toBe(0);
    expect(machine.maskKey(5)).toBe(5);
  });

  it('rejects malformed tables', () => {
    expect(() => new DfaByteMachine({ stateCount: 2, transitions: new Int32Array(10), accepting: new Uint8Array(2) })).toThrow(InputError);
    const t = new Int32Array(256).fill(-1);
    t[65] = 3;
    expect(() => new DfaByteMachine({ stateCount: 1, transitions: t, accepting: new Uint8Array(1) })).toThrow(/leaves the 1 states/);
  });
});
