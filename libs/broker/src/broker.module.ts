import { Module, type DynamicModule } from '@nestjs/common';
import { MessageHandlerErrorBehavior, RabbitMQModule } from '@golevelup/nestjs-rabbitmq';
import { BROKER_OPTIONS, MATERIAL_CHANNEL, type BrokerOptions } from './broker.options';
import { LinkConsumer } from './link-consumer.service';
import { LinkPublisher } from './link-publisher.service';
import { linkExchanges, linkQueues } from './link-topology';

/** Prefetch large enough to keep a fast link busy, small enough to bound unacked material. */
const PREFETCH = 32;

/**
 * RabbitMQ for one KME: the link's topology, a publisher and a consumer. The KME starts without
 * waiting for the broker and reconnects by itself.
 */
@Module({})
export class BrokerModule {
  static forRoot(options: BrokerOptions): DynamicModule {
    return {
      module: BrokerModule,
      imports: [
        RabbitMQModule.forRoot({
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
        }),
      ],
      providers: [{ provide: BROKER_OPTIONS, useValue: options }, LinkPublisher, LinkConsumer],
      exports: [LinkPublisher, LinkConsumer],
    };
  }
}
