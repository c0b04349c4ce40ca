import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { peerIdentityOf } from '@app/kme-server';

/**
 * Counts requests per SAE, as its verified client certificate names it, rather than per IP
 * address: SAEs behind one gateway share an address. Without a certificate, the address.
 * Over the limit it throws ThrottlerException (an HttpException), which the KME's filter
 * answers as an ETSI Error body with status 429.
 */
@Injectable()
export class SaeThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const message = request as unknown as IncomingMessage;
    const identity = peerIdentityOf(message);
    const sae = identity.verified ? identity.certificate.commonName : undefined;
    return Promise.resolve(
      sae !== undefined ? `sae:${sae}` : `ip:${message.socket.remoteAddress ?? 'unknown'}`,
    );
  }
}
