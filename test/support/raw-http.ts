import { connect } from 'node:tls';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Sends `head` (and `body`) as written, on a TLS connection of its own, and reads until the KME
 * closes it: for requests no HTTP client library would send (no Host, a strange Expect, garbage).
 */
export function rawRequest(
  port: number,
  ca: Buffer,
  text: string,
  identity?: { cert: Buffer; key: Buffer },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: 'localhost', port, ca, servername: 'localhost', ...identity },
      () => {
        socket.write(text);
      },
    );
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const answer = parse(Buffer.concat(chunks).toString('latin1'));
      if (answer !== undefined) {
        socket.end();
        resolve(answer);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const answer = parse(Buffer.concat(chunks).toString('latin1'));
      if (answer === undefined)
        reject(new Error(`incomplete answer: ${Buffer.concat(chunks).toString()}`));
      else resolve(answer);
    });
  });
}

/** One complete HTTP/1.1 response with a Content-Length body, or undefined until there is one. */
function parse(raw: string): RawAnswer | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = raw.slice(end + 4);
  if (Buffer.byteLength(body, 'latin1') < length) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.slice(0, length) };
}
