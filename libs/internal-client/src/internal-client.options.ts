export interface InternalClientOptions {
  /** Base URL of the master KME, e.g. https://localhost:8000 */
  readonly baseUrl: string;
  /** PEM: the CA, and this KME's own certificate and key. */
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Bound on every call, connection included. */
  readonly timeoutMs: number;
}

export const INTERNAL_CLIENT_OPTIONS = Symbol('INTERNAL_CLIENT_OPTIONS');
