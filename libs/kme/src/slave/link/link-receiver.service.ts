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
import {
  KeyPoolError,
  SlaveKeyStore,
  rangeLength,
  rangesInEpoch,
  type MaterialRange,
} from '@app/key-pool';
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
        this.store.transaction(() => this.activateAll(message.activations));
        return;
      case LinkMessageType.Barrier:
        // Everything queued before it is applied: those that wait for it may go on.
        this.barrier.arrived(message.barrier.id);
        return;
    }
  }

  /**
   * Applies a message's activations. The master KME allocates in order, so their ranges mostly
   * follow each other: one cut for all of them reads and records the material of adjacent ranges
   * once, where a cut per activation paid a read and a record each. Should that cut fail, each
   * activation is cut on its own, so that only those whose material is gone are lost.
   */
  private activateAll(activations: readonly ActivationMessage[]): void {
    const fresh = activations.flatMap((activation) => this.admit(activation));
    if (fresh.length === 0) return;
    let material: Buffer;
    try {
      material = this.store.material.cut(fresh.flatMap(({ ranges }) => ranges));
    } catch (error) {
      if (!(error instanceof KeyPoolError)) throw error;
      for (const one of fresh) this.activateOne(one);
      return;
    }
    let at = 0;
    for (const { activation, length } of fresh) {
      this.storeKeys(activation, material.subarray(at, at + length));
      at += length;
    }
  }

  /** Records the activation as applied; none when it was already, or its ranges do not fit. */
  private admit(activation: ActivationMessage): AdmittedActivation[] {
    if (this.store.applied.has(activation.id)) return [];
    this.store.applied.add(activation.id);
    const ranges = rangesInEpoch(activation.epoch, activation.ranges);
    const length = ranges.reduce((sum, range) => sum + rangeLength(range), 0);
    if (
      length !== activation.keyIds.length * activation.keyBytes ||
      ranges.some((r) => r.end <= r.start)
    ) {
      this.logger.warn(`activation ${activation.id} has inconsistent ranges; ignored`);
      return [];
    }
    return [{ activation, ranges, length }];
  }

  private activateOne({ activation, ranges }: AdmittedActivation): void {
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
    this.storeKeys(activation, material);
  }

  /** Stores the activation's keys, cut from `material`, for its slave SAEs. */
  private storeKeys(activation: ActivationMessage, material: Buffer): void {
    this.store.activeKeys.activate(
      { keyIds: activation.keyIds, material, keyBytes: activation.keyBytes },
      activation.masterSaeId,
      activation.slaveSaeIds,
    );
  }
}

/** An activation applied for the first time, with its ranges and their length in bytes. */
interface AdmittedActivation {
  readonly activation: ActivationMessage;
  readonly ranges: readonly MaterialRange[];
  readonly length: number;
}
