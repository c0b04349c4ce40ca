import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { UnauthenticatedError, peerIdentityOf } from '@app/kme-server';
import { ETSI_API_OPTIONS, type EtsiApiOptions } from '../etsi-api.options';
import { SaeIdentity } from './sae-identity';

export interface SaeRequest extends IncomingMessage {
  saeId?: string;
}

/**
 * Admits only SAEs attached to this KME: the SAE ID the SaeIdentity reads from the verified
 * certificate (its CN by default) must be one of them and, with SAE_CERT set, the certificate
 * must be the pinned one. A peer KME's certificate is refused.
 */
@Injectable()
export class SaeAuthGuard implements CanActivate {
  private readonly attached: ReadonlySet<string>;

  constructor(
    @Inject(ETSI_API_OPTIONS) private readonly options: EtsiApiOptions,
    private readonly identity: SaeIdentity,
  ) {
    this.attached = new Set(options.attachedSaeIds);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<SaeRequest>();
    const identity = peerIdentityOf(request);
    if (!identity.verified) throw new UnauthenticatedError(identity.reason);
    const saeId = this.identity.saeIdOf(identity.certificate);
    if (saeId === undefined) {
      throw new UnauthenticatedError(
        `the client certificate has no SAE ID: it must carry ${this.identity.describes}`,
      );
    }
    if (!this.attached.has(saeId)) {
      throw new UnauthenticatedError(
        `certificate ${this.identity.label}=${saeId} is not an SAE attached to this KME`,
      );
    }
    const pinned = this.options.pinnedSaeCertificate;
    if (pinned !== undefined && !pinned.equals(identity.certificate.der)) {
      throw new UnauthenticatedError('the client certificate is not the pinned SAE certificate');
    }
    request.saeId = saeId;
    return true;
  }
}
