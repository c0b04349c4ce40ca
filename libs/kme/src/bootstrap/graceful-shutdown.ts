import type { ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import { Server as TlsServer } from 'node:tls';
import type { INestApplication, LoggerService } from '@nestjs/common';

/** Longest a stopping KME takes: in-flight requests, the outbox, the store, the broker. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * How long a keep-alive connection that is idle at SIGTERM stays open: a client may have written
 * a request on it that the KME has not read yet, which closing it at once would reset.
 */
export const IDLE_DRAIN_MS = 1_000;

/** After the drain, connections still open are looked at this often and closed once idle. */
const IDLE_SWEEP_MS = 100;

/**
 * When connections still open by then are cut, so that the application (link, outbox, broker,
 * store) still has time to close within the deadline.
 */
const CUT_CONNECTIONS_AT_MS = SHUTDOWN_DEADLINE_MS - 2_000;

/**
 * On SIGTERM or SIGINT: stop accepting connections, answer the requests in flight and those
 * already sent on open connections (each with `Connection: close`), close each connection once
 * its last answer is out, then close the application (the link's workers, the outbox, the broker
 * connection, the store) and exit 0. A KME that cannot stop within the deadline exits 1, saying
 * so, rather than hang.
 */
export function stopGracefullyOnSignals(
  app: INestApplication,
  server: Server,
  logger: LoggerService,
): void {
  const drain = new ConnectionDrain(server);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const began = Date.now();
    const after = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;
    logger.log(`${signal}: stopping (at most ${SHUTDOWN_DEADLINE_MS / 1000} s)`, 'Kme');
    const deadline = setTimeout(() => {
      logger.error(`did not stop within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting`, 'Kme');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    drain
      .close(logger)
      .then(() => {
        logger.log(`connections closed after ${after()}; closing the application`, 'Kme');
        return app.close();
      })
      .then(
        () => {
          logger.log(`stopped after ${after()}`, 'Kme');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error(
            `stopping failed: ${error instanceof Error ? error.message : String(error)}`,
            'Kme',
          );
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * Stops an HTTP(S) server without resetting a request a client already sent. Node's own
 * `server.close()` closes idle keep-alive connections at once (a request written on one a moment
 * earlier is then reset unread) and leaves busy ones open after their answer, which says
 * `keep-alive`: under a steady load, or with one request in flight from a keep-alive client such
 * as the peer KME's, they stay open for the keep-alive timeout (65 s) and the server never
 * closes. Here every answer from the stop on says `Connection: close`, so that Node closes the
 * connection after it and the client opens no new request on it; connections idle at the stop
 * get IDLE_DRAIN_MS to deliver what is on its way, and are closed once idle after that.
 */
class ConnectionDrain {
  private closing = false;
  /** Answers being written, to tell `Connection: close` to those whose headers are not out. */
  private readonly answering = new Set<ServerResponse>();

  constructor(private readonly server: Server) {
    // Before Express and the platform see the request: the header must be set before any answer.
    server.prependListener('request', (_request, response: ServerResponse) => {
      if (this.closing) {
        response.setHeader('Connection', 'close');
        return;
      }
      this.answering.add(response);
      response.once('close', () => this.answering.delete(response));
    });
  }

  /** Resolves once the server stopped listening and every connection is closed. */
  close(logger: LoggerService): Promise<void> {
    this.closing = true;
    const inFlight = this.answering.size;
    for (const response of this.answering) {
      if (!response.headersSent) response.setHeader('Connection', 'close');
    }
    this.answering.clear();
    const closed = new Promise<void>((resolve) => {
      // tls.Server's close, not https.Server's: only stop listening (see the class comment).
      // The callback comes once the last connection is gone.
      TlsServer.prototype.close.call(this.server, () => resolve());
    });
    logger.log(
      `stopped accepting connections; ${inFlight} request(s) in flight, open connections drained for ${IDLE_DRAIN_MS} ms`,
      'Kme',
    );
    let sweep: NodeJS.Timeout | undefined;
    const drained = setTimeout(() => {
      this.server.closeIdleConnections();
      sweep = setInterval(() => this.server.closeIdleConnections(), IDLE_SWEEP_MS);
    }, IDLE_DRAIN_MS);
    const cut = setTimeout(() => {
      logger.warn(
        `connections still open ${CUT_CONNECTIONS_AT_MS / 1000} s after the stop began: closing them`,
        'Kme',
      );
      this.server.closeAllConnections();
    }, CUT_CONNECTIONS_AT_MS);
    return closed.finally(() => {
      clearTimeout(drained);
      clearTimeout(cut);
      clearInterval(sweep);
    });
  }
}
