import type { SecureContext } from 'node:tls';
import { Agent } from 'undici';
import { EtsiNetworkError, EtsiProtocolError, EtsiTimeoutError } from './errors';
import { errorText } from './error-text';
import { httpErrorOf } from './http-error-of';
import { secureContextOf, type TlsCredentials } from './tls-credentials';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECTIONS = 4;

/** How a client reaches one KME as one identity. */
export interface KmeClientOptions {
  /** `https://host:port`, optionally with a path prefix (`https://gateway/kme-1`). */
  readonly baseUrl: string;
  /** Read and checked when the client is made: unusable files throw EtsiTlsConfigError there. */
  readonly tls: TlsCredentials;
  /** Bound on each request, from sending it to the last byte of the answer. Default 10 s. */
  readonly timeoutMs?: number;
  /** Keep-alive connections the client may open to the KME at once. Default 4. */
  readonly connections?: number;
  /** Aborting it cancels every request in flight and refuses later ones (rejects with its reason). */
  readonly signal?: AbortSignal;
  /** Sees every HTTP answer as received, e.g. to print the KME's JSON unchanged. */
  readonly onResponse?: (response: RawResponse) => void;
}

export interface RawResponse {
  /** As sent: one of HttpMethod, or whatever `send` was given. */
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface TransportRequest {
  readonly query?: Readonly<Record<string, string>>;
  /** Sent as JSON with `Content-Type: application/json`; no body and no content type when absent. */
  readonly body?: unknown;
}

/**
 * A request exactly as given, for `send`: any method (HEAD, OPTIONS, or one HTTP does not
 * define), a path with its query as it should appear on the wire, any headers, a body of any bytes.
 */
export interface RawRequest {
  readonly method: string;
  /** After the base URL's path prefix; not encoded, normalised or checked. */
  readonly path: string;
  /** Exactly these headers (undici adds Host, and Content-Length for a body). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/**
 * The one HTTP exchange both clients use: mutual TLS from one secure context, keep-alive
 * connections of one undici Agent, a deadline per request, and the mapping of every way a request
 * can fail to the typed errors. Paths are sent exactly as given (no URL normalisation), so an
 * encoded SAE ID reaches the KME as encoded.
 */
export class KmeTransport {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly pathPrefix: string;
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(private readonly options: KmeClientOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'https:') {
      throw new TypeError(`a KME is reached over https, not ${url.protocol} (${options.baseUrl})`);
    }
    this.origin = url.origin;
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.baseUrl = this.origin + this.pathPrefix;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const secureContext: SecureContext = secureContextOf(options.tls);
    this.agent = new Agent({
      connect: { secureContext, timeout: this.timeoutMs },
      connections: options.connections ?? DEFAULT_CONNECTIONS,
      pipelining: 1,
    });
  }

  /**
   * Sends one request and returns the parsed JSON of its 2xx answer; an empty or non-JSON answer
   * is an EtsiProtocolError. The type parameter is what the KME promises: it is not validated.
   */
  async json<T>(method: HttpMethod, path: string, request: TransportRequest = {}): Promise<T> {
    const { status, url, text, parsed } = await this.exchange(method, path, request);
    if (parsed === undefined) {
      throw new EtsiProtocolError(`${status} answer from ${url} has no body`, url, status, text);
    }
    return parsed as T;
  }

  /**
   * The escape hatch: sends `request` as it is, without JSON encoding or an Accept header, and
   * resolves with whatever answer came, whatever its status. For what the typed methods never send
   * (malformed bodies, wrong content types, odd methods) and for answers that are not JSON. Only the
   * absence of an answer rejects (EtsiNetworkError, EtsiTimeoutError, the signal's reason).
   */
  async send(request: RawRequest): Promise<RawResponse> {
    const fullPath = this.pathPrefix + request.path;
    const url = this.origin + fullPath;
    const answer = await this.deadlined(url, async (signal) => {
      const response = await this.agent.request({
        origin: this.origin,
        path: fullPath,
        method: request.method as HttpMethod,
        headers: { ...request.headers },
        body: request.body,
        signal,
      });
      const text = await response.body.text();
      return {
        method: request.method,
        url,
        status: response.statusCode,
        headers: response.headers,
        text,
      };
    });
    this.options.onResponse?.(answer);
    return answer;
  }

  /** As `json`, for routes that may answer without a body (204): undefined then. */
  async jsonOrEmpty<T>(
    method: HttpMethod,
    path: string,
    request: TransportRequest = {},
  ): Promise<T | undefined> {
    const { parsed } = await this.exchange(method, path, request);
    return parsed as T | undefined;
  }

  private async exchange(
    method: HttpMethod,
    path: string,
    request: TransportRequest,
  ): Promise<RawResponse & { parsed: unknown }> {
    const query = request.query ? new URLSearchParams(request.query).toString() : '';
    const fullPath = this.pathPrefix + path + (query ? `?${query}` : '');
    const url = this.origin + fullPath;
    const hasBody = request.body !== undefined;
    const answer = await this.deadlined(url, async (signal) => {
      const response = await this.agent.request({
        origin: this.origin,
        path: fullPath,
        method,
        headers: hasBody
          ? { accept: 'application/json', 'content-type': 'application/json' }
          : { accept: 'application/json' },
        body: hasBody ? JSON.stringify(request.body) : undefined,
        signal,
      });
      const text = await response.body.text();
      return { method, url, status: response.statusCode, headers: response.headers, text };
    });

    this.options.onResponse?.(answer);
    const { status, headers, text } = answer;
    if (status < 200 || status > 299) throw httpErrorOf(url, status, headers, text);
    if (text.trim() === '') return { ...answer, parsed: undefined };
    try {
      return { ...answer, parsed: JSON.parse(text) as unknown };
    } catch {
      throw new EtsiProtocolError(
        `${status} answer from ${url} is not JSON: ${text.slice(0, 200)}`,
        url,
        status,
        text,
      );
    }
  }

  /**
   * Runs one exchange under the client's deadline and abort signal, and turns whatever stopped it
   * into EtsiTimeoutError, EtsiNetworkError or the caller's abort reason. A controller of its own
   * per request, rather than AbortSignal.any on the long-lived client signal, so that nothing
   * stays attached to that signal after the request.
   */
  private async deadlined<R>(
    url: string,
    exchange: (signal: AbortSignal) => Promise<R>,
  ): Promise<R> {
    const external = this.options.signal;
    external?.throwIfAborted();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timeout after ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    const onAbort = (): void => controller.abort(external?.reason);
    external?.addEventListener('abort', onAbort, { once: true });
    try {
      return await exchange(controller.signal);
    } catch (error) {
      if (external?.aborted) throw external.reason;
      if (timedOut) throw new EtsiTimeoutError(url, this.timeoutMs, { cause: error });
      const hint = closedUnanswered(error)
        ? ': the KME closed the connection without a word, as a KME does when it refuses the client certificate'
        : '';
      throw new EtsiNetworkError(`request to ${url} failed: ${errorText(error)}${hint}`, url, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      external?.removeEventListener('abort', onAbort);
    }
  }

  /** Closes the connections once the requests in flight are answered. */
  close(): Promise<void> {
    return this.agent.close();
  }

  /**
   * Closes the connections at once, those still connecting included: what is in flight fails.
   * For an owner that is stopping and has given up on its requests.
   */
  destroy(): Promise<void> {
    return this.agent.destroy(
      new EtsiNetworkError(`the client of ${this.baseUrl} was closed`, this.baseUrl),
    );
  }
}

/**
 * With TLS 1.3 the client finishes its handshake before the server has checked the client
 * certificate, so a refused certificate shows up only as a socket closed before any byte of
 * answer: undici's "other side closed" with nothing read.
 */
function closedUnanswered(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, socket } = error as { code?: unknown; socket?: { bytesRead?: unknown } };
  return code === 'UND_ERR_SOCKET' && socket?.bytesRead === 0;
}
