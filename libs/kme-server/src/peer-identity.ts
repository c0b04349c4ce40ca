import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** The verified identity behind a TLS connection, or why there is none. */
export type PeerIdentity =
  | { readonly verified: true; readonly certificate: VerifiedCertificate }
  | { readonly verified: false; readonly reason: string };

/** What a guard may read of a client certificate the TLS layer verified against the CA. */
export interface VerifiedCertificate {
  readonly commonName: string | undefined;
  /** Every URI of the subjectAltName, in order. */
  readonly uris: readonly string[];
  /** Serial number, upper-case hex as Node gives it. */
  readonly serialNumber: string;
  readonly der: Buffer;
}

// A TLS session's peer never changes, so the certificate is read once per connection:
// getPeerCertificate() costs about as much as the rest of a request.
const identities = new WeakMap<object, PeerIdentity>();

/**
 * The client certificate behind a request, as the TLS layer verified it. Identity comes from
 * here only, never from the URL, a header or the body.
 */
export function peerIdentityOf(request: IncomingMessage): PeerIdentity {
  const socket = request.socket as TLSSocket;
  let identity = identities.get(socket);
  if (identity === undefined) {
    identity = readIdentity(socket);
    identities.set(socket, identity);
  }
  return identity;
}

function readIdentity(socket: TLSSocket): PeerIdentity {
  if (typeof socket.getPeerCertificate !== 'function') {
    return { verified: false, reason: 'a TLS connection with a client certificate is required' };
  }
  const certificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) {
    return { verified: false, reason: 'a client certificate is required' };
  }
  if (!socket.authorized) {
    return {
      verified: false,
      reason: `the client certificate was not issued by this KME's CA (${String(socket.authorizationError)})`,
    };
  }
  const cn = certificate.subject?.CN;
  return {
    verified: true,
    certificate: {
      commonName: Array.isArray(cn) ? cn[0] : cn || undefined,
      uris: urisOf(certificate.subjectaltname),
      serialNumber: certificate.serialNumber,
      der: certificate.raw,
    },
  };
}

/** URIs of a subjectAltName as Node renders it: `DNS:a, URI:urn:x, IP Address:…`. */
function urisOf(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice('URI:'.length));
}
