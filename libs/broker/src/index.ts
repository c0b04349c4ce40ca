export { BrokerModule, type BrokerAsyncOptions } from './broker.module';
export {
  BROKER_OPTIONS,
  DEAD_LETTER_EXCHANGE,
  deadLetterQueueOf,
  type BrokerOptions,
} from './broker.options';
export { LinkPublisher, BrokerUnavailableError } from './link-publisher.service';
export { LinkConsumer, type LinkMessageHandler } from './link-consumer.service';
export * from './link-messages';
export { linkQueueOptions } from './link-topology';
