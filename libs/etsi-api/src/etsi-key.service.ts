import { Inject, Injectable, Optional } from '@nestjs/common';
import { DeliveryEvents, deliveryEventOf } from '@app/observability';
import type { DeliveredKey } from '@app/key-pool';
import type { KeyContainerDto } from './dto/key-container.dto';
import type { StatusDto } from './dto/status.dto';
import { ETSI_API_OPTIONS, type EtsiApiOptions } from './etsi-api.options';
import { KeyDelivery, KeyServiceUnavailableError } from './key-delivery.port';
import { KeyRequestGate } from './key-request-gate.port';
import { KeyRequestPolicy, type KeyRequestInput } from './key-request-policy';
import { InvalidRequestError } from './request-errors';

/** The three ETSI methods, in terms of the app's KeyDelivery. */
@Injectable()
export class EtsiKeyService {
  private readonly policy: KeyRequestPolicy;

  constructor(
    @Inject(ETSI_API_OPTIONS) private readonly options: EtsiApiOptions,
    private readonly delivery: KeyDelivery,
    /** Told of every delivery (audit, metrics, the app's own observers), when present. */
    @Optional() private readonly events?: DeliveryEvents,
    /** Refuses key requests on purpose (a simulated fault), when present. */
    @Optional() private readonly gate?: KeyRequestGate,
  ) {
    this.policy = new KeyRequestPolicy(options);
  }

  status(callerSaeId: string, slaveSaeId: string): StatusDto {
    this.policy.checkPeerSae('slave_SAE_ID', slaveSaeId, callerSaeId);
    const limits = this.options.keys;
    const stored = Math.floor(this.delivery.availableBytes() / (limits.defaultKeySize / 8));
    return {
      source_KME_ID: this.options.kmeId,
      target_KME_ID: this.policy.kmeOf(slaveSaeId),
      master_SAE_ID: callerSaeId,
      slave_SAE_ID: slaveSaeId,
      key_size: limits.defaultKeySize,
      stored_key_count: Math.min(stored, limits.maxKeyCount),
      max_key_count: limits.maxKeyCount,
      max_key_per_request: limits.maxKeysPerRequest,
      max_key_size: limits.maxKeySize,
      min_key_size: limits.minKeySize,
      max_SAE_ID_count: limits.maxSaeIdCount,
    };
  }

  async encKeys(
    callerSaeId: string,
    slaveSaeId: string,
    input: KeyRequestInput,
    requestId?: string,
  ): Promise<KeyContainerDto> {
    this.passGate();
    const request = this.policy.checkKeyRequest(callerSaeId, slaveSaeId, input);
    const keys = await this.delivery.allocateKeys({ masterSaeId: callerSaeId, ...request });
    this.events?.publish(
      deliveryEventOf({
        route: 'enc_keys',
        callerSaeId,
        peerSaeIds: request.slaveSaeIds,
        keys,
        requestId,
      }),
    );
    return container(keys);
  }

  async decKeys(
    callerSaeId: string,
    masterSaeId: string,
    keyIds: readonly string[],
    requestId?: string,
  ): Promise<KeyContainerDto> {
    this.passGate();
    this.policy.checkPeerSae('master_SAE_ID', masterSaeId, callerSaeId);
    const normalized = keyIds.map((id) => id.toLowerCase());
    if (new Set(normalized).size !== normalized.length) {
      throw InvalidRequestError.field('key_IDs', 'must not name the same key twice');
    }
    if (normalized.length > this.options.keys.maxKeysPerRequest) {
      throw InvalidRequestError.field(
        'key_IDs',
        `must name at most max_key_per_request (${this.options.keys.maxKeysPerRequest}) keys`,
      );
    }
    const keys = await this.delivery.retrieveKeys({ callerSaeId, masterSaeId, keyIds: normalized });
    this.events?.publish(
      deliveryEventOf({
        route: 'dec_keys',
        callerSaeId,
        peerSaeIds: [masterSaeId],
        keys,
        requestId,
      }),
    );
    return container(keys);
  }

  /** Nothing is checked, read or taken before the gate let the request through. */
  private passGate(): void {
    const refusal = this.gate?.refusal();
    if (refusal !== undefined) throw new KeyServiceUnavailableError(refusal);
  }
}

const container = (keys: readonly DeliveredKey[]): KeyContainerDto => ({
  keys: keys.map(({ keyId, key }) => ({ key_ID: keyId, key: key.toString('base64') })),
});
