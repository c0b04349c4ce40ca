import type { INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/**
 * Sends Nest's own logs (every `new Logger(context)`) through the KME's pino logger. Create the
 * application with `bufferLogs: true` so that what Nest logs while starting follows too.
 */
export function useKmeLogger(app: INestApplication): void {
  app.useLogger(app.get(Logger));
}
