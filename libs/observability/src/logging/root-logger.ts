import { hostname } from 'node:os';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { KmeLogLevel, KmeLoggerOptions } from './kme-logger.options';
import { scrubKeyMaterial } from './scrub';

/** Nest's verbose is pino's trace; the other names are the same. */
export const PINO_LEVELS: Readonly<Record<KmeLogLevel, Level>> = {
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Credentials wherever a caller puts headers; the request serializer redacts its own. */
const REDACTED_PATHS = [
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** The one pino logger of a KME: Nest's logs, request lines and audit lines all go through it. */
export function createRootLogger(options: KmeLoggerOptions): Logger {
  const json = options.format === 'json';
  return pino(
    {
      level: PINO_LEVELS[options.level],
      base: {
        pid: process.pid,
        hostname: hostname(),
        ...(options.kmeId === undefined ? {} : { kme_id: options.kmeId }),
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        // A label, not pino's number: what log collectors and people filter on. Pretty lines
        // name the level themselves.
        ...(json ? { level: (label: string) => ({ level: label }) } : {}),
        log: scrubKeyMaterial,
      },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    json ? (options.destination ?? stdout()) : prettyStream(options.destination),
  );
}

/** Asynchronous writes: the request path does no synchronous I/O; pino flushes at exit. */
const stdout = (): DestinationStream => pino.destination({ dest: 1, sync: false });

/**
 * pino-pretty's formatter in this process, in front of the destination, rather than a pino
 * transport: a transport is a worker thread that loads pino-pretty by name at run time, which
 * the webpack build of the apps does not ship. Colour only when the lines go to a terminal.
 */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  const target = destination ?? stdout();
  const prettify = prettyFactory({
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,kme_id',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
  const stream: FlushableStream = {
    write: (line: string) => target.write(prettify(line)),
    // pino's flush() looks for the method on the stream it writes to: this one.
    flush: (callback) => {
      const flush = (target as Partial<FlushableStream>).flush;
      if (typeof flush === 'function') flush.call(target, callback);
      else callback?.();
    },
  };
  return stream;
}

interface FlushableStream extends DestinationStream {
  flush(callback?: (error?: Error) => void): void;
}
