/** Where the CLI writes: process.stdout in production, a buffer in tests. */
export interface CliOutput {
  write(chunk: string): unknown;
  /** True on a terminal: `kme watch` then redraws in place. */
  readonly isTTY?: boolean;
  /** Terminal width, for help text and for cutting `kme watch` lines. */
  readonly columns?: number;
}

/** Everything the CLI takes from its process, passed in so that tests can drive `runCli`. */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default certificate paths (`certs/…`) are relative to it. */
  readonly cwd: string;
  /** Aborted on Ctrl-C: `kme watch` ends with 0, a request in flight is cancelled (exit 130). */
  readonly signal?: AbortSignal;
}
