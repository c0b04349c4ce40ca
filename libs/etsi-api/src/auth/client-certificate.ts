import type { TLSSocket } from 'node:tls';

/** The verified identity behind a TLS connection, or why there is none. */
export type PeerIdentity =
  | { readonly verified: true; readonly commonName: string; readonly der: Buffer }
  | { readonly verified: false; readonly reason: string };

// A TLS session's peer never changes, so the certificate is read once per connection.
const identities = new WeakMap<TLSSocket, PeerIdentity>();

/**
 * Reads the client certificate the TLS layer verified against the CA. Identity comes from here
 * only, never from the URL or body.
 */
export function peerIdentity(socket: TLSSocket): PeerIdentity {
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
  const commonName = Array.isArray(cn) ? cn[0] : cn;
  if (!commonName) return { verified: false, reason: 'the client certificate has no subject CN' };
  return { verified: true, commonName, der: certificate.raw };
}
