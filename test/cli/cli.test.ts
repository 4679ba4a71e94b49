import * as ort from 'onnxruntime-node';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGenerateArgs } from '../../src/cli/generate-command.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { writeTinyLlama } from '../fixtures/llama-checkpoint.js';
import { independentValidator, maskFuelsOf } from '../engine/api/fixtures.js';
import { runCli } from './cli-harness.js';
import { repoRoot } from '../support/shared-data.js';

/**
 * `formwork` in-process (the same main() the bin calls): every command's --help, output formats, and
 * the exit status of every class of failure (the contract of src/cli/exit-codes.ts).
 */
const work = mkdtempSync(join(tmpdir(), 'formwork-cli-'));
const modelDir = join(repoRoot, 'models', 'default');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const closed = JSON.stringify({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['a', 'b'], additionalProperties: false });

describe('help and usage', () => {
  it('prints help for the program and for every command, with exit status 0', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(EXIT.ok);
    expect(top.stdout).toContain('Usage: formwork COMMAND');
    expect(top.stdout).toContain('Exit status:');
    for (const command of ['generate', 'convert', 'bench', 'models']) {
      const viaFlag = await runCli([command, '--help']);
      expect(viaFlag.code, command).toBe(EXIT.ok);
      expect(viaFlag.stdout, command).toContain(`Usage: formwork ${command}`);
      const viaHelp = await runCli(['help', command]);
      expect(viaHelp.stdout).toBe(viaFlag.stdout);
    }
    expect((await runCli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('lists the benchmarks of bench/ in `bench --help`, with the first sentence of their doc comment', async () => {
    const { stdout } = await runCli(['bench', '--help']);
    for (const name of ['jsts', 'maskbench', 'samplers', 'decoder', 'report']) expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const dir = join(work, 'bench');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'echo.ts'), '/** Echo benchmark: prints its arguments. It is a test. */\nconsole.log(process.argv);\n');
    writeFileSync(join(dir, 'library.ts'), '/** Not a script: reads no arguments. */\nexport const x = 1;\n');
    process.env.FORMWORK_BENCH_DIR = dir;
    try {
      const listed = await runCli(['bench', '--help']);
      expect(listed.stdout).toMatch(/^ {2}echo +Echo benchmark: prints its arguments$/m);
      expect(listed.stdout).not.toContain('library');
    } finally {
      delete process.env.FORMWORK_BENCH_DIR;
    }
  });

  it('exits 2 on usage errors, naming the problem on stderr', async () => {
    const cases: string[][] = [
      [],
      ['nope'],
      ['generate', '--bogus'],
      ['generate', '--schema', 'no-such-file.json', 'x'],
      ['generate', '--schema', '{not json', 'x'],
      ['generate', '--schema', '{}', '--regex', 'a', 'x'],
      ['generate', '--particles', '3', 'x'],
      ['generate', '--max-tokens', '0', 'x'],
      ['generate', '--sampler', 'beam', 'x'],
      ['generate', '--temperature', '-1', 'x'],
      ['generate', '--search', 'deal', 'x'],
      ['generate', 'one', 'two'],
      ['generate', '--model', modelDir],
      ['convert', 'only-one'],
      ['bench', 'no-such-bench'],
    ];
    for (const argv of cases) {
      const run = await runCli(argv);
      expect(run.code, argv.join(' ')).toBe(EXIT.usage);
      if (argv.length > 0) expect(run.stderr, argv.join(' ')).toMatch(/^formwork: /);
    }
  });

  it('refuses a --mask-fuel that is not a non-negative integer, naming the flag', async () => {
    for (const value of ['-1', '1.5', 'lots', '']) {
      // `=`: util.parseArgs reads a separate '-1' as a missing argument.
      const run = await runCli(['generate', `--mask-fuel=${value}`, 'x']);
      expect(run.code, value).toBe(EXIT.usage);
      expect(run.stderr, value).toContain('--mask-fuel must be an integer >= 0');
    }
    expect((await runCli(['generate', '--help'])).stdout).toContain('--mask-fuel N');
  });

  it('parses every generate flag into the request', () => {
    const parsed = parseGenerateArgs(
      ['--regex', '[a-z]+', '--sampler', 'smc', '--particles', '8', '--max-tokens', '20', '--temperature', '0.7', '--seed', '3', '--system', 'S', '--raw', 'P'],
      work,
    );
    expect(parsed).toMatchObject({
      prompt: 'P',
      request: { regex: '[a-z]+', sampler: 'smc', particles: 8, maxTokens: 20, temperature: 0.7, seed: 3, system: 'S', chatTemplate: false, schemaPrompt: false },
    });
    expect(parseGenerateArgs(['--mask-fuel', '0', 'x'], work)).toMatchObject({ request: { maskFuel: 0 } });
    expect(parseGenerateArgs(['x'], work)).toMatchObject({ request: { maskFuel: undefined } });
    const search = parseGenerateArgs(['--search', 'deal', '--reward', 'keywords=a,b', '--reward', 'length=5', '--beam', '3', 'x'], work);
    expect(search).toMatchObject({ request: { search: { kind: 'deal', beamWidth: 3 } } });
  });
});

describe('generate', () => {
  it('prints the value of a schema as JSON, and --json the whole result', async () => {
    const plain = await runCli(['generate', '--model', modelDir, '--schema', '{"enum": ["yes", "no", "maybe"]}', '--sampler', 'greedy', 'Is it?']);
    expect(plain.code).toBe(EXIT.ok);
    expect(['"yes"\n', '"no"\n', '"maybe"\n']).toContain(plain.stdout);

    const schemaFile = join(work, 'range.json');
    const schema = { type: 'integer', minimum: 10, maximum: 99 };
    writeFileSync(schemaFile, JSON.stringify(schema));
    const json = await runCli(['generate', '--model', modelDir, '--schema', schemaFile, '--json', '--seed', '5', '--prompt', 'A number.']);
    expect(json.code).toBe(EXIT.ok);
    const out = JSON.parse(json.stdout) as { value: unknown; text: string; tokens: number[]; usage: { completionTokens: number }; finishReason: string };
    expect(independentValidator(schema)(out.value)).toBe(true);
    expect(JSON.parse(out.text)).toEqual(out.value);
    expect(out.usage.completionTokens).toBe(out.tokens.length);
    expect(out.finishReason).toBe('stop');
  });

  it('reads the prompt from standard input, runs regexes and grammars, and streams text', async () => {
    const regex = await runCli(['generate', '--model', modelDir, '--regex', '[0-9]{4}', '--json'], { stdin: 'A year:\n' });
    expect(regex.code).toBe(EXIT.ok);
    expect(JSON.parse(regex.stdout).text).toMatch(/^[0-9]{4}$/);
    expect(JSON.parse(regex.stdout).value).toBeUndefined();

    const grammar = join(work, 'answer.gbnf');
    writeFileSync(grammar, 'root ::= "yes" | "no"\n');
    const streamed = await runCli(['generate', '--model', modelDir, '--grammar', grammar, '--stream', 'ok?']);
    expect(streamed.code).toBe(EXIT.ok);
    expect(['yes\n', 'no\n']).toContain(streamed.stdout);
  });

  it('passes --mask-fuel to every mask of the run, and the output still satisfies the constraint', async () => {
    let run: Awaited<ReturnType<typeof runCli>> | undefined;
    const fuels = await maskFuelsOf(async () => {
      run = await runCli(['generate', '--model', modelDir, '--regex', '[0-9]{4}', '--mask-fuel', '3', '--sampler', 'masked', '--json', 'A year:']);
    });
    expect(run?.code).toBe(EXIT.ok);
    expect(JSON.parse(run?.stdout ?? '').text).toMatch(/^[0-9]{4}$/);
    expect(fuels.length).toBeGreaterThan(0);
    expect(new Set(fuels)).toEqual(new Set([3]));
  });

  it('exits 1 when generation fails, and --json still prints the partial output', async () => {
    const run = await runCli(['generate', '--model', modelDir, '--schema', closed, '--max-tokens', '3', '--json', 'x']);
    expect(run.code).toBe(EXIT.generationFailed);
    const out = JSON.parse(run.stdout) as { error: { code: string; exitCode: number }; tokens: number[]; text: string; finishReason: string };
    expect(out.error.code).toBe('INCOMPLETE_OUTPUT');
    expect(out.error.exitCode).toBe(EXIT.generationFailed);
    expect(out.tokens).toHaveLength(3);
    expect(out.finishReason).toBe('length');
    expect(run.stderr).toContain('raise maxTokens');
  });

  it('exits 3 for a constraint that does not compile, 4 for a model that does not load, 5 past a limit, 130 when interrupted', async () => {
    const compile = await runCli(['generate', '--model', modelDir, '--schema', '{"type": "string", "pattern": "a{2,1}"}', 'x']);
    expect(compile.code).toBe(EXIT.constraint);
    expect(compile.stderr).toContain('out of order');
    expect((await runCli(['generate', '--model', modelDir, '--regex', 'a(', 'x'])).code).toBe(EXIT.constraint);
    const model = await runCli(['generate', '--model', join(work, 'no-model'), 'x']);
    expect(model.code).toBe(EXIT.model);
    expect(model.stderr).toContain('no-model');
    expect((await runCli(['generate', '--model', modelDir, '--raw', 'x'.repeat(3000)])).code).toBe(EXIT.limit);
    expect((await runCli(['generate', '--model', modelDir, 'x'], { signal: AbortSignal.abort() })).code).toBe(EXIT.interrupted);
  });
});

describe('models and convert', () => {
  it('describes model directories, and exits 4 when one is not a model', async () => {
    const ok = await runCli(['models', modelDir, '--json']);
    expect(ok.code).toBe(EXIT.ok);
    const out = JSON.parse(ok.stdout) as { default: { kind: string }; models: { ok: boolean; chatTemplate: boolean; tokenizerSize: number; eosIds: number[] }[] };
    expect(['trained', 'env']).toContain(out.default.kind);
    expect(out.models[0]).toMatchObject({ ok: true, chatTemplate: true, tokenizerSize: 4096, eosIds: [4, 0] });
    const text = await runCli(['models', modelDir]);
    expect(text.stdout).toContain('chat template: yes');
    const bad = await runCli(['models', work]);
    expect(bad.code).toBe(EXIT.model);
    expect(bad.stdout).toContain('not a loadable model');
  });

  it('converts a safetensors checkpoint into a model directory that generate runs', async () => {
    const checkpoint = writeTinyLlama(join(work, 'checkpoint'), { vocabSize: 64 });
    const out = join(work, 'converted');
    const run = await runCli(['convert', checkpoint.dir, out, '--dtype', 'fp16']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain(`${checkpoint.parameters.toLocaleString('en-US')} parameters, fp16`);
    expect(existsSync(join(out, 'model.onnx'))).toBe(true);
    const generated = await runCli(['generate', '--model', out, '--max-tokens', '5', '--sampler', 'greedy', '--json', 'ab']);
    expect(generated.code).toBe(EXIT.ok);
    expect(JSON.parse(generated.stdout).tokens.length).toBeLessThanOrEqual(5);
    expect((await runCli(['convert', join(work, 'missing'), join(work, 'x')])).code).toBe(EXIT.model);
  });

  it('--cache-outputs present writes the Hugging Face cache layout, which generate also runs', async () => {
    const checkpoint = writeTinyLlama(join(work, 'checkpoint-present'), { vocabSize: 64 });
    const out = join(work, 'converted-present');
    expect((await runCli(['convert', checkpoint.dir, out, '--cache-outputs', 'present'])).code).toBe(EXIT.ok);
    const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
    expect(session.outputNames).toContain('present.0.key');
    expect(session.outputNames.some((name) => name.startsWith('appended.'))).toBe(false);
    await session.release();
    const generated = await runCli(['generate', '--model', out, '--max-tokens', '5', '--sampler', 'greedy', '--json', 'ab']);
    expect(generated.code).toBe(EXIT.ok);
    const bad = await runCli(['convert', checkpoint.dir, join(work, 'x'), '--cache-outputs', 'sideways']);
    expect(bad.code).not.toBe(EXIT.ok);
    expect(bad.stderr).toContain('cache-outputs');
  });
});
