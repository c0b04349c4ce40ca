import type { CliOutput } from './cli-io';

const ESC = '\u001b[';

/**
 * Shows successive frames. On a terminal each frame replaces the last in place (cursor up over
 * the previous frame, lines cleared), lines cut to the terminal width so that no wrap breaks the
 * line count. Elsewhere (a pipe, a file) frames follow each other as plain lines.
 */
export class LiveScreen {
  private previousLines = 0;

  constructor(private readonly out: CliOutput) {}

  draw(lines: readonly string[]): void {
    if (this.out.isTTY !== true) {
      this.out.write(`${lines.join('\n')}\n\n`);
      return;
    }
    const width = Math.max(1, (this.out.columns ?? 80) - 1);
    // Back to column 1 of the previous frame's first line; hide the cursor on the first frame.
    const home = this.previousLines > 0 ? `\r${ESC}${this.previousLines}A` : `${ESC}?25l`;
    const body = lines.map((line) => `${line.slice(0, width)}${ESC}K\n`).join('');
    // Clear below too: the previous frame may have been longer.
    this.out.write(`${home}${body}${ESC}J`);
    this.previousLines = lines.length;
  }

  /** Gives the cursor back. */
  end(): void {
    if (this.out.isTTY === true && this.previousLines > 0) this.out.write(`${ESC}?25h`);
  }
}
