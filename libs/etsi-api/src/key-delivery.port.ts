import { UnavailableError, type DeliveredKey } from '@app/key-pool';

export interface KeyAllocationRequest {
  /** The calling SAE: master SAE of the new keys. */
  readonly masterSaeId: string;
  /** The slave SAE named in the path first, then any additional slave SAEs. */
  readonly slaveSaeIds: readonly string[];
  readonly number: number;
  readonly sizeBits: number;
}

export interface KeyRetrievalRequest {
  /** The calling SAE, which must be a slave SAE of every key. */
  readonly callerSaeId: string;
  /** The master SAE named in the path. */
  readonly masterSaeId: string;
  readonly keyIds: readonly string[];
}

/**
 * What the ETSI API needs from a KME: each app implements it (the master KME allocates locally,
 * the slave KME asks the master KME). Implementations throw the key-pool domain errors or
 * KeyServiceUnavailableError; the API maps them to ETSI status codes.
 */
export abstract class KeyDelivery {
  /** Bytes of key material this KME could hand out now. */
  abstract availableBytes(): number;
  abstract allocateKeys(request: KeyAllocationRequest): Promise<DeliveredKey[]>;
  abstract retrieveKeys(request: KeyRetrievalRequest): Promise<DeliveredKey[]>;
}

/** The KME cannot serve keys now for a reason outside the request: link not synchronised (503). */
export class KeyServiceUnavailableError extends UnavailableError {}
