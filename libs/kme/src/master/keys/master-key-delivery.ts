import { Inject, Injectable } from '@nestjs/common';
import { LinkPublisher } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import {
  KeyDelivery,
  KeyServiceUnavailableError,
  type KeyAllocationRequest,
  type KeyRetrievalRequest,
} from '@app/etsi-api';
import { MasterKeyStore, deliveredKeysOf, spansOf, type DeliveredKey } from '@app/key-pool';
import { GroupCommit } from '@app/key-store';
import { ActivationOutbox } from '../link/activation-outbox.service';
import { SlaveLinkService } from '../link/slave-link.service';
import { KeyAllocator } from './key-allocator';

/**
 * Most activations waiting in the outbox for the broker: beyond it the master KME refuses new
 * keys (503) rather than let the slave KME fall ever further behind.
 */
export const MAX_OUTBOX_ACTIVATIONS = 50_000;

/**
 * enc_keys for the master KME's own SAEs (allocate and record the activation in one local
 * transaction, shared with the other requests of the same turn; answer; ship the activation from
 * the outbox) and dec_keys of keys the master KME
 * recorded for its SAEs.
 */
@Injectable()
export class MasterKeyDelivery extends KeyDelivery {
  constructor(
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
    private readonly store: MasterKeyStore,
    private readonly allocator: KeyAllocator,
    private readonly outbox: ActivationOutbox,
    private readonly publisher: LinkPublisher,
    private readonly slaveLink: SlaveLinkService,
  ) {
    super();
    this.commits = new GroupCommit(store);
  }

  /** Requests of one turn of the event loop commit together. */
  private readonly commits: GroupCommit;

  availableBytes(): number {
    return this.store.material.availableBytes;
  }

  async allocateKeys(request: KeyAllocationRequest): Promise<DeliveredKey[]> {
    this.refuseWhileTheLinkIsDown();
    const allocated = await this.commits.run(() => {
      const keys = this.allocator.allocate(request.number, request.sizeBits);
      this.outbox.record({
        epoch: keys.epoch,
        ranges: spansOf(keys.ranges),
        keyBytes: keys.keyBytes,
        keyIds: keys.keyIds,
        masterSaeId: request.masterSaeId,
        slaveSaeIds: [...request.slaveSaeIds],
      });
      // Slave SAEs of this KME (multicast, or both SAEs here) fetch them here.
      this.store.activeKeys.activate(keys, request.masterSaeId, request.slaveSaeIds);
      return keys;
    });
    this.outbox.poke();
    return deliveredKeysOf(allocated);
  }

  /** Keys the slave KME could never deliver are worse than none: refuse before allocating. */
  private refuseWhileTheLinkIsDown(): void {
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
    if (this.outbox.size >= MAX_OUTBOX_ACTIVATIONS) {
      throw new KeyServiceUnavailableError(
        `${this.outbox.size} activations are still on their way to the slave KME`,
      );
    }
  }

  /** Keys for the master KME's SAEs are recorded before their master SAE has them: no wait. */
  retrieveKeys(request: KeyRetrievalRequest): Promise<DeliveredKey[]> {
    return this.commits.run(() =>
      this.store.activeKeys.take(request.keyIds, request.callerSaeId, request.masterSaeId),
    );
  }
}
