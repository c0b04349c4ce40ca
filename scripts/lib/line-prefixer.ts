import type { Readable } from 'node:stream';

/**
 * Splits a byte stream into lines. Chunks end anywhere, so the part after the last newline is
 * held until the next chunk or flush(). Handles \r\n; decodes UTF-8 across chunk borders.
 */
export class LineSplitter {
  private pending = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Buffer | string): string[] {
    this.pending +=
      typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    return parts.map(stripCarriageReturn);
  }

  /** The unterminated last line, if any. */
  flush(): string[] {
    this.pending += this.decoder.decode();
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? [] : [stripCarriageReturn(rest)];
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

const COLORS = { cyan: 36, magenta: 35, yellow: 33, red: 31, green: 32, gray: 90 } as const;
export type Color = keyof typeof COLORS;

/** `[label] `, colored with ANSI codes when the output is a terminal. */
export function makePrefix(label: string, color: Color | undefined, useColor: boolean): string {
  const tag = `[${label}] `;
  return useColor && color !== undefined ? `\u001b[${COLORS[color]}m${tag}\u001b[0m` : tag;
}

/** Prefixes each line: `prefixLines('[a] ', ['x', 'y'])` is `'[a] x\n[a] y\n'`. */
export function prefixLines(prefix: string, lines: readonly string[]): string {
  return lines.map((line) => `${prefix}${line}\n`).join('');
}

/** Calls onLine for each line of stream, including an unterminated last one at its end. */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  const splitter = new LineSplitter();
  stream.on('data', (chunk: Buffer | string) => splitter.push(chunk).forEach(onLine));
  stream.on('end', () => splitter.flush().forEach(onLine));
}
