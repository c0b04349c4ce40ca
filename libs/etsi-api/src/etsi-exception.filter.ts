import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import {
  InsufficientKeyMaterialError,
  KeyAccessDeniedError,
  KeyPoolError,
  KeysNotFoundError,
} from '@app/key-pool';
import type { FastifyReply } from 'fastify';
import { KeyServiceUnavailableError } from './key-delivery.port';
import { InvalidRequestError, UnauthenticatedError } from './request-errors';
import type { ErrorDto } from './dto/error.dto';

interface Mapped {
  status: number;
  body: ErrorDto;
  retryAfterSeconds?: number;
}

/**
 * The one place errors become HTTP answers. Every non-2xx answer, Nest's and Fastify's own
 * included, is an ETSI Error body `{ message, details? }`; never a 422 or an HTML page.
 */
@Catch()
export class EtsiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('EtsiApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, retryAfterSeconds } = this.map(exception);
    if (retryAfterSeconds !== undefined)
      void reply.header('Retry-After', String(retryAfterSeconds));
    void reply.status(status).header('Content-Type', 'application/json').send(body);
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
    if (exception instanceof InsufficientKeyMaterialError) {
      return unavailable(exception.message, 1);
    }
    if (exception instanceof KeyServiceUnavailableError) {
      return unavailable(exception.message, exception.retryAfterSeconds);
    }
    if (exception instanceof KeyPoolError) {
      // Material missing or reused: the link is out of step, which is no fault of the request.
      this.logger.warn(`key material fault: ${exception.message}`);
      return unavailable(`key material not available on this KME: ${exception.message}`, 1);
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    this.logger.error(
      'unexpected error',
      exception instanceof Error ? exception.stack : String(exception),
    );
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { message: 'internal error of the KME' },
    };
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

/** Nest's and Fastify's own errors: keep the status, except that client faults are 400s. */
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
