import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeSharedModels } from '../src/engine/generate/model.js';
import { writeTinyLlama } from './fixtures/llama-checkpoint.js';
import { runCli } from './cli/cli-harness.js';
import { repoRoot } from './support/shared-data.js';

/**
 * Every command in README.md is run, here or by CI (.ci/run):
 * - `npx formwork ...` lines run in-process through the CLI's main(), on the default model, with the
 *   README's placeholder checkpoint replaced by a test checkpoint (a random Llama with the default
 *   model's byte-level BPE tokenizer, so it can spell any output);
 * - the TypeScript examples run as modules, with `formwork` imports pointed at src/;
 * - npm / tsc / eslint / .ci/run lines are CI's: .ci/run runs the quick start block verbatim.
 */
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const blocks = (lang: string) => [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
const commands = blocks('bash').flatMap((block) => block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#')));
const work = mkdtempSync(join(tmpdir(), 'formwork-readme-'));
afterAll(async () => {
  await disposeSharedModels();
  rmSync(work, { recursive: true, force: true });
});

/** POSIX shell words: single quotes, double quotes (with \" and \\), and plain words. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; line[i] !== '"'; i++) word += line[i] === '\\' && /["\\$`]/.test(line[i + 1]) ? line[++i] : line[i];
    } else if (c === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

describe('README.md', () => {
  it('starts with the two commands: install and run the main job on the default model, then the tests', () => {
    const [first, second] = blocks('bash');
    const lines = first.trim().split('\n');
    expect(lines[0]).toBe('npm install');
    expect(lines[1]).toMatch(/^npx formwork generate --schema /);
    expect(second.trim()).toBe('npm test');
    expect(readme.indexOf('```bash')).toBeLessThan(readme.indexOf('## What formwork is'));
  });

  it('CI runs the quick start block verbatim and every npm / tsc / eslint command', () => {
    const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
    expect(ci).toContain('README.md');
    expect(ci).toMatch(/quick start/i);
    const others = commands.filter((c) => !/^(echo .*\| )?npx formwork /.test(c));
    expect(others.sort()).toEqual(['bash .ci/run', 'npm install', 'npm test', 'npm test', 'npx eslint .', 'npx tsc --noEmit'].sort());
    for (const step of ['npm test', 'npx tsc --noEmit', 'npx eslint .']) expect(ci).toContain(step);
  });

  it('every `npx formwork` command runs and exits 0', async () => {
    const formworkCommands = commands.filter((c) => /^(echo .*\| )?npx formwork /.test(c));
    expect(formworkCommands.length).toBeGreaterThanOrEqual(8);
    // The README's placeholder checkpoint: a random Llama with the default model's tokenizer.
    const checkpoint = writeTinyLlama(join(work, 'SmolLM2-135M-Instruct'), { vocabSize: 4096, maxPositions: 1024 });
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(repoRoot, 'models', 'default', file), join(checkpoint.dir, file));
    const substitutions: Record<string, string> = {
      '~/checkpoints/SmolLM2-135M-Instruct': checkpoint.dir,
      'models/smollm2': join(work, 'smollm2'),
    };
    for (const command of formworkCommands) {
      let stdin: string | undefined;
      let line = command;
      const piped = /^echo (.*?) \| (npx formwork .*)$/.exec(command);
      if (piped) {
        stdin = `${shellWords(piped[1]).join(' ')}\n`;
        line = piped[2];
      }
      const argv = shellWords(line).slice(2).map((word) => substitutions[word] ?? word);
      const run = await runCli(argv, { stdin });
      expect(run.code, `${command}\n${run.stderr}`).toBe(0);
      expect(run.stdout.length, command).toBeGreaterThan(0);
    }
  });

  it('every TypeScript example runs (imports of formwork point at src/)', async () => {
    const examples = blocks('ts');
    expect(examples.length).toBeGreaterThanOrEqual(2);
    const dir = join(repoRoot, 'tmp', 'readme-examples');
    mkdirSync(dir, { recursive: true });
    for (const [i, source] of examples.entries()) {
      const rewritten = source
        .replace(/from 'formwork'/g, `from ${JSON.stringify(join(repoRoot, 'src', 'index.ts'))}`)
        .replace(/from 'formwork\/ai-sdk'/g, `from ${JSON.stringify(join(repoRoot, 'src', 'engine', 'ai-sdk', 'formwork-provider.ts'))}`);
      const logged: unknown[] = [];
      (globalThis as { readmeLog?: (...args: unknown[]) => void }).readmeLog = (...args) => logged.push(args);
      const file = join(dir, `example-${i}.ts`);
      writeFileSync(file, `const console = { log: (...args: unknown[]) => (globalThis as any).readmeLog(...args) };\n${rewritten}`);
      await import(`${pathToFileURL(file).href}?t=${Date.now()}`);
      expect(logged.length, `example ${i}`).toBeGreaterThan(0);
    }
  });
});
