import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { UnauthenticatedError, peerIdentity } from '@app/etsi-api';

/** Admits only the peer KME's verified certificate to the KME-to-KME API; SAEs never. */
@Injectable()
export class PeerKmeGuard implements CanActivate {
  constructor(@Inject(KME_SETTINGS) private readonly settings: KmeSettings) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const identity = peerIdentity(request.raw.socket as TLSSocket);
    if (!identity.verified) throw new UnauthenticatedError(identity.reason);
    if (identity.commonName !== this.settings.linkedKmeId) {
      throw new UnauthenticatedError(
        `certificate CN=${identity.commonName} is not the peer KME ${this.settings.linkedKmeId}`,
      );
    }
    return true;
  }
}
