import { EtsiHttpError, EtsiTlsConfigError } from '../errors';
import { errorText } from '../error-text';
import type { RawResponse } from '../kme-transport';
import type { CliIo } from './cli-io';
import { ExitCode, exitCodeOf } from './exit-codes';

interface Closable {
  close(): Promise<void>;
}

/**
 * One run of the CLI: what it writes and the exit code it ends with. Commands report through it so
 * that every command prints answers and errors the same way.
 */
export class Invocation {
  exitCode: ExitCode = ExitCode.Ok;

  constructor(readonly io: CliIo) {}

  /**
   * Runs one request-and-answer command. `render` turns the answer into readable text; with
   * `json` the KME's answer is printed exactly as received instead (nothing for an empty one).
   */
  async request<C extends Closable, T>(
    json: boolean | undefined,
    connect: (onResponse: (response: RawResponse) => void) => C,
    send: (client: C) => Promise<T>,
    render: (answer: T) => string,
  ): Promise<void> {
    let raw = '';
    let client: C | undefined;
    try {
      client = connect((response) => {
        raw = response.text;
      });
      const answer = await send(client);
      this.io.stdout.write(json === true ? asDocument(raw) : render(answer));
    } catch (error) {
      this.fail(error, json);
    } finally {
      await client?.close();
    }
  }

  /**
   * One line on stderr (`kme: 400 size shall be a multiple of 8 (size: …)`) and the exit code of
   * the error's kind. With `json` an ETSI Error body also goes to stdout unchanged, so that a
   * script reading stdout always gets the KME's JSON.
   */
  fail(error: unknown, json = false): void {
    if (this.io.signal?.aborted) {
      this.io.stderr.write('kme: interrupted\n');
      this.exitCode = ExitCode.Interrupted;
      return;
    }
    if (error instanceof EtsiHttpError) {
      if (json && error.errorBody !== undefined) this.io.stdout.write(asDocument(error.body));
      this.io.stderr.write(`kme: ${error.summary}\n`);
    } else if (error instanceof EtsiTlsConfigError) {
      this.io.stderr.write(`kme: ${error.message}; see --sae, --cert, --key, --ca, --p12\n`);
    } else {
      this.io.stderr.write(`kme: ${errorText(error)}\n`);
    }
    this.exitCode = exitCodeOf(error);
  }
}

function asDocument(text: string): string {
  if (text === '' || text.endsWith('\n')) return text;
  return `${text}\n`;
}
