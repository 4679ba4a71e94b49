import { availableParallelism } from 'node:os';

/** Node's `--v8-pool-size` when none is given. */
export const NODE_DEFAULT_V8_POOL_SIZE = 4;

/**
 * How many background threads V8 gets in a process that `formwork bench` starts to time masks.
 *
 * Node gives V8 four worker threads whatever the machine (`--v8-pool-size`, default 4). They run the
 * optimizing compiler and the parallel parts of garbage collection. On a 2-core machine those four
 * threads and the main thread compete for two cores, and the main thread loses its core now and then
 * while a background job runs: a token mask that needs microseconds then reads 4.1-4.2 ms, about one
 * scheduler time slice.
 *
 * Measured on the 2-core development VM (bench/grammar.ts on json.gbnf with Llama-3, 4 runs of each
 * pool size, alternated; bench/RESULTS.md, "Grammars", session 16). The pass after the JIT warm-up,
 * with four threads: slowest mask 1.1-4.2 ms; in 3 of the 4 runs, masks of 2.4-4.2 ms at positions
 * that change from run to run. With one thread: 1.0-1.8 ms, always at the same first visits. The
 * process's first pass: 7.0-10.0 ms against 4.8-6.5 ms.
 *
 * So: one thread fewer than the cores, at least one, and never more than Node's default. From five
 * cores up this is Node's default, so only small machines change. Two threads on 2 cores did not
 * remove those pauses (4 of 8 runs had them). Fewer threads also leave less for the optimizing
 * compiler and the collector, which a benchmark that keeps compiling new code pays for (see
 * SIZED_V8_POOL in bench-command.ts).
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
