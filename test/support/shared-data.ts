import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in test/support/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * ../shared/data next to the repository (CI and developer machines have it; a user's fresh clone does
 * not). FORMWORK_SHARED_DATA overrides the location.
 */
export const sharedDataDir = process.env.FORMWORK_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');

/** True when ../shared/data/<relative> exists. */
export function hasSharedData(relative = ''): boolean {
  return existsSync(resolve(sharedDataDir, relative));
}

/** Absolute path of ../shared/data/<relative>. */
export function sharedData(relative: string): string {
  return resolve(sharedDataDir, relative);
}

/**
 * Why a suite is skipped, printed once so a skipped run is never mistaken for a passing one. In CI the
 * data must be present: a missing folder there is an error, not a skip.
 */
export function skipUnlessSharedData(relative: string): boolean {
  if (hasSharedData(relative)) return false;
  if (process.env.CI) throw new Error(`CI must have ${sharedData(relative)} (../shared/data), but it is missing`);
  console.warn(`[skip] ${sharedData(relative)} is absent: tests that need ../shared/data/${relative} are skipped`);
  return true;
}
