import { Inject, Injectable } from '@nestjs/common';
import { LinkPublisher } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import {
  KeyDelivery,
  KeyServiceUnavailableError,
  type KeyAllocationRequest,
  type KeyRetrievalRequest,
} from '@app/etsi-api';
import { ActiveKeyStore, deliveredKeysOf, spansOf, type DeliveredKey } from '@app/key-pool';
import { MasterMaterial } from '../link/master-material';
import { SlaveLinkService } from '../link/slave-link.service';
import { KeyAllocator } from './key-allocator';

/**
 * enc_keys for the master KME's own SAEs (allocate, tell the slave KME through the queue, then
 * answer) and dec_keys of keys the master KME recorded for its SAEs.
 */
@Injectable()
export class MasterKeyDelivery extends KeyDelivery {
  constructor(
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
    private readonly material: MasterMaterial,
    private readonly allocator: KeyAllocator,
    private readonly activeKeys: ActiveKeyStore,
    private readonly publisher: LinkPublisher,
    private readonly slaveLink: SlaveLinkService,
  ) {
    super();
  }

  availableBytes(): number {
    return this.material.availableBytes;
  }

  async allocateKeys(request: KeyAllocationRequest): Promise<DeliveredKey[]> {
    // Keys the slave KME could never deliver are worse than none: refuse before allocating.
    if (!this.publisher.connected) {
      throw new KeyServiceUnavailableError(
        'the message broker is unreachable: keys cannot be shared with the slave KME now',
      );
    }
    if (!this.slaveLink.slaveAlive) {
      throw new KeyServiceUnavailableError(
        `the slave KME ${this.settings.linkedKmeId} is unreachable`,
      );
    }
    const allocated = this.allocator.allocate(request.number, request.sizeBits);
    // On a broker failure the material is burnt: the activation may still reach the slave KME.
    await this.publisher.publishActivation({
      epoch: allocated.epoch,
      ranges: spansOf(allocated.ranges),
      keyBytes: allocated.keyBytes,
      keyIds: allocated.keyIds,
      masterSaeId: request.masterSaeId,
      slaveSaeIds: [...request.slaveSaeIds],
    });
    this.activeKeys.activate(allocated, request.masterSaeId, request.slaveSaeIds);
    return deliveredKeysOf(allocated);
  }

  /** Keys for the master KME's SAEs are recorded before their master SAE has them: no wait. */
  retrieveKeys(request: KeyRetrievalRequest): Promise<DeliveredKey[]> {
    return Promise.resolve(
      this.activeKeys.take(request.keyIds, request.callerSaeId, request.masterSaeId),
    );
  }
}
