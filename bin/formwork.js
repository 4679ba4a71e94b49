#!/usr/bin/env node
// The `formwork` command. An installed package runs its compiled dist/; a development checkout runs
// dist/ too while it is at least as new as every source file of src/ (what the build compiles:
// tsconfig.build.json; bench scripts always run from their sources, see bench-command.ts), and
// otherwise the TypeScript sources through tsx, so the command never runs code older than the checkout.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');

function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function useSources() {
  if (!existsSync(source)) return false;
  if (process.env.FORMWORK_FROM_SOURCES === '1') return true;
  if (!existsSync(compiled)) return true;
  return newestSource(join(root, 'src')) > statSync(compiled).mtimeMs;
}

let entry = compiled;
if (useSources()) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = source;
}
const { main } = await import(pathToFileURL(entry).href);
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Worker threads and sessions are released by main(); this only guards against a stray handle.
setTimeout(() => process.exit(code), 2000).unref();
