import { availableParallelism } from 'node:os';

/** Node's `--v8-pool-size` when none is given. */
export const NODE_DEFAULT_V8_POOL_SIZE = 4;

/**
 * How many background threads V8 gets in a process that `formwork` starts for timing work.
 *
 * Node gives V8 four worker threads whatever the machine (`--v8-pool-size`, default 4). They run the
 * optimizing compiler and the parallel parts of garbage collection. On a 2-core machine those four
 * threads and the main thread compete for two cores. Then the kernel takes the main thread off its
 * core for a whole scheduler tick (~4 ms here) while a background job runs. A token mask that needs
 * microseconds then reads ~4.2 ms.
 *
 * Measured on the 2-core development VM (json.gbnf, Llama-3, pass 1 after a JIT warm-up, no GC in the
 * pass): the five slowest masks were 4.2-10.6 ms at different positions in every run with the default
 * pool, and 0.6-3.3 ms with one background thread (bench/RESULTS.md, token automata, session 16).
 *
 * So: one thread fewer than the cores, at least one, and never more than Node's default. From five
 * cores up this is Node's default, so only small machines change.
 */
export function v8PoolSizeFor(cores: number): number {
  return Math.min(NODE_DEFAULT_V8_POOL_SIZE, Math.max(1, Math.floor(cores) - 1));
}

/**
 * The flag to start a child Node process with: none when this process was started with a pool size
 * or NODE_OPTIONS sets one (the child inherits NODE_OPTIONS), so that a user's own choice wins.
 */
export function v8PoolSizeArgs(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
  cores: number = availableParallelism(),
): string[] {
  const chosen = (arg: string) => arg === '--v8-pool-size' || arg.startsWith('--v8-pool-size=');
  if (execArgv.some(chosen) || (nodeOptions ?? '').split(/\s+/).some(chosen)) return [];
  return [`--v8-pool-size=${v8PoolSizeFor(cores)}`];
}
