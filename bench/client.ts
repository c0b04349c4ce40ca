import {
  EtsiClient,
  EtsiHttpError,
  EtsiNetworkError,
  EtsiProtocolError,
  EtsiTimeoutError,
} from '@app/etsi-client';

export interface TlsIdentity {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** A 200 answer that is not what the scenario asked for. */
export class UnexpectedAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedAnswerError';
  }
}

/**
 * The bench's SAEs, as the project's own client (`@app/etsi-client`), so that what is measured is
 * what an SAE using the library gets. Keep-alive, at most `connections` sockets per server and one
 * request at a time on each (no pipelining): one client per SAE and server.
 */
export interface SaeClients {
  /** sae-1 at the master KME. */
  readonly sae1: EtsiClient;
  /** sae-2 at the slave KME. */
  readonly sae2: EtsiClient;
  /** sae-1 at the bare reference server, with the same client code as at the KMEs. */
  readonly reference: EtsiClient;
}

/** Origins (https://host:port) of the servers under test. */
export interface Endpoints {
  readonly master: string;
  readonly slave: string;
  readonly reference: string;
}

export interface BenchPki {
  readonly ca: Buffer;
  readonly sae1: TlsIdentity;
  readonly sae2: TlsIdentity;
}

/** Generous: a timeout means the server is wedged, not slow, and is counted as an error. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * `signal` aborts every request in flight (Ctrl-C), which `closeSaeClients` then does not wait
 * for.
 */
export function openSaeClients(
  pki: BenchPki,
  endpoints: Endpoints,
  connections: number,
  signal?: AbortSignal,
): SaeClients {
  const client = (baseUrl: string, identity: TlsIdentity) =>
    new EtsiClient({
      baseUrl,
      tls: { ...identity, ca: pki.ca },
      connections,
      timeoutMs: REQUEST_TIMEOUT_MS,
      signal,
    });
  return {
    sae1: client(endpoints.master, pki.sae1),
    sae2: client(endpoints.slave, pki.sae2),
    reference: client(endpoints.reference, pki.sae1),
  };
}

export async function closeSaeClients(clients: SaeClients): Promise<void> {
  await Promise.all([clients.sae1.close(), clients.sae2.close(), clients.reference.close()]);
}

/** A short, stable name for what went wrong, to count failures by kind. */
export function errorKind(error: unknown): string {
  if (error instanceof EtsiHttpError) return `HTTP ${error.status}`;
  if (error instanceof UnexpectedAnswerError || error instanceof EtsiProtocolError) {
    return 'unexpected answer';
  }
  if (error instanceof EtsiTimeoutError) return 'timeout';
  if (error instanceof EtsiNetworkError) {
    const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
    return typeof code === 'string' ? code : 'network';
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return typeof code === 'string' ? code : error.name;
  }
  return 'unknown';
}
