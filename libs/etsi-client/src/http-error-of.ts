import type { ErrorDto } from '@app/etsi-api';
import {
  EtsiBadRequestError,
  EtsiHttpError,
  EtsiUnauthorizedError,
  EtsiUnavailableError,
  type HttpErrorAnswer,
} from './errors';

type HeaderValue = string | string[] | undefined;

/** The typed error for a non-2xx answer, whatever its body held. */
export function httpErrorOf(
  url: string,
  status: number,
  headers: Readonly<Record<string, HeaderValue>>,
  body: string,
  now: Date = new Date(),
): EtsiHttpError {
  const errorBody = parseErrorBody(body);
  const answer: HttpErrorAnswer = {
    url,
    status,
    body,
    errorBody,
    message: errorBody?.message ?? (body.trim() || fallbackMessage(status)),
    details: errorBody?.details,
    retryAfterSeconds: parseRetryAfter(firstValue(headers['retry-after']), now),
  };
  switch (status) {
    case 400:
      return new EtsiBadRequestError(answer);
    case 401:
      return new EtsiUnauthorizedError(answer);
    case 503:
      return new EtsiUnavailableError(answer);
    default:
      return new EtsiHttpError(answer);
  }
}

/**
 * `Retry-After` in seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3); a date in
 * the past is 0. Anything else is ignored rather than guessed at.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // HTTP dates name the day or month; without that, Date.parse would read "-5" as a year.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

/** The body as an ETSI Error (Table 13) when it is one: a JSON object with a string `message`. */
function parseErrorBody(body: string): ErrorDto | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { message, details } = parsed as { message?: unknown; details?: unknown };
  if (typeof message !== 'string') return undefined;
  const error: ErrorDto = { message };
  if (Array.isArray(details)) {
    error.details = details.filter(
      (detail): detail is Record<string, unknown> =>
        typeof detail === 'object' && detail !== null && !Array.isArray(detail),
    );
  }
  return error;
}

/** ETSI 014 defines no body for 401; the standard's own words for each status are the fallback. */
function fallbackMessage(status: number): string {
  switch (status) {
    case 400:
      return 'Bad request format';
    case 401:
      return 'Unauthorized';
    case 503:
      return 'Error on server side';
    default:
      return `HTTP status ${status}`;
  }
}

function firstValue(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
