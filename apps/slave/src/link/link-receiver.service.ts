import { Injectable, Logger } from '@nestjs/common';
import { LinkMessageType, type ActivationMessage, type LinkMessage } from '@app/broker';
import {
  ActiveKeyStore,
  KeyPoolError,
  ReplicaPool,
  rangeLength,
  rangesInEpoch,
} from '@app/key-pool';
import { SlaveInstance } from './slave-instance';

/**
 * Applies the link's messages, in queue order, to the slave KME's copy of the material: resets
 * start an era, blocks are stored, activations cut the keys the master KME handed out.
 */
@Injectable()
export class LinkReceiver {
  private readonly logger = new Logger(LinkReceiver.name);

  constructor(
    private readonly instance: SlaveInstance,
    private readonly pool: ReplicaPool,
    private readonly activeKeys: ActiveKeyStore,
  ) {}

  handle(message: LinkMessage): void {
    switch (message.type) {
      case LinkMessageType.LinkReset: {
        const { epoch, fromOffset, slaveInstanceId } = message.reset;
        // A reset for an earlier run of this KME: what follows it belongs to that run.
        if (slaveInstanceId !== this.instance.id) return;
        this.pool.reset(epoch, fromOffset);
        this.logger.log(
          `link reset: material of epoch ${epoch} from offset ${fromOffset} is valid`,
        );
        return;
      }
      case LinkMessageType.MaterialBlock:
        this.pool.add({ epoch: message.epoch, start: message.start, bytes: message.bytes });
        return;
      case LinkMessageType.Activations:
        for (const activation of message.activations) this.activate(activation);
        return;
    }
  }

  private activate(activation: ActivationMessage): void {
    const ranges = rangesInEpoch(activation.epoch, activation.ranges);
    const length = ranges.reduce((sum, range) => sum + rangeLength(range), 0);
    if (
      length !== activation.keyIds.length * activation.keyBytes ||
      ranges.some((r) => r.end <= r.start)
    ) {
      this.logger.warn(
        `activation of ${activation.keyIds.length} keys has inconsistent ranges; ignored`,
      );
      return;
    }
    let material: Buffer;
    try {
      material = this.pool.cut(ranges);
    } catch (error) {
      if (!(error instanceof KeyPoolError)) throw error;
      // Material lost with a restart of either KME: these keys answer "not found" here.
      this.logger.warn(
        `${activation.keyIds.length} activated keys cannot be served: ${error.message}`,
      );
      return;
    }
    this.activeKeys.activate(
      { keyIds: activation.keyIds, material, keyBytes: activation.keyBytes },
      activation.masterSaeId,
      activation.slaveSaeIds,
    );
  }
}
