import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type * as WebXGrammarModule from '@mlc-ai/web-xgrammar';

/** The web-xgrammar API (Grammar, GrammarCompiler, GrammarMatcher, TokenizerInfo, ...). */
export type WebXGrammar = typeof WebXGrammarModule;

const require = createRequire(import.meta.url);

/**
 * Loads @mlc-ai/web-xgrammar. Its package.json declares "type": "module" but lib/index.js is a UMD /
 * CommonJS bundle (it assigns `exports.X`), so neither `import` (no ESM exports) nor `require` (Node
 * refuses to require a .js file of an ESM package) can load it in place. We copy the bundle, unchanged,
 * to a content-addressed `.cjs` file in the temp directory, which Node loads as CommonJS; node_modules is
 * never touched. The WASM binary is embedded in the bundle as base64, so nothing else is needed.
 */
export function loadWebXGrammar(): WebXGrammar {
  const bundlePath = require.resolve('@mlc-ai/web-xgrammar');
  const bundle = readFileSync(bundlePath);
  const digest = createHash('sha256').update(bundle).digest('hex').slice(0, 16);
  const copyPath = join(tmpdir(), `formwork-web-xgrammar-${digest}.cjs`);
  if (!existsSync(copyPath)) {
    // Write then rename: two workers starting at once never see a half-written file.
    const partial = `${copyPath}.${process.pid}.partial`;
    writeFileSync(partial, bundle);
    renameSync(partial, copyPath);
  }
  return require(copyPath) as WebXGrammar;
}
