import type { KeyLimits } from '@app/config';
import type { SaeIdSource } from './auth/sae-identity';

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
  /** Where the built-in SaeIdentity finds the SAE ID (SAE_ID_FROM); default the CN. */
  readonly saeIdFrom?: SaeIdSource;
}

export const ETSI_API_OPTIONS = Symbol('ETSI_API_OPTIONS');
