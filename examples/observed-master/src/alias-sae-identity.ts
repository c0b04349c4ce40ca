import { Injectable } from '@nestjs/common';
import { SaeIdentity } from '@app/kme';
import type { VerifiedCertificate } from '@app/kme-server';

/** SAE IDs by certificate CN; a CN not listed is its own SAE ID. */
const ALIASES: Readonly<Record<string, string>> = { 'sae-1': 'alice' };

/**
 * An SAE naming scheme of the application's own, in place of SAE_ID_FROM: the certificate
 * with CN `sae-1` is SAE `alice`. Configure ATTACHED_SAE_ID (and the slave KME's LINKED_SAE_ID)
 * with the SAE IDs it gives.
 */
@Injectable()
export class AliasSaeIdentity extends SaeIdentity {
  readonly describes = 'a subject CN';
  readonly label = 'SAE';

  saeIdOf(certificate: VerifiedCertificate): string | undefined {
    const cn = certificate.commonName;
    return cn === undefined ? undefined : (ALIASES[cn] ?? cn);
  }
}
