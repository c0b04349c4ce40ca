import {
  createParamDecorator,
  ForbiddenException,
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
    const crossSite = crossSiteChange(request);
    if (crossSite !== undefined) throw new ForbiddenException({ message: crossSite });
    request.operatorCn = commonName;
    return true;
  }
}

/** Methods that read only; every other one changes the simulation. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a change comes from another site, or undefined. A browser holding the operator
 * certificate presents it to any page's request, and a form on another site may POST here
 * (pool/drain takes no body, faults take JSON as any text): the browser's own Sec-Fetch-Site
 * and Origin headers tell such a request apart. Clients that are not browsers send neither.
 */
function crossSiteChange(request: IncomingMessage): string | undefined {
  if (READS.has(request.method ?? 'GET')) return undefined;
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
    return `a change of the simulation from another site (Sec-Fetch-Site: ${site}) is refused`;
  }
  const origin = request.headers.origin;
  if (origin === 'null') return 'a change of the simulation from an opaque origin is refused';
  if (typeof origin === 'string' && hostOf(origin) !== request.headers.host) {
    return `a change of the simulation from another origin (${origin}) is refused`;
  }
  return undefined;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** Who made a change, for the logs: "operator CN=operator". */
export const Operator = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<OperatorRequest>();
  return `operator CN=${request.operatorCn ?? '?'}`;
});
