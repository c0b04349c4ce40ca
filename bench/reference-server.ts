// The limit of the platform: a bare node:https server with the KMEs' mutual-TLS settings that
// checks the client certificate as a KME does and answers a Key container of one random 256-bit
// key. Run as a child process of the benchmark (see ReferenceServerProcess), so that it has an
// event loop of its own, as each KME has.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface ReferenceServerOptions {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Client certificate CNs admitted, as a KME admits its attached SAEs. */
  readonly allowedCommonNames: readonly string[];
}

/** Sent over IPC to the parent once the server listens. */
export interface ReferenceReady {
  readonly type: 'listening';
  readonly port: number;
}

type Identity = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const KEY_BYTES = 32;

export function createReferenceServer(options: ReferenceServerOptions): Server {
  const allowed = new Set(options.allowedCommonNames);
  // As the KME: a TLS session's peer never changes, so its certificate is checked once.
  const identities = new WeakMap<TLSSocket, Identity>();
  const identify = (socket: TLSSocket): Identity => {
    let identity = identities.get(socket);
    if (identity === undefined) {
      identity = checkPeer(socket, allowed);
      identities.set(socket, identity);
    }
    return identity;
  };

  const server = createServer(
    {
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      keepAliveTimeout: 65_000,
    },
    (request, response) => {
      const identity = identify(request.socket as TLSSocket);
      const body = identity.ok
        ? JSON.stringify({
            keys: [{ key_ID: randomUUID(), key: randomBytes(KEY_BYTES).toString('base64') }],
          })
        : JSON.stringify({ message: identity.reason });
      response.writeHead(identity.ok ? 200 : 401, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
    },
  );
  return server;
}

function checkPeer(socket: TLSSocket, allowed: ReadonlySet<string>): Identity {
  const certificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) {
    return { ok: false, reason: 'a client certificate is required' };
  }
  if (!socket.authorized) {
    return {
      ok: false,
      reason: `untrusted client certificate (${String(socket.authorizationError)})`,
    };
  }
  const cn = certificate.subject?.CN;
  const commonName = Array.isArray(cn) ? cn[0] : cn;
  if (!commonName || !allowed.has(commonName)) {
    return { ok: false, reason: `certificate CN=${String(commonName)} is not admitted` };
  }
  return { ok: true };
}

function main(): void {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`reference server: ${name} is not set`);
    return value;
  };
  const server = createReferenceServer({
    ca: readFileSync(need('REF_CA_FILE')),
    cert: readFileSync(need('REF_CERT')),
    key: readFileSync(need('REF_KEY')),
    allowedCommonNames: need('REF_ALLOWED_CN').split(','),
  });
  server.listen(Number(process.env.REF_PORT ?? 0), '0.0.0.0', () => {
    const ready: ReferenceReady = {
      type: 'listening',
      port: (server.address() as AddressInfo).port,
    };
    process.send?.(ready);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The parent went away without stopping us.
  process.on('disconnect', stop);
}

if (require.main === module) main();
