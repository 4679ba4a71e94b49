import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createProgressBar, formatProgressLine } from '../../../bench/report/progress-bar.js';

describe('progress bar', () => {
  it('shows done/total, share, rate and the remaining time', () => {
    // 30 of 100 done, 20 of them in 10 s since the (resumed) start: 2/s, 70 left -> 35 s.
    expect(formatProgressLine('xgrammar maskbench', 30, 100, 10, 20, 'Github_easy---o1.json')).toBe(
      'xgrammar maskbench [#######-----------------] 30/100 30% 2.00/s ETA 35s Github_easy---o1.json',
    );
    expect(formatProgressLine('run', 0, 10, 0, 0)).toBe('run [------------------------] 0/10 0% 0.00/s ETA ?');
  });

  it('writes nothing when stderr is not a terminal (logs and CI stay clean)', () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let written = '';
    (stream as unknown as PassThrough).on('data', (chunk: Buffer) => (written += chunk.toString()));
    const bar = createProgressBar({ total: 3, label: 'x', stream });
    bar.update(1);
    bar.update(3);
    bar.finish();
    expect(written).toBe('');
  });
});
