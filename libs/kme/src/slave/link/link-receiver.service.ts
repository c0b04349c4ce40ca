import {
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { RelayMeter } from '@app/observability';
import {
  LinkConsumer,
  LinkMessageType,
  type ActivationMessage,
  type LinkMessage,
} from '@app/broker';
import { KeyPoolError, SlaveKeyStore, rangeLength, rangesInEpoch } from '@app/key-pool';
import { LinkBarrier } from './link-barrier.service';

/**
 * Applies the link's messages, in queue order, to the slave KME's store: resets start an era,
 * blocks are stored, activations cut the keys the master KME handed out. Each message is
 * committed before the consumer acks it, and a redelivered one changes nothing: blocks by their
 * offset, activations by their ID.
 */
@Injectable()
export class LinkReceiver implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LinkReceiver.name);

  constructor(
    private readonly store: SlaveKeyStore,
    private readonly consumer: LinkConsumer,
    private readonly barrier: LinkBarrier,
    @Optional() private readonly relay?: RelayMeter,
  ) {}

  onApplicationBootstrap(): void {
    this.consumer.start((message) => this.handle(message));
  }

  /** Stops consuming, and lets the messages being applied commit, before the store closes. */
  beforeApplicationShutdown(): Promise<void> {
    return this.consumer.stop();
  }

  handle(message: LinkMessage): void {
    switch (message.type) {
      case LinkMessageType.LinkReset: {
        const { epoch, fromOffset, slaveStoreId } = message.reset;
        // A reset for another store (an earlier one of this KME): what follows belongs to it.
        if (slaveStoreId !== this.store.storeId) return;
        this.store.material.reset(epoch, fromOffset);
        this.logger.log(
          `link reset: material of epoch ${epoch} from offset ${fromOffset} is valid`,
        );
        return;
      }
      case LinkMessageType.MaterialBlock: {
        const block = { epoch: message.epoch, start: message.start, bytes: message.bytes };
        if (this.store.material.add(block)) this.relay?.add(block.bytes.length);
        return;
      }
      case LinkMessageType.Activations:
        this.store.transaction(() => {
          for (const activation of message.activations) this.activate(activation);
        });
        return;
      case LinkMessageType.Barrier:
        // Everything queued before it is applied: those that wait for it may go on.
        this.barrier.arrived(message.barrier.id);
        return;
    }
  }

  private activate(activation: ActivationMessage): void {
    if (this.store.applied.has(activation.id)) return;
    this.store.applied.add(activation.id);
    const ranges = rangesInEpoch(activation.epoch, activation.ranges);
    const length = ranges.reduce((sum, range) => sum + rangeLength(range), 0);
    if (
      length !== activation.keyIds.length * activation.keyBytes ||
      ranges.some((r) => r.end <= r.start)
    ) {
      this.logger.warn(`activation ${activation.id} has inconsistent ranges; ignored`);
      return;
    }
    let material: Buffer;
    try {
      material = this.store.material.cut(ranges);
    } catch (error) {
      if (!(error instanceof KeyPoolError)) throw error;
      // Material lost with a store of either KME: these keys answer "not found" here.
      this.logger.warn(
        `${activation.keyIds.length} activated keys cannot be served: ${error.message}`,
      );
      return;
    }
    this.store.activeKeys.activate(
      { keyIds: activation.keyIds, material, keyBytes: activation.keyBytes },
      activation.masterSaeId,
      activation.slaveSaeIds,
    );
  }
}
