import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { MaskbenchRecord } from '../../../bench/peers/peer-maskbench.js';
import type { JstsRecord } from '../../../bench/peers/peer-jsts.js';
import { buildReport, REPORT_BEGIN, REPORT_END } from '../../../bench/report/build-report.js';
import { describeMachine } from '../../../bench/report/machine-info.js';
import { JOURNAL_FORMAT, type JournalHeader } from '../../../bench/report/result-journal.js';
import { allElements, parseXml } from './xml-tree.js';

function journal(path: string, header: Partial<JournalHeader>, records: object[]): void {
  const full: JournalHeader = {
    format: JOURNAL_FORMAT,
    bench: 'maskbench',
    engine: 'xgrammar',
    engineLabel: 'engine',
    config: {},
    command: 'cmd',
    machine: describeMachine([]),
    startedAt: '2025-01-01T00:00:00.000Z',
    ...header,
  };
  writeFileSync(path, [full, ...records].map((line) => JSON.stringify(line)).join('\n') + '\n');
}

const ok = (id: string, subset: string, accepted: boolean[], valid: boolean[], maskUs: number[], compileMs: number): MaskbenchRecord => ({
  id,
  subset,
  status: 'ok',
  compileMs,
  ttfmMs: compileMs + 1,
  maskUs,
  instances: valid.map((isValid, i) => ({ valid: isValid, accepted: accepted[i], rejectedAt: accepted[i] ? -1 : 0, tokens: 3 })),
});

describe('buildReport', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'formwork-report-'));
    const out = join(dir, 'out');
    const anchors = join(dir, 'anchors');
    mkdirSync(out);
    mkdirSync(anchors);
    journal(join(out, 'formwork-maskbench.jsonl'), { engine: 'formwork', engineLabel: 'formwork 0.1.0', command: 'npx formwork bench maskbench' }, [
      ok('A_1.json', 'A', [true, false], [true, false], [10, 20, 30], 1),
      ok('A_2.json', 'A', [true], [true], [15], 2),
      ok('B_1.json', 'B', [false], [true], [12, 13], 1.5),
    ]);
    journal(join(out, 'xgrammar-maskbench.jsonl'), { engine: 'xgrammar', engineLabel: 'web-xgrammar 0.1.27 (compliant)', command: 'npx tsx bench/peers/peer-maskbench.ts' }, [
      ok('A_1.json', 'A', [true, true], [true, false], [5, 9000], 900),
      { id: 'A_2.json', subset: 'A', status: 'compileError', error: 'Unsupported type "strin"', maskUs: [], instances: [] },
      { id: 'B_1.json', subset: 'B', status: 'timeout', error: 'no result within 10 ms', maskUs: [], instances: [] },
    ]);
    const jsts: JstsRecord[] = [
      { id: 'anyOf#0', category: 'anyOf', expected: [true, false], status: 'ok', maskUs: [1], instances: [{ valid: true, accepted: true, rejectedAt: -1, tokens: 1 }, { valid: false, accepted: true, rejectedAt: -1, tokens: 1 }] },
      { id: 'anyOf#1', category: 'anyOf', expected: [true], status: 'ok', maskUs: [1], instances: [{ valid: true, accepted: true, rejectedAt: -1, tokens: 1 }] },
      { id: 'optional/bignum#0', category: 'optional/bignum', expected: [true], status: 'compileError', error: 'no', maskUs: [], instances: [] },
    ];
    journal(join(out, 'xgrammar-jsts.jsonl'), { bench: 'jsts', engine: 'xgrammar', engineLabel: 'web-xgrammar 0.1.27 (compliant)' }, jsts);
    journal(join(out, 'coverage-default-2.jsonl'), { bench: 'coverage', engine: 'formwork', engineLabel: 'formwork default' }, [
      { id: 'A_1.json', subset: 'A', declared: true, valid: true, prompt: 'schema', ttftMs: 40, tpotMs: 4, baseline: { ttftMs: 20, tpotMs: 2, outputTokens: 5 } },
      { id: 'B_1.json', subset: 'B', declared: false, valid: false, prompt: 'schema', error: 'CompileError: x' },
    ]);
    writeFileSync(join(out, 'notes.txt'), 'not a journal');
    writeFileSync(join(anchors, 'llguidance_expected_maskbench.json'), JSON.stringify({ 'A_1.json': {}, 'A_2.json': { json_error: 'x' }, 'B_1.json': {} }));
    writeFileSync(join(anchors, 'test_suite_figure.csv'), 'category,XGrammar,Guidance\nanyOf,0.50,1.00\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('recomputes every run from its records and tabulates them with ours first', () => {
    const report = buildReport({ outDir: join(dir, 'out'), anchorsDir: join(dir, 'anchors') });
    expect(report.journals).toHaveLength(4);
    const lines = report.markdown.split('\n');
    const formworkRow = lines.find((line) => line.startsWith('| formwork 0.1.0 |'))!;
    const peerRow = lines.find((line) => line.startsWith('| web-xgrammar 0.1.27 (compliant) | 3 |'))!;
    expect(lines.indexOf(formworkRow)).toBeLessThan(lines.indexOf(peerRow));
    // formwork: A_1 passes, A_2 passes, B_1 rejects its valid instance.
    expect(formworkRow).toContain('| 3 | 2 (66.7%) | 0 | 1 | 0 | 0 / 0 |');
    // xgrammar: A_1 accepts its invalid instance, A_2 compile error, B_1 timeout.
    expect(peerRow).toContain('| 0 (0.0%) | 1 | 0 | 1 | 1 / 0 |');
    expect(report.markdown).toContain('| llguidance (its published ratchet, on the 3 files of the formwork run) | 3 | 2 (66.7%) |');
    expect(report.markdown).toContain('| compileError: Unsupported type "strin" | 1 |');
    expect(report.markdown).toContain('| anyOf | 50.0% (1/2) | 50.0% | 100.0% |');
    expect(report.markdown).toContain('`npx tsx bench/peers/peer-maskbench.ts`');
    // Head to head on the files both ran, with the targets.
    expect(report.markdown).toContain('#### Head to head on the same 3 files: formwork 0.1.0 vs web-xgrammar 0.1.27 (compliant)');
    expect(report.markdown).toContain('| invalid accepted (schemas) | 0 | 1 | - | 0 | met |');
    // 2 passing vs the peer's 0, but not above llguidance's 2 on these files.
    expect(report.markdown).toContain('| passing | 2 (66.7%) | 0 (0.0%) | - | > peer and > llguidance 2 (66.7%) | **missed** |');
    // End-to-end coverage: declared 1 of 2, empirical 1 of 2, compliance 1 of 1; TTFT 40 ms vs 20 ms.
    expect(report.markdown).toContain('| formwork default | 2 | 1 / 2 (50.0%) | 1 / 2 (50.0%) | 1 / 1 (100.0%) | 0 |');
    expect(report.markdown).toContain('| A | 1 / 1 / 1 |');
  });

  it('writes well-formed SVG figures with one series per run', () => {
    const figures = join(dir, 'out', 'report');
    const names = readdirSync(figures).sort();
    expect(names).toEqual(['coverage-subsets.svg', 'jsts-categories.svg', 'maskbench-compile-time.svg', 'maskbench-mask-time.svg', 'maskbench-subsets.svg', 'report.md']);
    const mask = parseXml(readFileSync(join(figures, 'maskbench-mask-time.svg'), 'utf8'));
    expect(allElements(mask).filter((element) => element.name === 'polyline')).toHaveLength(2);
    const subsets = parseXml(readFileSync(join(figures, 'maskbench-subsets.svg'), 'utf8'));
    // 2 subsets x (2 runs + llguidance); xgrammar passes nothing: zero-height bars are still drawn.
    expect(allElements(subsets).filter((element) => element.attributes.class === 'bar')).toHaveLength(6);
    // 2 subsets x (declared, empirical) of the one coverage run.
    const coverage = parseXml(readFileSync(join(figures, 'coverage-subsets.svg'), 'utf8'));
    expect(allElements(coverage).filter((element) => element.attributes.class === 'bar')).toHaveLength(4);
    // Test-suite chart: our run plus the paper's XGrammar and Guidance bars, for the one category.
    const jsts = parseXml(readFileSync(join(figures, 'jsts-categories.svg'), 'utf8'));
    expect(allElements(jsts).filter((element) => element.attributes.class === 'bar')).toHaveLength(3);
  });

  it('splices its section into a results file, replacing the previous one', () => {
    const results = join(dir, 'RESULTS.md');
    writeFileSync(results, '# Results\n\nHand-written intro.\n');
    buildReport({ outDir: join(dir, 'out'), anchorsDir: join(dir, 'anchors'), resultsPath: results, figuresDir: join(dir, 'figures') });
    buildReport({ outDir: join(dir, 'out'), anchorsDir: join(dir, 'anchors'), resultsPath: results, figuresDir: join(dir, 'figures') });
    const text = readFileSync(results, 'utf8');
    expect(text.startsWith('# Results\n\nHand-written intro.\n')).toBe(true);
    expect(text.split(REPORT_BEGIN)).toHaveLength(2);
    expect(text.split(REPORT_END)).toHaveLength(2);
    expect(text).toContain('![mask time percentiles](figures/maskbench-mask-time.svg)');
  });
});
