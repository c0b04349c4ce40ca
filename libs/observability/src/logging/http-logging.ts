import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Options } from 'pino-http';
import { requestIdOf } from './request-id';

/** Headers whose values are credentials; their names stay, so that one sees they were sent. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
]);

/** Said once as `reqId`; an offered ID that was not sane is not worth a place in the logs. */
const REQUEST_ID = 'x-request-id';

/** Probed every few seconds: their lines only at verbose level, or they would drown the rest. */
const PROBE_PATH = /^\/(health\/|metrics(\?|$))/;

interface RequestSeen {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Record<string, unknown>;
  readonly remoteAddress?: string;
}

interface ResponseSeen {
  readonly statusCode?: number;
  readonly headers?: Record<string, unknown>;
}

/**
 * pino-http's settings on the KME's root logger: one line per request at debug level (verbose
 * for probes), the request ID on every line of the request (`reqId`), no bodies, no query
 * strings, credentials redacted.
 */
export function httpLoggingOptions(root: Logger): Options {
  return {
    logger: root,
    genReqId: requestIdOf,
    // Lines logged while serving a request carry its ID, not the whole request again.
    quietReqLogger: true,
    customLogLevel: (request: IncomingMessage) => (isProbe(request) ? 'trace' : 'debug'),
    serializers: { req: serializeRequest, res: serializeResponse },
  };
}

function isProbe(request: IncomingMessage): boolean {
  // Express rewrites url while a middleware mounted on a path runs; originalUrl stays.
  const url = (request as { originalUrl?: string }).originalUrl ?? request.url ?? '';
  return PROBE_PATH.test(url);
}

/** The path without its query: a query is free text of the client's, and names key IDs. */
function serializeRequest(request: RequestSeen): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url?.split('?', 1)[0],
    headers: withoutCredentials(request.headers),
    remoteAddress: request.remoteAddress,
  };
}

function serializeResponse(response: ResponseSeen): Record<string, unknown> {
  return { statusCode: response.statusCode, headers: withoutCredentials(response.headers) };
}

function withoutCredentials(
  headers: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (headers === undefined) return undefined;
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lowerCase = name.toLowerCase();
    if (lowerCase === REQUEST_ID) continue;
    kept[name] = CREDENTIAL_HEADERS.has(lowerCase) ? '[redacted]' : value;
  }
  return kept;
}
