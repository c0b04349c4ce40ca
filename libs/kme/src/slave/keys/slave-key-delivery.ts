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
import { LinkBarrier } from '../link/link-barrier.service';
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
 * How long dec_keys waits for an unknown key before asking the link whether one is on its way:
 * an activation usually arrives within milliseconds of the master SAE's answer.
 */
const ACTIVATION_GRACE_MS = 100;

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
    private readonly barrier: LinkBarrier,
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

  /**
   * Read-your-writes: the activation of a key the master KME handed out may still be on the
   * queue. A key ID this KME does not know is "not found" only once a barrier through the link
   * proved that nothing the master KME recorded is still on its way; otherwise, when
   * KEY_ID_WAIT_MS passes first, the keys may be held up and the answer is 503.
   */
  async retrieveKeys(request: KeyRetrievalRequest): Promise<DeliveredKey[]> {
    const keys = this.store.activeKeys;
    const waitMs = this.settings.keyIdWaitMs;
    const graceMs = Math.min(ACTIVATION_GRACE_MS, waitMs);
    await keys.whenPresent(request.keyIds, graceMs);
    try {
      return await this.take(request);
    } catch (error) {
      if (!this.mayBeOnItsWay(error)) throw error;
    }
    let barrierPassed = false;
    const passed = this.barrier.passed(waitMs - graceMs).then((ok) => {
      barrierPassed = ok;
    });
    await Promise.race([keys.whenPresent(request.keyIds, waitMs - graceMs), passed]);
    try {
      return await this.take(request);
    } catch (error) {
      if (barrierPassed || !this.mayBeOnItsWay(error)) throw error;
      throw this.heldUp();
    }
  }

  private take(request: KeyRetrievalRequest): Promise<DeliveredKey[]> {
    return this.commits.run(() =>
      this.store.activeKeys.take(request.keyIds, request.callerSaeId, request.masterSaeId),
    );
  }

  /** Some key ID was never seen here: its activation could be on the link still. */
  private mayBeOnItsWay(error: unknown): boolean {
    const keys = this.store.activeKeys;
    return error instanceof KeysNotFoundError && error.keyIds.some((id) => !keys.known(id));
  }

  /** Why the keys may be on their way, as the SAE's 503. */
  private heldUp(): KeyServiceUnavailableError {
    const master = `the master KME ${this.settings.linkedKmeId}`;
    if (!this.consumer.consuming) {
      return new KeyServiceUnavailableError(
        'the message broker is unreachable: the keys may still be on their way from the master KME',
      );
    }
    if (!this.link.masterReachable) {
      return new KeyServiceUnavailableError(
        `${master} is unreachable: the keys may still be on their way from it`,
      );
    }
    return new KeyServiceUnavailableError(
      `the keys may still be on their way from ${master}: the link did not confirm within ${this.settings.keyIdWaitMs} ms that nothing is`,
    );
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
