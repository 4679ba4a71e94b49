/**
 * What a command may touch of the outside world. The real one is the process; tests pass their own
 * to run commands in-process and read what they printed.
 */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** The whole of standard input, read on demand; undefined when stdin is a terminal (nothing piped). */
  readStdin(): Promise<string | undefined>;
  readonly cwd: string;
  /** Fires on Ctrl-C. */
  readonly signal: AbortSignal;
}

export interface OutputStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** The process's own streams; SIGINT aborts the running command (a second one exits at once). */
export function processIo(): CliIo {
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error('interrupted (SIGINT)'));
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    signal: controller.signal,
    async readStdin() {
      if (process.stdin.isTTY) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
