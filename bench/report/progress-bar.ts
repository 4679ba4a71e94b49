/**
 * A one-line progress bar on stderr for long benchmark runs (a full MaskBench pass with a peer takes
 * hours). It draws only on a TTY, so logs and CI output stay clean, and at most every 100 ms.
 */
export interface ProgressBar {
  /** `done` items of the total are finished; `detail` (e.g. the current schema) is shown after it. */
  update(done: number, detail?: string): void;
  /** Draws the final state and moves to the next line. */
  finish(): void;
}

export interface ProgressBarOptions {
  total: number;
  label: string;
  stream?: NodeJS.WriteStream;
  /** Items already done when the bar starts (a resumed run): they do not count toward the rate. */
  initial?: number;
}

const BAR_CELLS = 24;
const REDRAW_MS = 100;

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  return hours > 0 ? `${hours}h${String(minutes).padStart(2, '0')}m` : minutes > 0 ? `${minutes}m${String(rest).padStart(2, '0')}s` : `${rest}s`;
}

/** The text of one progress line (exported for tests; the bar itself only writes on a TTY). */
export function formatProgressLine(
  label: string,
  done: number,
  total: number,
  elapsedSeconds: number,
  doneSinceStart: number,
  detail = '',
): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * BAR_CELLS);
  const rate = elapsedSeconds > 0 ? doneSinceStart / elapsedSeconds : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.NaN;
  return (
    `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_CELLS - filled)}] ${done}/${total} ` +
    `${(share * 100).toFixed(0)}% ${rate.toFixed(rate < 10 ? 2 : 0)}/s ETA ${formatSeconds(eta)}${detail ? ` ${detail}` : ''}`
  );
}

export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY) return { update() {}, finish() {} };
  const started = performance.now();
  const initial = options.initial ?? 0;
  let lastDraw = 0;
  let last = { done: initial, detail: '' };
  const draw = (): void => {
    const elapsed = (performance.now() - started) / 1000;
    const line = formatProgressLine(options.label, last.done, options.total, elapsed, last.done - initial, last.detail);
    const columns = stream.columns ?? 100;
    stream.write(`\r${line.slice(0, Math.max(10, columns - 1)).padEnd(Math.max(10, columns - 1))}`);
  };
  return {
    update(done, detail = '') {
      last = { done, detail };
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      draw();
    },
    finish() {
      draw();
      stream.write('\n');
    },
  };
}
