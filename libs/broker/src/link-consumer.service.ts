import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { AmqpConnection, Nack } from '@golevelup/nestjs-rabbitmq';
import { UnavailableError } from '@app/key-pool';
import type { ConsumeMessage } from 'amqplib';
import { BROKER_OPTIONS, deadLetterQueueOf, type BrokerOptions } from './broker.options';
import { linkQueueOptions } from './link-topology';
import { decodeLinkMessage, MalformedLinkMessageError, type LinkMessage } from './link-messages';

export type LinkMessageHandler = (message: LinkMessage) => void | Promise<void>;

/** How long a message waits before it is requeued when this KME cannot store it now. */
const REQUEUE_DELAY_MS = 1_000;

/**
 * The slave KME's side of the link's queue. A message is acked after the handler stored it;
 * a malformed or foreign one is dead-lettered and logged, never retried in a loop.
 */
@Injectable()
export class LinkConsumer {
  private readonly logger = new Logger(LinkConsumer.name);
  private subscribed = false;
  private consumerTag: string | undefined;
  private stopping = false;
  private readonly handling = new Set<Promise<unknown>>();

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
      .then(({ consumerTag }) => {
        this.consumerTag = consumerTag;
        this.subscribed = true;
        this.logger.log(`consuming the link's queue ${queue}`);
      });
  }

  /** Stops taking messages and waits for those being handled: call before the store closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.consumerTag !== undefined && this.amqp.connected) {
      await this.amqp.cancelConsumer(this.consumerTag).catch(() => undefined);
    }
    await Promise.allSettled([...this.handling]);
  }

  private async dispatch(raw: ConsumeMessage, handler: LinkMessageHandler): Promise<Nack | void> {
    // Not handled after stop(): the broker redelivers it to the next run.
    if (this.stopping) return new Nack(true);
    const handled = this.handle(raw, handler);
    this.handling.add(handled);
    try {
      return await handled;
    } finally {
      this.handling.delete(handled);
    }
  }

  private async handle(raw: ConsumeMessage, handler: LinkMessageHandler): Promise<Nack | void> {
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
    try {
      await handler(message);
    } catch (error) {
      if (!(error instanceof UnavailableError)) throw error;
      // The store cannot take it now (disk full): never dead-letter a key, try again later.
      this.logger.warn(`${error.message}; the link message is requeued`);
      await delay(REQUEUE_DELAY_MS);
      return new Nack(true);
    }
  }
}
