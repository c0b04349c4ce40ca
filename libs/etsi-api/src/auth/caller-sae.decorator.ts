import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { SaeRequest } from './sae-auth.guard';

/** The SAE ID SaeAuthGuard read from the verified client certificate. */
export const CallerSae = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const saeId = context.switchToHttp().getRequest<SaeRequest>().saeId;
  if (saeId === undefined) throw new Error('CallerSae used on a route without SaeAuthGuard');
  return saeId;
});
