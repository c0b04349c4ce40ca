import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  InsufficientKeyMaterialError,
  KeyAccessDeniedError,
  KeyPoolError,
  KeysNotFoundError,
  UnavailableError,
} from '@app/key-pool';
import { UnauthenticatedError } from '@app/kme-server';
import type { ErrorDto } from './dto/error.dto';
import { InvalidRequestError } from './request-errors';

interface Mapped {
  status: number;
  body: ErrorDto;
  retryAfterSeconds?: number;
}

/** What body-parser and Node's http errors look like (the `http-errors` package). */
interface ClientHttpError {
  readonly status: number;
  readonly message: string;
  readonly type?: string;
  readonly expose?: boolean;
}

/**
 * The one place errors become HTTP answers. Domain errors travel here unchanged from wherever
 * they were thrown; every non-2xx answer, the platform's own included, is an ETSI Error body
 * `{ message, details? }` as JSON: never a 422, never an HTML page.
 */
@Catch()
export class EtsiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('EtsiApi');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const { status, body, retryAfterSeconds } = this.map(exception);
    if (retryAfterSeconds !== undefined) {
      httpAdapter.setHeader(response, 'Retry-After', String(retryAfterSeconds));
    }
    httpAdapter.reply(response, body, status);
  }

  private map(exception: unknown): Mapped {
    if (exception instanceof InvalidRequestError) {
      return bad(
        exception.message,
        exception.details.length > 0 ? [...exception.details] : undefined,
      );
    }
    if (exception instanceof KeysNotFoundError) return bad(exception.message);
    if (exception instanceof UnauthenticatedError || exception instanceof KeyAccessDeniedError) {
      return { status: HttpStatus.UNAUTHORIZED, body: { message: exception.message } };
    }
    if (exception instanceof InsufficientKeyMaterialError) return unavailable(exception.message, 1);
    if (exception instanceof UnavailableError) {
      return unavailable(exception.message, exception.retryAfterSeconds);
    }
    if (exception instanceof KeyPoolError) {
      // Material missing or reused: the link is out of step, which is no fault of the request.
      this.logger.warn(`key material fault: ${exception.message}`);
      return unavailable(`key material not available on this KME: ${exception.message}`, 1);
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    if (isClientHttpError(exception)) return this.fromClientHttpError(exception);
    this.logger.error(
      'unexpected error',
      exception instanceof Error ? exception.stack : String(exception),
    );
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { message: 'internal error of the KME' },
    };
  }

  /** The body reader's refusals (too large, aborted, bad charset): all the client's doing. */
  private fromClientHttpError(error: ClientHttpError): Mapped {
    if (error.type === 'request.aborted') {
      this.logger.debug('a client closed its connection while sending a request body');
      return bad('request aborted');
    }
    if (error.status === Number(HttpStatus.PAYLOAD_TOO_LARGE)) {
      return bad('request body too large', [{ 'request body': 'larger than 1 MiB' }]);
    }
    return bad(error.message);
  }
}

const bad = (message: string, details?: Record<string, unknown>[]): Mapped => ({
  status: HttpStatus.BAD_REQUEST,
  body: details ? { message, details } : { message },
});

const unavailable = (message: string, retryAfterSeconds: number): Mapped => ({
  status: HttpStatus.SERVICE_UNAVAILABLE,
  body: { message },
  retryAfterSeconds,
});

function isClientHttpError(error: unknown): error is ClientHttpError {
  const status = (error as { status?: unknown } | null)?.status;
  return (
    error instanceof Error &&
    typeof status === 'number' &&
    status >= 400 &&
    status < 500 &&
    (error as { expose?: unknown }).expose === true
  );
}

/** Nest's and the platform's own errors: keep the status, except that client faults are 400s. */
function fromHttpException(exception: HttpException): Mapped {
  const status: number = exception.getStatus();
  const response = exception.getResponse();
  const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const message = Array.isArray(raw)
    ? raw.map(String).join('; ')
    : typeof raw === 'string'
      ? raw
      : exception.message;
  const clientFaults: number[] = [
    HttpStatus.UNPROCESSABLE_ENTITY,
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    HttpStatus.PAYLOAD_TOO_LARGE,
  ];
  if (clientFaults.includes(status)) return bad(message);
  return { status, body: { message } };
}
