import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The machine and software a benchmark ran on, recorded next to every number: MaskBench figures are
 * only comparable on the same CPU, thread count and versions.
 */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /**
   * 1, 5 and 15 minute load averages when the description was taken: on a shared machine a load above
   * the core count means wall-clock timings include waiting for a CPU.
   */
  loadAverage: number[];
  /** Versions of the packages whose code is on the measured path (absent ones are left out). */
  packages: Record<string, string>;
}

/** Packages whose versions a benchmark report names by default. */
export const MEASURED_PACKAGES: readonly string[] = [
  '@mlc-ai/web-xgrammar',
  '@huggingface/transformers-structured-output',
  '@huggingface/transformers',
  '@huggingface/tokenizers',
  'onnxruntime-node',
];

const require = createRequire(import.meta.url);

/** The installed version of an npm package, or undefined when it is not installed. */
export function installedVersion(name: string): string | undefined {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    return undefined;
  }
  // package.json is not always in a package's "exports": walk up from its entry file to the folder
  // whose manifest names the package.
  for (let directory = dirname(entry); directory !== dirname(directory); directory = dirname(directory)) {
    const manifestPath = join(directory, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === name) return manifest.version;
  }
  return undefined;
}

/** formwork's version, from the package.json above this file (from source or from dist/). */
function formworkVersion(): string | undefined {
  for (let directory = dirname(fileURLToPath(import.meta.url)); directory !== dirname(directory); directory = dirname(directory)) {
    const manifestPath = join(directory, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'formwork') return manifest.version;
  }
  return undefined;
}

/** Describes this machine and the given packages' versions (plus formwork's own). */
export function describeMachine(packages: readonly string[] = MEASURED_PACKAGES): MachineInfo {
  const cpuList = cpus();
  const versions: Record<string, string> = {};
  const own = formworkVersion();
  if (own !== undefined) versions.formwork = own;
  for (const name of packages) {
    const version = installedVersion(name);
    if (version !== undefined) versions[name] = version;
  }
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
    packages: versions,
  };
}
