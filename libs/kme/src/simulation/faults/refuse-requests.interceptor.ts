import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import type { Observable } from 'rxjs';
import { KeyServiceUnavailableError } from '@app/etsi-api';
import { RequestRefusals } from './request-refusals';

/** The ETSI key routes: enc_keys and dec_keys (GET and POST) under /api/v1/keys. */
const ETSI_KEYS_PATH = 'api/v1/keys';
const KEY_REQUEST = /(^|\/)(enc|dec)_keys$/;

/** Whether the route about to run is an ETSI key request (status is not one). */
export function isEtsiKeyRequest(context: ExecutionContext): boolean {
  if (context.getType() !== 'http') return false;
  const classPath: unknown = Reflect.getMetadata(PATH_METADATA, context.getClass());
  const handlerPath: unknown = Reflect.getMetadata(PATH_METADATA, context.getHandler());
  return (
    classPath === ETSI_KEYS_PATH && typeof handlerPath === 'string' && KEY_REQUEST.test(handlerPath)
  );
}

/**
 * The refuse_requests fault at the ETSI key routes: after the SAE was authenticated and before
 * anything is read or taken, a request the fault counts answers 503 with Retry-After, as a KME
 * that cannot serve does. It consumes nothing. Registered app-wide by the simulation module; the
 * key delivery classes know nothing of it.
 */
@Injectable()
export class RefuseRequestsInterceptor implements NestInterceptor {
  constructor(private readonly refusals: RequestRefusals) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (isEtsiKeyRequest(context)) {
      const refusal = this.refusals.refuse();
      if (refusal !== undefined) throw new KeyServiceUnavailableError(refusal);
    }
    return next.handle();
  }
}
