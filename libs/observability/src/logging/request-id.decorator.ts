import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdOf } from './request-id';

/** The request's ID (see requestIdOf), for a handler that passes it on, as to a delivery event. */
export const RequestId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const http = context.switchToHttp();
  return requestIdOf(http.getRequest<IncomingMessage>(), http.getResponse<ServerResponse>());
});
