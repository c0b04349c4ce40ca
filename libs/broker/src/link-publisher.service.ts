import { Inject, Injectable } from '@nestjs/common';
import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { UnavailableError, type MaterialBlock } from '@app/key-pool';
import { BROKER_OPTIONS, MATERIAL_CHANNEL, type BrokerOptions } from './broker.options';
import {
  LinkMessageType,
  SCHEMA_VERSION,
  SCHEMA_VERSION_HEADER,
  type BarrierMessage,
  type LinkResetMessage,
} from './link-messages';

/** The broker cannot take a message now (down, or no confirm in time). */
export class BrokerUnavailableError extends UnavailableError {
  constructor(reason: string) {
    super(`the message broker is unreachable: ${reason}`);
  }
}

/**
 * The master KME's side of the link's queue: persistent messages through a confirm channel,
 * each publish bounded in time so a dead broker turns into an error, not a hung request.
 */
@Injectable()
export class LinkPublisher {
  constructor(
    private readonly amqp: AmqpConnection,
    @Inject(BROKER_OPTIONS) private readonly options: BrokerOptions,
  ) {}

  get connected(): boolean {
    return this.amqp.connected;
  }

  /**
   * Blocks go through a channel of their own, so that a large block being written never holds up
   * the activations a waiting SAE needs. Order still holds: an activation names material only
   * once its block was confirmed, that is, already on the queue.
   */
  publishBlock(block: MaterialBlock): Promise<void> {
    return this.publish(
      LinkMessageType.MaterialBlock,
      block.bytes,
      'application/octet-stream',
      { epoch: block.epoch, start: block.start },
      MATERIAL_CHANNEL,
    );
  }

  /**
   * Publishes activations, already serialised as the JSON of one ActivationsMessage (the outbox
   * keeps them as text); resolves once the broker confirmed the message.
   */
  publishActivations(json: string): Promise<void> {
    return this.publish(LinkMessageType.Activations, Buffer.from(json), 'application/json', {});
  }

  publishReset(reset: LinkResetMessage): Promise<void> {
    return this.publishJson(LinkMessageType.LinkReset, reset);
  }

  /** Behind everything published and confirmed before it, on the same queue and channel. */
  publishBarrier(barrier: BarrierMessage): Promise<void> {
    return this.publishJson(LinkMessageType.Barrier, barrier);
  }

  private publishJson(type: LinkMessageType, body: object): Promise<void> {
    return this.publish(type, Buffer.from(JSON.stringify(body)), 'application/json', {});
  }

  private async publish(
    type: LinkMessageType,
    content: Buffer,
    contentType: string,
    headers: Record<string, unknown>,
    channel?: string,
  ): Promise<void> {
    if (!this.amqp.connected) throw new BrokerUnavailableError('not connected');
    // amqp-connection-manager drops a buffered message after `timeout` and rejects the publish.
    const options = {
      persistent: true,
      type,
      contentType,
      headers: { ...headers, [SCHEMA_VERSION_HEADER]: SCHEMA_VERSION },
      timeout: this.options.publishTimeoutMs,
    };
    try {
      // The promise settles on the broker's confirm (or nack, or timeout); its boolean only tells
      // whether the socket buffer was full, which is no failure.
      if (channel === undefined) {
        await this.amqp.publish('', this.options.sharedQueue, content, options);
      } else {
        await this.amqp.managedChannels[channel].publish(
          '',
          this.options.sharedQueue,
          content,
          options,
        );
      }
    } catch (error) {
      throw new BrokerUnavailableError(error instanceof Error ? error.message : String(error));
    }
  }
}
