import { Inject, Injectable } from '@nestjs/common';
import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { CallBatcher } from '@app/batching';
import { UnavailableError, type MaterialBlock } from '@app/key-pool';
import { BROKER_OPTIONS, MATERIAL_CHANNEL, type BrokerOptions } from './broker.options';
import {
  LinkMessageType,
  MAX_ACTIVATIONS_PER_MESSAGE,
  SCHEMA_VERSION,
  SCHEMA_VERSION_HEADER,
  type ActivationMessage,
  type ActivationsMessage,
  type LinkResetMessage,
} from './link-messages';

/** The broker cannot take a message now (down, or no confirm in time). */
export class BrokerUnavailableError extends UnavailableError {
  constructor(reason: string) {
    super(`the message broker is unreachable: ${reason}`);
  }
}

/**
 * Activation messages awaiting their confirm at once. High enough that an activation never waits
 * for a slot in normal operation (each waiting one would add up to a publish timeout to its
 * request); 1, 2 and 4 measured the same. It bounds the messages in flight when the broker stalls.
 */
const ACTIVATION_MESSAGES_IN_FLIGHT = 16;

/**
 * The master KME's side of the link's queue: persistent messages through a confirm channel,
 * each publish bounded in time so a dead broker turns into an error, not a hung request.
 */
@Injectable()
export class LinkPublisher {
  private readonly activations = new CallBatcher<ActivationMessage, void>(
    async (activations) => {
      const body: ActivationsMessage = { activations };
      await this.publishJson(LinkMessageType.Activations, body);
      return activations.map(() => undefined);
    },
    { maxInFlight: ACTIVATION_MESSAGES_IN_FLIGHT, maxBatchSize: MAX_ACTIVATIONS_PER_MESSAGE },
  );

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
   * Resolves once the broker confirmed the message that carried the activation. Activations
   * published at about the same time share one message.
   */
  publishActivation(activation: ActivationMessage): Promise<void> {
    if (!this.amqp.connected) {
      return Promise.reject(new BrokerUnavailableError('not connected'));
    }
    return this.activations.add(activation);
  }

  publishReset(reset: LinkResetMessage): Promise<void> {
    return this.publishJson(LinkMessageType.LinkReset, reset);
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
