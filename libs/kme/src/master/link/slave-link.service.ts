import { Injectable, Logger, Optional } from '@nestjs/common';
import { LinkPublisher } from '@app/broker';
import type {
  LinkSimulationSyncDto,
  LinkSyncRequestDto,
  LinkSyncResponseDto,
} from '@app/internal-client';
import { MasterKeyStore } from '@app/key-pool';

/** A slave KME that has not said hello for this long is treated as gone. */
export const SLAVE_HEARTBEAT_STALE_MS = 3_000;

/** A link reset not seen by the slave KME after this long is published again. */
const RESET_RETRY_MS = 30_000;

/** Name, in the master KME's store, of the slave KME store the link is synchronised with. */
const SLAVE_STORE = 'link.slave-store-id';

/**
 * What the simulation adds to the heartbeat (an extension point, optional): the link's state and
 * the faults aimed at the slave KME in the answer, after reading the slave KME's report.
 */
export abstract class LinkSyncExtension {
  abstract answer(hello: LinkSyncRequestDto): LinkSimulationSyncDto;
}

/**
 * Who the slave KME is, and whether the two stores agree. Both keep their material across
 * restarts, so a restarted KME resumes. Only when the slave KME comes back without the material
 * (its store is new, or holds another epoch because the master KME's store is new) does the link
 * start a new era: unallocated material is dropped and a link reset, in order on the queue, tells
 * the slave KME from which stream offset material is valid. Keys already handed out keep their
 * bytes at both ends; those the lost store held answer "not found", never other bytes.
 */
@Injectable()
export class SlaveLinkService {
  private readonly logger = new Logger(SlaveLinkService.name);
  private lastHeartbeatAt = 0;
  private slaveConsuming = false;
  /** The slave KME reported the master KME's epoch: keys may be shared. */
  private synchronised = false;
  private resetSentAt: number | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly store: MasterKeyStore,
    private readonly publisher: LinkPublisher,
    @Optional() private readonly extension?: LinkSyncExtension,
  ) {}

  /** A synchronised slave KME that said hello recently. */
  get slaveAlive(): boolean {
    return this.synchronised && Date.now() - this.lastHeartbeatAt < SLAVE_HEARTBEAT_STALE_MS;
  }

  /** Alive and consuming the link's queue: material may be shipped. */
  get slaveConsumingQueue(): boolean {
    return this.slaveAlive && this.slaveConsuming;
  }

  /** The slave KME store the link is synchronised with asks. */
  isCurrentSlave(storeId: string): boolean {
    return this.synchronised && storeId === this.store.values.get(SLAVE_STORE);
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  async sync(hello: LinkSyncRequestDto): Promise<LinkSyncResponseDto> {
    const answer = await this.synchronise(hello);
    const simulation = this.extension?.answer(hello);
    return simulation === undefined ? answer : { ...answer, simulation };
  }

  /**
   * Makes the synchronised slave KME drop its material below `fromOffset` (a link reset of the
   * same epoch, for the store it has), after the master KME dropped its own. Keys already
   * activated keep their bytes: the caller publishes this only once their activations are on the
   * queue ahead of it. False when no slave KME store is known yet.
   */
  async resetSlaveMaterial(fromOffset: number, reason: string): Promise<boolean> {
    const slaveStoreId = this.store.values.get(SLAVE_STORE);
    if (slaveStoreId === undefined) return false;
    const epoch = this.store.material.epoch;
    await this.publisher.publishReset({ epoch, fromOffset, slaveStoreId });
    this.logger.warn(
      `link reset: ${reason}; material of epoch ${epoch} is valid from offset ${fromOffset}`,
    );
    return true;
  }

  private async synchronise(hello: LinkSyncRequestDto): Promise<LinkSyncResponseDto> {
    this.lastHeartbeatAt = Date.now();
    this.slaveConsuming = hello.consuming;
    const epoch = this.store.material.epoch;
    const knownStore = this.store.values.get(SLAVE_STORE);
    const sameStore = hello.slaveStoreId === knownStore;
    if (sameStore && hello.epoch === epoch) {
      if (!this.synchronised) {
        this.logger.log(`slave KME store ${hello.slaveStoreId} synchronised with epoch ${epoch}`);
      }
      this.synchronised = true;
      this.resetSentAt = undefined;
      this.notify();
      return { epoch, reset: false };
    }
    this.synchronised = false;
    const resetUnderway =
      sameStore && this.resetSentAt !== undefined && Date.now() - this.resetSentAt < RESET_RETRY_MS;
    if (!resetUnderway) await this.startEra(hello, knownStore);
    this.notify();
    return { epoch, reset: true };
  }

  private async startEra(hello: LinkSyncRequestDto, knownStore: string | undefined): Promise<void> {
    const epoch = this.store.material.epoch;
    const fromOffset = this.store.transaction(() => {
      const from = this.store.material.discardUnallocated();
      this.store.values.set(SLAVE_STORE, hello.slaveStoreId);
      return from;
    });
    await this.publisher.publishReset({ epoch, fromOffset, slaveStoreId: hello.slaveStoreId });
    this.resetSentAt = Date.now();
    this.logger.warn(
      `link reset: ${resetReason(hello, knownStore, epoch)}; material of epoch ${epoch} is valid from offset ${fromOffset}`,
    );
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

function resetReason(
  hello: LinkSyncRequestDto,
  knownStore: string | undefined,
  epoch: string,
): string {
  if (knownStore === undefined)
    return `first contact with the slave KME store ${hello.slaveStoreId}`;
  if (hello.slaveStoreId !== knownStore) {
    return `the slave KME comes with key store ${hello.slaveStoreId}, not ${knownStore}: it holds none of this link's material`;
  }
  if (hello.epoch === undefined) return 'the slave KME holds no material yet';
  return `the slave KME holds material of epoch ${hello.epoch}, the master KME's store is of epoch ${epoch} (a store was replaced)`;
}
