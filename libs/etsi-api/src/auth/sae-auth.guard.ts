import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { ETSI_API_OPTIONS, type EtsiApiOptions } from '../etsi-api.options';
import { UnauthenticatedError } from '../request-errors';
import { peerIdentity } from './client-certificate';

export interface SaeRequest extends FastifyRequest {
  saeId?: string;
}

/**
 * Admits only SAEs attached to this KME: the verified certificate's CN must be one of them and,
 * with SAE_CERT set, the certificate must be the pinned one. A peer KME's certificate is refused.
 */
@Injectable()
export class SaeAuthGuard implements CanActivate {
  private readonly attached: ReadonlySet<string>;

  constructor(@Inject(ETSI_API_OPTIONS) private readonly options: EtsiApiOptions) {
    this.attached = new Set(options.attachedSaeIds);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<SaeRequest>();
    const identity = peerIdentity(request.raw.socket as TLSSocket);
    if (!identity.verified) throw new UnauthenticatedError(identity.reason);
    if (!this.attached.has(identity.commonName)) {
      throw new UnauthenticatedError(
        `certificate CN=${identity.commonName} is not an SAE attached to this KME`,
      );
    }
    const pinned = this.options.pinnedSaeCertificate;
    if (pinned !== undefined && !pinned.equals(identity.der)) {
      throw new UnauthenticatedError('the client certificate is not the pinned SAE certificate');
    }
    request.saeId = identity.commonName;
    return true;
  }
}
