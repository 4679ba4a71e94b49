/**
 * A one-line terminal progress bar for long engine work (checkpoint conversion). It draws only when
 * the stream is a TTY, so piped output and logs stay clean, and redraws at most every 100 ms.
 */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressBarOptions {
  /** Where to draw; process.stderr by default (stdout stays free for results such as --json). */
  readonly stream?: ProgressStream;
  readonly label?: string;
  /** Formats done/total for display; bytes (KiB/MiB/GiB) by default. */
  readonly format?: (value: number) => string;
}

export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly label: string;
  private readonly format: (value: number) => string;
  private lastDraw = 0;
  private drawn = false;

  constructor(options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.label = options.label ?? '';
    this.format = options.format ?? formatBytes;
  }

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** Redraws the bar (throttled); `detail` is shown after the numbers (e.g. the tensor name). */
  update(done: number, total: number, detail = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    this.stream.write(`\r${this.render(done, total, detail)}\x1b[K`);
    this.drawn = true;
  }

  /** Ends the line so later output starts on a fresh one. */
  finish(): void {
    if (this.enabled && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }

  /** The bar's text (without cursor control), sized to the terminal width. */
  render(done: number, total: number, detail = ''): string {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const numbers = `${(fraction * 100).toFixed(0).padStart(3)}% ${this.format(done)}/${this.format(total)}`;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - numbers.length - this.label.length - 20));
    const filled = Math.round(fraction * width);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
    const line = `${this.label ? `${this.label} ` : ''}${bar} ${numbers}${detail ? ` ${detail}` : ''}`;
    const columns = this.stream.columns ?? 80;
    return line.length > columns - 1 ? line.slice(0, columns - 1) : line;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
