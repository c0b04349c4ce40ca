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
import {
  ActiveKeyStore,
  deliveredKeysOf,
  KeysNotFoundError,
  ReplicaPool,
  rangesInEpoch,
  type DeliveredKey,
  type MaterialRange,
} from '@app/key-pool';
import { SlaveInstance } from '../link/slave-instance';

/**
 * enc_keys for the slave KME's SAEs (the master KME allocates, this KME cuts its own copy) and
 * dec_keys, which waits a bounded time for an activation still on its way.
 */
@Injectable()
export class SlaveKeyDelivery extends KeyDelivery {
  constructor(
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
    private readonly instance: SlaveInstance,
    private readonly pool: ReplicaPool,
    private readonly activeKeys: ActiveKeyStore,
    private readonly client: InternalClient,
    private readonly consumer: LinkConsumer,
  ) {
    super();
  }

  availableBytes(): number {
    return this.pool.availableBytes;
  }

  async allocateKeys(request: KeyAllocationRequest): Promise<DeliveredKey[]> {
    if (this.pool.epoch === undefined) {
      throw new KeyServiceUnavailableError(
        `the link to the master KME ${this.settings.linkedKmeId} is not synchronised yet`,
      );
    }
    const answer = await this.askMasterKme(request);
    const ranges = rangesInEpoch(answer.epoch, answer.ranges);
    await this.materialArrived(ranges);
    const batch = {
      keyIds: answer.keyIds,
      material: this.pool.cut(ranges),
      keyBytes: answer.keyBytes,
    };
    this.activeKeys.activate(batch, request.masterSaeId, request.slaveSaeIds);
    return deliveredKeysOf(batch);
  }

  async retrieveKeys(request: KeyRetrievalRequest): Promise<DeliveredKey[]> {
    // Read-your-writes: the activation may still be on the queue behind the master SAE's answer.
    await this.activeKeys.whenPresent(request.keyIds, this.settings.keyIdWaitMs);
    try {
      return this.activeKeys.take(request.keyIds, request.callerSaeId, request.masterSaeId);
    } catch (error) {
      // Not here while the link's queue is out of reach: the activation may be waiting in the
      // broker, so "not found" would be a lie the SAE acts on. Ask it to come back instead.
      if (
        error instanceof KeysNotFoundError &&
        !this.consumer.consuming &&
        error.keyIds.some((keyId) => !this.activeKeys.known(keyId))
      ) {
        throw new KeyServiceUnavailableError(
          'the message broker is unreachable: the keys may still be on their way from the master KME',
        );
      }
      throw error;
    }
  }

  /** Its refusals arrive as the domain errors the master KME threw, for the filter to map. */
  private askMasterKme(request: KeyAllocationRequest): Promise<AllocatedKeysDto> {
    return this.client.allocate(this.instance.id, {
      masterSaeId: request.masterSaeId,
      slaveSaeIds: [...request.slaveSaeIds],
      number: request.number,
      size: request.sizeBits,
    });
  }

  /** The allocated blocks may still be on the queue: wait for them, within the peer timeout. */
  private async materialArrived(ranges: readonly MaterialRange[]): Promise<void> {
    const arrived = () => ranges.every((range) => this.pool.holds(range));
    if (arrived()) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        stop();
        resolve();
      };
      const timer = setTimeout(done, this.settings.peerTimeoutMs);
      const stop = this.pool.onArrival(() => {
        if (arrived()) done();
      });
    });
  }
}
