import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What a proxy or client may choose as an ID: short, and harmless in a log line or header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The ID of a request: the caller's X-Request-Id when it is a sane token, else a new UUID. It is
 * decided once (kept on the request, as pino-http keeps it) and echoed in the answer's headers.
 */
export function requestIdOf(request: IncomingMessage, response: ServerResponse): string {
  const known: unknown = request.id;
  if (typeof known === 'string') return known;
  const offered = request.headers['x-request-id'];
  const id = typeof offered === 'string' && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
  request.id = id;
  if (!response.headersSent) response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
