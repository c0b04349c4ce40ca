import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpAdapterHost } from '@nestjs/core';

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Runs `listener` on every request the application's server receives, before Express and the
 * platform's middleware: a middleware would miss the requests the platform refuses before any
 * route (HEAD on an API route, a request without Host). Returns what removes it again, or
 * undefined in a context without an HTTP server.
 */
export function onEveryRequest(
  adapterHost: HttpAdapterHost,
  listener: RequestListener,
): (() => void) | undefined {
  // The adapter is absent outside an HTTP application (a bare testing module).
  const adapter = adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
  const server: unknown = adapter?.getHttpServer();
  if (!(server instanceof EventEmitter)) return undefined;
  server.prependListener('request', listener);
  return () => {
    server.removeListener('request', listener);
  };
}
