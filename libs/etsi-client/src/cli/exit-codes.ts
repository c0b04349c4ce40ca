import {
  EtsiBadRequestError,
  EtsiNetworkError,
  EtsiUnauthorizedError,
  EtsiUnavailableError,
} from '../errors';

/**
 * The CLI's exit codes, distinct per outcome so that scripts can branch on them the way ETSI 014
 * clients branch on status codes:
 *
 * - 0 success (also `--help`, and `kme watch` ended with Ctrl-C)
 * - 1 anything else: another HTTP status, an unreadable certificate file, an answer that is not JSON
 * - 2 usage error: unknown command or option, missing or malformed argument
 * - 3 the KME answered 400 (bad request: retrying the same request will not help)
 * - 4 the KME answered 401 (this SAE may not do this)
 * - 5 the KME answered 503 (cannot serve now: retry later)
 * - 6 no answer: connection refused, TLS handshake failed, timeout
 * - 130 interrupted (Ctrl-C) while a request was in flight
 */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  BadRequest: 3,
  Unauthorized: 4,
  Unavailable: 5,
  Network: 6,
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof EtsiBadRequestError) return ExitCode.BadRequest;
  if (error instanceof EtsiUnauthorizedError) return ExitCode.Unauthorized;
  if (error instanceof EtsiUnavailableError) return ExitCode.Unavailable;
  if (error instanceof EtsiNetworkError) return ExitCode.Network;
  return ExitCode.Failure;
}

/** The list above, for `--help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    any other failure (other HTTP status, unreadable certificate files, non-JSON answer)
  2    usage error
  3    the KME answered 400 Bad request
  4    the KME answered 401 Unauthorized
  5    the KME answered 503 (cannot serve now; retry later)
  6    no answer: connection refused, TLS handshake failed, timeout
  130  interrupted by Ctrl-C`;
