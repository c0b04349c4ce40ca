import type { IncomingMessage } from 'node:http';
import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { peerIdentityOf } from '@app/kme-server';

/** The SAEs' API; the KME-to-KME API, health and this app's own routes are not limited. */
const ETSI_ROUTES = '/api/v1/keys/';

/**
 * Limits the requests of each SAE to the ETSI API, counted by the SAE its verified client
 * certificate names rather than by IP address (SAEs behind one gateway share an address);
 * without a certificate, by address. Over the limit it throws ThrottlerException, an
 * HttpException, which the KME's filter answers as an ETSI Error body with status 429.
 */
@Injectable()
export class SaeThrottlerGuard extends ThrottlerGuard {
  // The slave KME's link heartbeats and allocations must never be refused for an SAE's rate.
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    return Promise.resolve(!(request.url ?? '').startsWith(ETSI_ROUTES));
  }

  // One count per SAE for the whole API (the base class keeps one per route).
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `${name}:${tracker}`;
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const message = request as unknown as IncomingMessage;
    const identity = peerIdentityOf(message);
    const sae = identity.verified ? identity.certificate.commonName : undefined;
    return Promise.resolve(
      sae !== undefined ? `sae:${sae}` : `ip:${message.socket.remoteAddress ?? 'unknown'}`,
    );
  }
}
