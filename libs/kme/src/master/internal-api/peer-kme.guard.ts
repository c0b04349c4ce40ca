import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { UnauthenticatedError, peerIdentityOf } from '@app/kme-server';

/** Admits only the peer KME's verified certificate to the KME-to-KME API; SAEs never. */
@Injectable()
export class PeerKmeGuard implements CanActivate {
  constructor(@Inject(KME_SETTINGS) private readonly settings: KmeSettings) {}

  canActivate(context: ExecutionContext): boolean {
    const identity = peerIdentityOf(context.switchToHttp().getRequest<IncomingMessage>());
    if (!identity.verified) throw new UnauthenticatedError(identity.reason);
    const commonName = identity.certificate.commonName;
    if (commonName !== this.settings.linkedKmeId) {
      throw new UnauthenticatedError(
        `certificate CN=${String(commonName)} is not the peer KME ${this.settings.linkedKmeId}`,
      );
    }
    return true;
  }
}
