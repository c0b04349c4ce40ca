import type { CliOutput } from '../src/cli/cli-io';

/** A CliOutput that keeps what is written and can wake a test when some text has appeared. */
export class CapturedOutput implements CliOutput {
  text = '';
  private readonly waiters: { until: (text: string) => boolean; resolve: () => void }[] = [];

  constructor(
    readonly isTTY = false,
    readonly columns?: number,
  ) {}

  write(chunk: string): boolean {
    this.text += chunk;
    for (const waiter of [...this.waiters]) {
      if (waiter.until(this.text)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    return true;
  }

  /** Resolves once the whole output satisfies `until`: driven by writes, not by a clock. */
  waitFor(until: (text: string) => boolean): Promise<void> {
    if (until(this.text)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ until, resolve }));
  }
}
