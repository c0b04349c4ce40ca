import type { IncomingMessage } from 'node:http';
import { peerIdentityOf } from '@app/kme-server';

/**
 * Whether the request came with the operator's certificate: verified against the KME's CA at TLS
 * level (the KME requests a certificate without requiring one), subject CN the operator's.
 */
export function isOperator(request: IncomingMessage, operatorCn: string): boolean {
  const identity = peerIdentityOf(request);
  return identity.verified && identity.certificate.commonName === operatorCn;
}
