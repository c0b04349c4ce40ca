import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { peerIdentityOf, UnauthenticatedError } from '@app/kme-server';

interface OperatorRequest extends IncomingMessage {
  operatorCn?: string;
}

/**
 * Admits only the operator certificate (subject CN = OPERATOR_CN, verified against the KME CA)
 * to the simulation API; SAE and KME certificates get 401. The CN is kept for the logs of what
 * the operator changed.
 */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(@Inject(KME_SETTINGS) private readonly settings: KmeSettings) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<OperatorRequest>();
    const identity = peerIdentityOf(request);
    if (!identity.verified) throw new UnauthenticatedError(identity.reason);
    const commonName = identity.certificate.commonName;
    if (commonName !== this.settings.operatorCn) {
      throw new UnauthenticatedError(
        `certificate CN=${String(commonName)} is not the operator's: the simulation API admits only the operator certificate`,
      );
    }
    request.operatorCn = commonName;
    return true;
  }
}

/** Who made a change, for the logs: "operator CN=operator". */
export const Operator = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<OperatorRequest>();
  return `operator CN=${request.operatorCn ?? '?'}`;
});
