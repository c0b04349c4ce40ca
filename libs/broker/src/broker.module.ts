import { Module, type ConfigurableModuleAsyncOptions, type DynamicModule } from '@nestjs/common';
import {
  MessageHandlerErrorBehavior,
  RabbitMQModule,
  type RabbitMQConfig,
} from '@golevelup/nestjs-rabbitmq';
import { BROKER_OPTIONS, MATERIAL_CHANNEL, type BrokerOptions } from './broker.options';
import { LinkConsumer } from './link-consumer.service';
import { LinkPublisher } from './link-publisher.service';
import { linkExchanges, linkQueues } from './link-topology';

/** Prefetch large enough to keep a fast link busy, small enough to bound unacked material. */
const PREFETCH = 32;

/** Broker options from the application's providers (its settings, say). */
export type BrokerAsyncOptions = Pick<
  ConfigurableModuleAsyncOptions<BrokerOptions>,
  'imports' | 'inject' | 'useFactory'
>;

/** The RabbitMQ module's configuration for one KME's link. */
function rabbitConfigOf(options: BrokerOptions): RabbitMQConfig {
  return {
    uri: options.amqpUrl,
    connectionInitOptions: { wait: false },
    registerHandlers: false,
    enableControllerDiscovery: false,
    prefetchCount: PREFETCH,
    channels: { [MATERIAL_CHANNEL]: { prefetchCount: PREFETCH } },
    exchanges: linkExchanges(),
    queues: linkQueues(options.sharedQueue),
    defaultSubscribeErrorBehavior: MessageHandlerErrorBehavior.NACK,
    connectionManagerOptions: {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
      // Without it, Nagle's algorithm holds a confirm-awaited publish for the broker's
      // delayed ACK: tens of milliseconds on every activation.
      connectionOptions: { noDelay: true },
    },
  };
}

/**
 * RabbitMQ for one KME: the link's topology, a publisher and a consumer. The KME starts without
 * waiting for the broker and reconnects by itself.
 */
@Module({})
export class BrokerModule {
  static forRoot(options: BrokerOptions): DynamicModule {
    return BrokerModule.forRootAsync({ useFactory: () => options });
  }

  static forRootAsync({
    imports = [],
    inject = [],
    useFactory,
  }: BrokerAsyncOptions): DynamicModule {
    if (useFactory === undefined) throw new TypeError('BrokerModule.forRootAsync needs useFactory');
    return {
      module: BrokerModule,
      imports: [
        ...imports,
        RabbitMQModule.forRootAsync({
          imports,
          inject,
          useFactory: async (...args: unknown[]) => rabbitConfigOf(await useFactory(...args)),
        }),
      ],
      providers: [{ provide: BROKER_OPTIONS, inject, useFactory }, LinkPublisher, LinkConsumer],
      exports: [LinkPublisher, LinkConsumer],
    };
  }
}
