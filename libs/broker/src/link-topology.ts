import type {
  QueueOptions,
  RabbitMQExchangeConfig,
  RabbitMQQueueConfig,
} from '@golevelup/nestjs-rabbitmq';
import { DEAD_LETTER_EXCHANGE, deadLetterQueueOf } from './broker.options';

/**
 * Options of the link's queue. Both KMEs declare it, so the arguments must be identical on both
 * sides (RabbitMQ refuses a redeclaration with other arguments).
 */
export const linkQueueOptions = (sharedQueue: string): QueueOptions => ({
  durable: true,
  deadLetterExchange: DEAD_LETTER_EXCHANGE,
  deadLetterRoutingKey: deadLetterQueueOf(sharedQueue),
});

export const linkExchanges = (): RabbitMQExchangeConfig[] => [
  { name: DEAD_LETTER_EXCHANGE, type: 'direct', options: { durable: true } },
];

/** The link's queue and its dead-letter queue, declared on every (re)connection. */
export const linkQueues = (sharedQueue: string): RabbitMQQueueConfig[] => [
  { name: sharedQueue, options: linkQueueOptions(sharedQueue) },
  {
    name: deadLetterQueueOf(sharedQueue),
    options: { durable: true },
    exchange: DEAD_LETTER_EXCHANGE,
    routingKey: deadLetterQueueOf(sharedQueue),
  },
];
