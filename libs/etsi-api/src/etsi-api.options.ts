import type { KeyLimits } from '@app/config';

/** What the ETSI API needs to know about its KME; passed in by the app. */
export interface EtsiApiOptions {
  readonly kmeId: string;
  readonly linkedKmeId: string;
  readonly attachedSaeIds: readonly string[];
  readonly linkedSaeIds: readonly string[];
  readonly keys: KeyLimits;
  /** DER of the one SAE certificate accepted, when pinned (SAE_CERT). */
  readonly pinnedSaeCertificate?: Buffer;
  /** Refuse unknown members of ETSI bodies instead of ignoring them (STRICT_REQUESTS). */
  readonly strictRequests: boolean;
}

export const ETSI_API_OPTIONS = Symbol('ETSI_API_OPTIONS');
