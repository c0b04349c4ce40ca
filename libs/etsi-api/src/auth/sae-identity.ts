import { Injectable } from '@nestjs/common';
import type { VerifiedCertificate } from '@app/kme-server';

/**
 * How a verified client certificate becomes an SAE ID (an extension point). Called for every
 * request with the certificate the TLS layer verified against the KME's CA; returns the SAE ID,
 * or undefined when the certificate names none. Must not block or throw; identity comes from
 * the certificate only, never from the request.
 */
export abstract class SaeIdentity {
  abstract saeIdOf(certificate: VerifiedCertificate): string | undefined;
  /** What the certificate must carry, for the 401 message of one that names no SAE. */
  abstract readonly describes: string;
  /** How a 401 message names the certificate's SAE ID: `CN`, `URI`, `serial`. */
  abstract readonly label: string;
}

/** The subject CN (SAE_ID_FROM=cn, the default): what most KMEs do. */
@Injectable()
export class CommonNameSaeIdentity extends SaeIdentity {
  readonly describes = 'a subject CN';
  readonly label = 'CN';
  saeIdOf(certificate: VerifiedCertificate): string | undefined {
    return certificate.commonName;
  }
}

/** The first URI of the subjectAltName, as it is (SAE_ID_FROM=san-uri). */
@Injectable()
export class SanUriSaeIdentity extends SaeIdentity {
  readonly describes = 'a URI in its subjectAltName';
  readonly label = 'URI';
  saeIdOf(certificate: VerifiedCertificate): string | undefined {
    return certificate.uris[0];
  }
}

/** The serial number, upper-case hex (SAE_ID_FROM=serial). */
@Injectable()
export class SerialSaeIdentity extends SaeIdentity {
  readonly describes = 'a serial number';
  readonly label = 'serial';
  saeIdOf(certificate: VerifiedCertificate): string | undefined {
    return certificate.serialNumber.toUpperCase() || undefined;
  }
}

export type SaeIdSource = 'cn' | 'san-uri' | 'serial';

export const BUILT_IN_SAE_IDENTITIES = {
  cn: CommonNameSaeIdentity,
  'san-uri': SanUriSaeIdentity,
  serial: SerialSaeIdentity,
} as const;
