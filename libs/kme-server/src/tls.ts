import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import type { TlsFiles } from '@app/config';

/** DI token of the KME's TlsMaterial. */
export const TLS_MATERIAL = Symbol('TLS_MATERIAL');

export interface TlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** DER of the pinned SAE certificate, when SAE_CERT is set. */
  readonly pinnedSaeCertificate?: Buffer;
}

/** Reads the PEM files once at start; a file that does not parse stops the KME, naming it. */
export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  const ca = readPem('CA_FILE', files.caFile);
  const cert = readPem('KME_CERT', files.certFile);
  const key = readPem('KME_KEY', files.keyFile);
  const pinned =
    files.pinnedSaeCertFile === undefined
      ? undefined
      : new X509Certificate(readPem('SAE_CERT', files.pinnedSaeCertFile)).raw;
  return { ca, cert, key, pinnedSaeCertificate: pinned };
}

function readPem(variable: string, path: string): Buffer {
  const pem = readFileSync(path);
  if (!pem.includes('-----BEGIN')) {
    throw new Error(`${variable} must name a PEM file (${path} is not PEM)`);
  }
  return pem;
}
