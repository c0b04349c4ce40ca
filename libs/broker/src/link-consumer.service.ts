import { Inject, Injectable, Logger } from '@nestjs/common';
import { AmqpConnection, Nack } from '@golevelup/nestjs-rabbitmq';
import type { ConsumeMessage } from 'amqplib';
import { BROKER_OPTIONS, deadLetterQueueOf, type BrokerOptions } from './broker.options';
import { linkQueueOptions } from './link-topology';
import { decodeLinkMessage, MalformedLinkMessageError, type LinkMessage } from './link-messages';

export type LinkMessageHandler = (message: LinkMessage) => void | Promise<void>;

/**
 * The slave KME's side of the link's queue. A message is acked after the handler stored it;
 * a malformed or foreign one is dead-lettered and logged, never retried in a loop.
 */
@Injectable()
export class LinkConsumer {
  private readonly logger = new Logger(LinkConsumer.name);
  private subscribed = false;

  constructor(
    private readonly amqp: AmqpConnection,
    @Inject(BROKER_OPTIONS) private readonly options: BrokerOptions,
  ) {}

  /** True while a consumer is attached to the link's queue. */
  get consuming(): boolean {
    return this.subscribed && this.amqp.connected;
  }

  /**
   * Starts consuming without waiting for the broker: the subscription is set up whenever a
   * connection is (re)established, so the KME serves HTTP while the broker is down.
   */
  start(handler: LinkMessageHandler): void {
    const queue = this.options.sharedQueue;
    void this.amqp
      .createSubscriber<ConsumeMessage>(
        // The deserializer hands over the whole AMQP message: blocks are binary, not JSON.
        async (message) => (message ? this.dispatch(message, handler) : new Nack(false)),
        {
          queue,
          queueOptions: linkQueueOptions(queue),
          deserializer: (_content, message) => message,
          errorHandler: (channel, message, error) => {
            const reason = error instanceof Error ? error.message : String(error);
            try {
              channel.nack(message, false, false);
            } catch {
              // The channel closed under the message (broker gone): the broker requeues it by
              // itself and the receiver ignores a redelivery. A throw here would kill the KME.
              this.logger.warn(`link message left unsettled, its channel closed: ${reason}`);
              return;
            }
            this.logger.error(`link message handler failed, dead-lettering it: ${reason}`);
          },
        },
        'LinkConsumer',
      )
      .then(() => {
        this.subscribed = true;
        this.logger.log(`consuming the link's queue ${queue}`);
      });
  }

  private async dispatch(raw: ConsumeMessage, handler: LinkMessageHandler): Promise<Nack | void> {
    let message: LinkMessage;
    try {
      message = decodeLinkMessage({
        content: raw.content,
        type: raw.properties.type as string | undefined,
        headers: raw.properties.headers,
      });
    } catch (error) {
      if (!(error instanceof MalformedLinkMessageError)) throw error;
      this.logger.warn(`${error.message}; moved to ${deadLetterQueueOf(this.options.sharedQueue)}`);
      return new Nack(false);
    }
    await handler(message);
  }
}
