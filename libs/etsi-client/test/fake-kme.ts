import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TestPki } from './test-pki';

/** One request as the fake KME saw it, with the identity the TLS layer verified. */
export interface SeenRequest {
  readonly method: string;
  /** The raw request target, exactly as sent (path and query, not decoded). */
  readonly target: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Subject CN of the verified client certificate. */
  readonly peerCn: string | undefined;
  /** Which TLS connection carried it, numbered from 1 in the order they were opened. */
  readonly connection: number;
}

export interface Reply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string as is. */
  readonly body?: string | object;
}

/** 'hang' never answers: the request stays open until the server closes. */
export type Responder = (request: SeenRequest) => Reply | 'hang';

/**
 * An in-process HTTPS server with the KME's mutual-TLS settings (client certificate required and
 * verified against the CA), which records every request and answers what the test says.
 */
export class FakeKme {
  readonly requests: SeenRequest[] = [];
  private responder: Responder = () => ({ body: {} });
  private connectionCount = 0;
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(pki: TestPki, serverName = 'kme-1'): Promise<FakeKme> {
    const server = createServer({
      ca: readFileSync(pki.caFile),
      cert: readFileSync(pki.crt(serverName)),
      key: readFileSync(pki.key(serverName)),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeKme(server, `https://127.0.0.1:${port}`);
    const connections = new WeakMap<TLSSocket, number>();
    server.on('secureConnection', (socket: TLSSocket) => {
      connections.set(socket, ++fake.connectionCount);
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const socket = request.socket as TLSSocket;
      fake.handle(request, response, connections.get(socket) ?? 0);
    });
    return fake;
  }

  /** TLS connections accepted so far. */
  get connections(): number {
    return this.connectionCount;
  }

  respond(responder: Responder): void {
    this.responder = responder;
  }

  /** Resolves once `count` requests have arrived (event-driven: no polling, no sleeps). */
  receivedRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  get last(): SeenRequest {
    const last = this.requests.at(-1);
    if (last === undefined) throw new Error('the fake KME has received no request');
    return last;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private handle(request: IncomingMessage, response: ServerResponse, connection: number): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = request.url ?? '';
      const parsed = new URL(target, 'https://fake.invalid');
      const peer = (request.socket as TLSSocket).getPeerCertificate();
      const seen: SeenRequest = {
        method: request.method ?? '',
        target,
        path: target.split('?')[0],
        query: parsed.searchParams,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        peerCn: typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined,
        connection,
      };
      this.requests.push(seen);
      const reply = this.responder(seen);
      for (const waiter of this.waiters.filter((w) => this.requests.length >= w.count)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      if (reply === 'hang') return;
      const body =
        reply.body === undefined
          ? ''
          : typeof reply.body === 'string'
            ? reply.body
            : JSON.stringify(reply.body);
      const headers: Record<string, string> = { ...reply.headers };
      if (typeof reply.body === 'object') headers['content-type'] ??= 'application/json';
      response.writeHead(reply.status ?? 200, headers);
      response.end(body);
    });
  }
}

/** A port on which nothing listens: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A peer that takes connections and never says a word: not even its side of the TLS handshake. */
export interface SilentPeer {
  readonly url: string;
  /** Resolves once the first connection is taken. */
  readonly connected: Promise<void>;
  close(): Promise<void>;
}

export async function silentPeer(): Promise<SilentPeer> {
  const sockets: Socket[] = [];
  let firstConnection!: () => void;
  const connected = new Promise<void>((resolve) => (firstConnection = resolve));
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    firstConnection();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    connected,
    close: () =>
      new Promise((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}
