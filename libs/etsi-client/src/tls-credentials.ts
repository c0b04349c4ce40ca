import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { errorText } from './error-text';
import { EtsiTlsConfigError } from './errors';

/** A file path, or the file's contents already in memory. */
export type FileOrContents = string | Buffer;

/** The SAE's identity as PEM files: certificate, private key and the CA that signed the KMEs. */
export interface PemCredentials {
  readonly cert: FileOrContents;
  readonly key: FileOrContents;
  /** CA certificate(s) to trust for the KME; the system's roots when omitted. */
  readonly ca?: FileOrContents;
}

/** The SAE's identity as one PKCS#12 file, as browsers and Java clients hold it. */
export interface Pkcs12Credentials {
  readonly p12: FileOrContents;
  readonly passphrase?: string;
  /**
   * CA certificate(s) to trust for the KME. When omitted, the CA certificates inside the PKCS#12
   * file are trusted (Node adds them to the context's store), and the system's roots.
   */
  readonly ca?: FileOrContents;
}

/**
 * No client certificate: for what a KME serves to anyone (its dashboard data, health, docs), and
 * for tests that a KME refuses a client without one. The TLS handshake still checks the KME.
 */
export interface AnonymousCredentials {
  readonly anonymous: true;
  /** CA certificate(s) to trust for the KME; the system's roots when omitted. */
  readonly ca?: FileOrContents;
}

export type TlsCredentials = PemCredentials | Pkcs12Credentials | AnonymousCredentials;

/**
 * Reads the credentials once and builds the TLS context every connection of a client shares.
 * Building it here, not at the first connection, turns a wrong passphrase or a key that does not
 * match its certificate into an error at construction that names the problem, instead of a failed
 * handshake later.
 */
export function secureContextOf(credentials: TlsCredentials): SecureContext {
  const options: SecureContextOptions = { minVersion: 'TLSv1.2' };
  if (credentials.ca !== undefined) options.ca = load(credentials.ca, 'CA certificate');
  if ('p12' in credentials) {
    options.pfx = load(credentials.p12, 'PKCS#12 file');
    options.passphrase = credentials.passphrase;
  } else if ('cert' in credentials) {
    options.cert = load(credentials.cert, 'client certificate');
    options.key = load(credentials.key, 'private key');
  }
  try {
    return createSecureContext(options);
  } catch (error) {
    throw new EtsiTlsConfigError(`the TLS credentials cannot be used: ${errorText(error)}`, {
      cause: error,
    });
  }
}

function load(source: FileOrContents, what: string): Buffer {
  if (Buffer.isBuffer(source)) return source;
  try {
    return readFileSync(source);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new EtsiTlsConfigError(`cannot read the ${what} ${source} (${reason})`, { cause: error });
  }
}
