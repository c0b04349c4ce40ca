import type { Server } from 'node:https';
import type { INestApplication, LoggerService } from '@nestjs/common';

/** Longest a stopping KME takes: in-flight requests, the outbox, the store, the broker. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * On SIGTERM or SIGINT: stop accepting connections, let the requests in flight finish (idle
 * keep-alive connections are closed at once, busy ones after their answer), then close the
 * application (the link's workers, the broker connection, the store) and exit 0. A KME that
 * cannot stop within the deadline exits 1, saying so, rather than hang.
 */
export function stopGracefullyOnSignals(
  app: INestApplication,
  server: Server,
  logger: LoggerService,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping (at most ${SHUTDOWN_DEADLINE_MS / 1000} s)`, 'Kme');
    const deadline = setTimeout(() => {
      logger.error(`did not stop within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting`, 'Kme');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Busy connections close once their answer is out (Node sends Connection: close then).
    server.closeIdleConnections();
    closed
      .then(() => app.close())
      .then(
        () => {
          logger.log('stopped', 'Kme');
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
