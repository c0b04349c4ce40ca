import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';

/** An ETSI Error body (Table 13); the only shape of every non-2xx answer of a KME. */
export interface ErrorBody {
  readonly message: string;
  readonly details?: readonly Record<string, unknown>[];
}

/** Answers a request Nest never saw (rejected by Node or by the platform middleware). */
export function writeErrorResponse(
  response: ServerResponse,
  status: number,
  body: ErrorBody,
): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
  });
  response.end(json);
}

/**
 * Answers on a raw socket, for what Node's HTTP parser refuses before there is a request (a
 * malformed request line, headers too large): the same Error body, then the connection closes.
 */
export function writeErrorToSocket(socket: Socket, status: number, body: ErrorBody): void {
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
}
