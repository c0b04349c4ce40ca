import { Presets, SingleBar } from 'cli-progress';

const LABEL_WIDTH = 50;

/**
 * The progress display on stderr: one cli-progress bar for the step running, replaced by a
 * summary line when it ends. Without a terminal only the summary lines are written.
 */
export class Progress {
  private bar: SingleBar | undefined;
  private readonly tty: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = stream.isTTY === true;
  }

  begin(label: string, total: number, detail = ''): void {
    this.end();
    if (!this.tty) return;
    this.bar = new SingleBar(
      {
        stream: this.stream,
        format: '{label} {bar} {percentage}% {detail}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        fps: 10,
      },
      Presets.shades_classic,
    );
    this.bar.start(total, 0, { label: label.padEnd(LABEL_WIDTH), detail });
  }

  update(value: number, detail: string): void {
    this.bar?.update(value, { detail });
  }

  /** Ends the bar, if any, and writes `summary`. */
  end(summary?: string): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
    }
    if (summary !== undefined) this.stream.write(`${summary}\n`);
  }

  /** A line of its own, above no bar. */
  say(line: string): void {
    this.end(line);
  }

  /** A summary line in the layout of the bars' labels. */
  static line(label: string, text: string): string {
    return `${label.padEnd(LABEL_WIDTH)} ${text}`;
  }
}
