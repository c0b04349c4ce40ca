import {
  Catch,
  ServiceUnavailableException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * Terminus answers "not ready" by throwing a 503 whose response is its health report. The KME's
 * global filter would reduce that to `{ message }`; bound to the health controller, this filter
 * runs first and sends the report as Terminus formats it, which is what probes and people read.
 */
@Catch(ServiceUnavailableException)
export class HealthAnswerFilter implements ExceptionFilter<ServiceUnavailableException> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: ServiceUnavailableException, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    httpAdapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}
