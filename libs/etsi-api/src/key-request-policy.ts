import type { EtsiApiOptions } from './etsi-api.options';

/** What the rules depend on; KmeSettings has it too, so the master KME checks the slave KME's calls alike. */
export type KeyRequestRules = Pick<
  EtsiApiOptions,
  'kmeId' | 'linkedKmeId' | 'attachedSaeIds' | 'linkedSaeIds' | 'keys'
>;
import { InvalidRequestError } from './request-errors';

export interface KeyRequestInput {
  readonly number?: number;
  readonly size?: number;
  readonly additional_slave_SAE_IDs?: readonly string[];
  readonly extension_mandatory?: readonly Record<string, unknown>[];
}

export interface CheckedKeyRequest {
  readonly number: number;
  readonly sizeBits: number;
  readonly slaveSaeIds: readonly string[];
}

/**
 * The rules a key request must meet beyond its JSON shape: limits from the KME's settings,
 * SAE IDs of this pair, and the standard's exact messages.
 */
export class KeyRequestPolicy {
  private readonly pairSaeIds: ReadonlySet<string>;

  constructor(private readonly options: KeyRequestRules) {
    this.pairSaeIds = new Set([...options.attachedSaeIds, ...options.linkedSaeIds]);
  }

  /** KME ID of the KME a (known) SAE is attached to. */
  kmeOf(saeId: string): string {
    return this.options.attachedSaeIds.includes(saeId)
      ? this.options.kmeId
      : this.options.linkedKmeId;
  }

  /** The SAE named in the path must be another SAE of this pair. */
  checkPeerSae(field: 'slave_SAE_ID' | 'master_SAE_ID', saeId: string, callerSaeId: string): void {
    if (!this.pairSaeIds.has(saeId)) {
      throw InvalidRequestError.field(
        field,
        `${saeId} is not an SAE of this KME pair`,
        `unknown ${field}: ${saeId}`,
      );
    }
    if (saeId === callerSaeId) {
      throw InvalidRequestError.field(field, `must differ from the calling SAE (${callerSaeId})`);
    }
  }

  checkKeyRequest(
    callerSaeId: string,
    slaveSaeId: string,
    input: KeyRequestInput,
  ): CheckedKeyRequest {
    this.checkPeerSae('slave_SAE_ID', slaveSaeId, callerSaeId);
    const limits = this.options.keys;

    const mandatory = input.extension_mandatory ?? [];
    if (mandatory.length > 0) {
      // No extension is supported; every name is reported, as in the standard's example.
      const names = mandatory.flatMap((extension) => Object.keys(extension));
      throw new InvalidRequestError(
        'not all extension_mandatory parameters are supported',
        names.map((name) => ({ extension_mandatory_unsupported: `${name} is not supported` })),
      );
    }

    const number = input.number ?? 1;
    if (number < 1 || number > limits.maxKeysPerRequest) {
      throw InvalidRequestError.field(
        'number',
        `must be between 1 and max_key_per_request (${limits.maxKeysPerRequest}), got ${number}`,
      );
    }

    const sizeBits = input.size ?? limits.defaultKeySize;
    if (sizeBits % 8 !== 0) {
      throw InvalidRequestError.field(
        'size',
        'shall be a multiple of 8',
        'size shall be a multiple of 8',
      );
    }
    if (sizeBits < limits.minKeySize || sizeBits > limits.maxKeySize) {
      throw InvalidRequestError.field(
        'size',
        `must be between min_key_size (${limits.minKeySize}) and max_key_size (${limits.maxKeySize}), got ${sizeBits}`,
      );
    }

    const additional = input.additional_slave_SAE_IDs ?? [];
    this.checkAdditionalSlaves(additional, callerSaeId, slaveSaeId);
    return { number, sizeBits, slaveSaeIds: [slaveSaeId, ...additional] };
  }

  private checkAdditionalSlaves(
    additional: readonly string[],
    callerSaeId: string,
    slaveSaeId: string,
  ): void {
    const field = 'additional_slave_SAE_IDs';
    const max = this.options.keys.maxSaeIdCount;
    if (additional.length > max) {
      throw InvalidRequestError.field(
        field,
        max === 0
          ? 'key multicast is not supported by this KME (max_SAE_ID_count is 0)'
          : `must name at most max_SAE_ID_count (${max}) SAEs, got ${additional.length}`,
      );
    }
    const seen = new Set<string>();
    for (const saeId of additional) {
      if (!this.pairSaeIds.has(saeId)) {
        throw InvalidRequestError.field(field, `${saeId} is not an SAE of this KME pair`);
      }
      if (saeId === callerSaeId || saeId === slaveSaeId) {
        throw InvalidRequestError.field(
          field,
          `must not repeat the master SAE or the slave SAE (${saeId})`,
        );
      }
      if (seen.has(saeId)) throw InvalidRequestError.field(field, `names ${saeId} twice`);
      seen.add(saeId);
    }
  }
}
