import type { DestinationStream } from 'pino';

/** The KME's LOG_LEVEL values. */
export type KmeLogLevel = 'error' | 'warn' | 'info' | 'debug' | 'verbose';

/** `json`: one JSON object a line (containers); `pretty`: lines for people (a terminal). */
export type KmeLogFormat = 'json' | 'pretty';

export interface KmeLoggerOptions {
  readonly format: KmeLogFormat;
  readonly level: KmeLogLevel;
  /** Put on every line as `kme_id`, so the lines of two KMEs can be told apart once mixed. */
  readonly kmeId?: string;
  /** Where lines go: standard output, written asynchronously, unless given (tests capture). */
  readonly destination?: DestinationStream;
}
