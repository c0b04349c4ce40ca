import { Agent } from 'undici';

export interface TlsIdentity {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** A non-200 answer. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 300)}`);
    this.name = 'HttpStatusError';
  }
}

/** A 200 answer that is not what the scenario asked for. */
export class UnexpectedAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedAnswerError';
  }
}

/**
 * An SAE's HTTPS client: one undici Agent presenting the SAE's certificate, keep-alive, at most
 * `connections` sockets per origin and one request at a time on each (no pipelining).
 */
export class BenchClient {
  private readonly agent: Agent;

  constructor(ca: Buffer, identity: TlsIdentity, connections: number) {
    this.agent = new Agent({
      connect: { ca, cert: identity.cert, key: identity.key },
      connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
    });
  }

  /** GET origin+path; the parsed JSON body of a 200, else HttpStatusError. */
  getJson(origin: string, path: string): Promise<unknown> {
    return this.send(origin, path, 'GET');
  }

  /** POST a JSON body; the parsed JSON body of a 200, else HttpStatusError. */
  postJson(origin: string, path: string, body: unknown): Promise<unknown> {
    return this.send(origin, path, 'POST', JSON.stringify(body));
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** Drops the sockets at once, for Ctrl-C. */
  destroy(): Promise<void> {
    return this.agent.destroy();
  }

  private async send(
    origin: string,
    path: string,
    method: 'GET' | 'POST',
    body?: string,
  ): Promise<unknown> {
    const response = await this.agent.request({
      origin,
      path,
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new HttpStatusError(response.statusCode, text);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UnexpectedAnswerError(`not JSON: ${text.slice(0, 200)}`);
    }
  }
}

/** A short, stable name for what went wrong, to count failures by kind. */
export function errorKind(error: unknown): string {
  if (error instanceof HttpStatusError) return `HTTP ${error.status}`;
  if (error instanceof UnexpectedAnswerError) return 'unexpected answer';
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return typeof code === 'string' ? code : error.name;
  }
  return 'unknown';
}
