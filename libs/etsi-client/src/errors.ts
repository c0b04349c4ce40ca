import type { ErrorDto } from '@app/etsi-api';

/** What an HTTP error answer carried, as the transport read it. */
export interface HttpErrorAnswer {
  readonly status: number;
  /** The ETSI `message`, or the body text (or the status text) when the body was no ETSI Error. */
  readonly message: string;
  readonly details?: readonly Record<string, unknown>[];
  /** The body exactly as received, so a caller can pass it on unchanged. */
  readonly body: string;
  /** The body, when it parsed as an ETSI Error (`{"message": …}`). */
  readonly errorBody?: ErrorDto;
  readonly retryAfterSeconds?: number;
  readonly url: string;
}

/**
 * A KME answered with a non-2xx status. `message` and `details` are the ETSI Error body's; a body
 * that is no ETSI Error (a proxy's HTML page, an empty 401) still gives the status and its text.
 * Callers branch on the subclass, which is what ETSI 014 clients in the field do.
 */
export class EtsiHttpError extends Error {
  readonly status: number;
  readonly details?: readonly Record<string, unknown>[];
  readonly body: string;
  readonly errorBody?: ErrorDto;
  /** Seconds from `Retry-After`; set when the KME sent the header (it does with every 503). */
  readonly retryAfterSeconds?: number;
  readonly url: string;

  constructor(answer: HttpErrorAnswer) {
    super(answer.message);
    this.name = new.target.name;
    this.status = answer.status;
    this.details = answer.details;
    this.body = answer.body;
    this.errorBody = answer.errorBody;
    this.retryAfterSeconds = answer.retryAfterSeconds;
    this.url = answer.url;
  }

  /** One readable line: `400 size shall be a multiple of 8 (size: shall be a multiple of 8)`. */
  get summary(): string {
    const details = (this.details ?? []).flatMap((detail) =>
      Object.entries(detail).map(([name, value]) => `${name}: ${describeValue(value)}`),
    );
    let line = `${this.status} ${this.message}`;
    if (details.length > 0) line += ` (${details.join('; ')})`;
    if (this.retryAfterSeconds !== undefined) line += `; retry after ${this.retryAfterSeconds} s`;
    return line;
  }
}

/** 400: the standard's "Bad request format"; the request is wrong and retrying it will not help. */
export class EtsiBadRequestError extends EtsiHttpError {}

/** 401: the KME does not accept this SAE for this request (wrong SAE, or not a slave SAE of a key). */
export class EtsiUnauthorizedError extends EtsiHttpError {}

/** 503: the KME cannot serve now (no key material, peer or broker away); retry after a while. */
export class EtsiUnavailableError extends EtsiHttpError {}

/**
 * No HTTP answer at all: connection refused or reset, TLS handshake failed (an untrusted KME, or a
 * KME that rejected our certificate), or no answer in time. `cause` is the underlying error.
 */
export class EtsiNetworkError extends Error {
  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The KME did not answer completely within the client's per-request timeout. */
export class EtsiTimeoutError extends EtsiNetworkError {
  constructor(
    url: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`no answer from ${url} within ${timeoutMs} ms`, url, options);
  }
}

/** A 2xx answer whose body is not JSON: the server is no KME, or a broken one. */
export class EtsiProtocolError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The client's TLS files could not be read, or do not make a usable identity (bad passphrase…). */
export class EtsiTlsConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
