import { describe, expect, it } from 'vitest';
import { ProgressBar, formatBytes } from '../../src/engine/progress-bar.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, columns: 100, writes, write: (text: string) => writes.push(text) };
}

describe('ProgressBar', () => {
  it('draws nothing when the stream is not a terminal', () => {
    const s = stream(false);
    const bar = new ProgressBar({ stream: s });
    bar.update(1, 2);
    bar.finish();
    expect(s.writes).toEqual([]);
  });

  it('draws the fraction, the sizes and the detail on one line, then ends it', () => {
    const s = stream(true);
    const bar = new ProgressBar({ stream: s, label: 'convert' });
    bar.update(512 * 1024, 2 * 1024 * 1024, 'model.layers.0.mlp');
    bar.update(2 * 1024 * 1024, 2 * 1024 * 1024);
    bar.finish();
    expect(s.writes[0].startsWith('\rconvert [#')).toBe(true);
    expect(s.writes[0].endsWith('-]  25% 512.0 KiB/2.0 MiB model.layers.0.mlp\u001b[K')).toBe(true);
    expect(s.writes[1]).toContain('100%');
    expect(s.writes[2]).toBe('\n');
  });

  it('throttles redraws but always draws completion', () => {
    const s = stream(true);
    const bar = new ProgressBar({ stream: s });
    for (let i = 1; i <= 50; i++) bar.update(i, 100);
    bar.update(100, 100);
    expect(s.writes.length).toBe(2);
  });

  it('formats byte counts', () => {
    expect([formatBytes(12), formatBytes(2048), formatBytes(3 * 1024 ** 2), formatBytes(5 * 1024 ** 3)]).toEqual(['12 B', '2.0 KiB', '3.0 MiB', '5.00 GiB']);
  });
});
