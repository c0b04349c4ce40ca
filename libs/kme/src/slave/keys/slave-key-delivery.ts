import { Inject, Injectable } from '@nestjs/common';
import { LinkConsumer } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import {
  KeyDelivery,
  KeyServiceUnavailableError,
  type KeyAllocationRequest,
  type KeyRetrievalRequest,
} from '@app/etsi-api';
import { InternalClient, type AllocatedKeysDto } from '@app/internal-client';
import { LinkSyncService } from '../link/link-sync.service';
import {
  deliveredKeysOf,
  KeysNotFoundError,
  rangesInEpoch,
  SlaveKeyStore,
  type DeliveredKey,
  type MaterialRange,
} from '@app/key-pool';
import { GroupCommit } from '@app/key-store';

/**
 * enc_keys for the slave KME's SAEs (the master KME allocates, this KME cuts its own copy) and
 * dec_keys, which waits a bounded time for an activation still on its way.
 */
@Injectable()
export class SlaveKeyDelivery extends KeyDelivery {
  constructor(
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
    private readonly store: SlaveKeyStore,
    private readonly client: InternalClient,
    private readonly consumer: LinkConsumer,
    private readonly link: LinkSyncService,
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
    if (this.store.material.epoch === undefined) {
      throw new KeyServiceUnavailableError(
        `the link to the master KME ${this.settings.linkedKmeId} is not synchronised yet`,
      );
    }
    const answer = await this.askMasterKme(request);
    const ranges = rangesInEpoch(answer.epoch, answer.ranges);
    await this.materialArrived(ranges);
    const batch = await this.commits.run(() => {
      const cut = {
        keyIds: answer.keyIds,
        material: this.store.material.cut(ranges),
        keyBytes: answer.keyBytes,
      };
      this.store.activeKeys.activate(cut, request.masterSaeId, request.slaveSaeIds);
      return cut;
    });
    return deliveredKeysOf(batch);
  }

  async retrieveKeys(request: KeyRetrievalRequest): Promise<DeliveredKey[]> {
    // Read-your-writes: the activation may still be on the queue behind the master SAE's answer.
    const keys = this.store.activeKeys;
    await keys.whenPresent(request.keyIds, this.settings.keyIdWaitMs);
    try {
      return await this.commits.run(() =>
        keys.take(request.keyIds, request.callerSaeId, request.masterSaeId),
      );
    } catch (error) {
      // Not here while the link is broken: the activation may be waiting in the broker or in
      // the master KME's outbox, so "not found" would be a lie the SAE acts on. Ask it to come
      // back instead.
      if (error instanceof KeysNotFoundError && error.keyIds.some((id) => !keys.known(id))) {
        if (!this.consumer.consuming) {
          throw new KeyServiceUnavailableError(
            'the message broker is unreachable: the keys may still be on their way from the master KME',
          );
        }
        if (!this.link.masterReachable) {
          throw new KeyServiceUnavailableError(
            `the master KME ${this.settings.linkedKmeId} is unreachable: the keys may still be on their way from it`,
          );
        }
      }
      throw error;
    }
  }

  /** Its refusals arrive as the domain errors the master KME threw, for the filter to map. */
  private askMasterKme(request: KeyAllocationRequest): Promise<AllocatedKeysDto> {
    return this.client.allocate(this.store.storeId, {
      masterSaeId: request.masterSaeId,
      slaveSaeIds: [...request.slaveSaeIds],
      number: request.number,
      size: request.sizeBits,
    });
  }

  /** The allocated blocks may still be on the queue: wait for them, within the peer timeout. */
  private async materialArrived(ranges: readonly MaterialRange[]): Promise<void> {
    const material = this.store.material;
    const arrived = () => ranges.every((range) => material.holds(range));
    if (arrived()) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        stop();
        resolve();
      };
      const timer = setTimeout(done, this.settings.peerTimeoutMs);
      const stop = material.onArrival(() => {
        if (arrived()) done();
      });
    });
  }
}
