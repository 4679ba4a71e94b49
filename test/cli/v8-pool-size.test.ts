import { describe, expect, it } from 'vitest';
import { NODE_DEFAULT_V8_POOL_SIZE, v8PoolSizeArgs, v8PoolSizeFor } from '../../src/cli/v8-pool-size.js';

describe('V8 background threads for processes formwork starts (v8-pool-size.ts)', () => {
  it('leaves a core to the main thread, keeps at least one thread, and never exceeds Node\'s default', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map(v8PoolSizeFor)).toEqual([1, 1, 2, 3, 4, 4, 4]);
    expect(v8PoolSizeFor(0)).toBe(1);
    expect(NODE_DEFAULT_V8_POOL_SIZE).toBe(4);
  });

  it('adds the flag only when neither this process\'s flags nor NODE_OPTIONS choose a pool size', () => {
    expect(v8PoolSizeArgs([], undefined, 2)).toEqual(['--v8-pool-size=1']);
    expect(v8PoolSizeArgs(['--expose-gc'], '--max-old-space-size=4096', 16)).toEqual(['--v8-pool-size=4']);
    expect(v8PoolSizeArgs(['--v8-pool-size=2'], undefined, 2)).toEqual([]);
    expect(v8PoolSizeArgs(['--v8-pool-size', '2'], undefined, 2)).toEqual([]);
    expect(v8PoolSizeArgs([], '--expose-gc --v8-pool-size=8', 2)).toEqual([]);
    // A flag whose name merely starts the same is not a pool size.
    expect(v8PoolSizeArgs(['--v8-pool-size-x=1'], undefined, 2)).toEqual(['--v8-pool-size=1']);
  });
});
