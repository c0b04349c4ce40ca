import { Injectable, Logger } from '@nestjs/common';
import { LinkPublisher } from '@app/broker';
import type { LinkSyncResponseDto } from '@app/internal-client';
import { MasterMaterial } from './master-material';

/** A slave KME that has not said hello for this long is treated as gone. */
export const SLAVE_HEARTBEAT_STALE_MS = 3_000;

/**
 * Who the slave KME is right now. A slave KME run that the master KME does not know yet lost
 * whatever material an earlier run held, so meeting it starts a new era of the link: unallocated
 * material is dropped and a link-reset message, in order on the queue, tells the slave KME from
 * which stream offset material is valid.
 */
@Injectable()
export class SlaveLinkService {
  private readonly logger = new Logger(SlaveLinkService.name);
  private slaveInstanceId: string | undefined;
  private lastHeartbeatAt = 0;
  private slaveConsuming = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly material: MasterMaterial,
    private readonly publisher: LinkPublisher,
  ) {}

  /** A synchronised slave KME that said hello recently. */
  get slaveAlive(): boolean {
    return (
      this.slaveInstanceId !== undefined &&
      Date.now() - this.lastHeartbeatAt < SLAVE_HEARTBEAT_STALE_MS
    );
  }

  /** Alive and consuming the link's queue: material may be shipped. */
  get slaveConsumingQueue(): boolean {
    return this.slaveAlive && this.slaveConsuming;
  }

  isCurrentSlave(instanceId: string): boolean {
    return instanceId === this.slaveInstanceId;
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  async sync(instanceId: string, consuming: boolean): Promise<LinkSyncResponseDto> {
    this.lastHeartbeatAt = Date.now();
    this.slaveConsuming = consuming;
    const epoch = this.material.epoch;
    if (instanceId === this.slaveInstanceId) {
      this.notify();
      return { epoch, reset: false };
    }
    this.slaveInstanceId = undefined;
    const fromOffset = this.material.discardUnallocated();
    await this.publisher.publishReset({ epoch, fromOffset, slaveInstanceId: instanceId });
    this.slaveInstanceId = instanceId;
    this.logger.log(
      `slave KME run ${instanceId} synchronised: link reset, material valid from offset ${fromOffset} of epoch ${epoch}`,
    );
    this.notify();
    return { epoch, reset: true };
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
