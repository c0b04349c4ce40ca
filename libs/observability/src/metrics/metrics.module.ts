import { Module, type DynamicModule } from '@nestjs/common';
import { DeliveryEventsModule } from '../delivery/delivery-events.module';
import { DELIVERY_OBSERVERS } from '../delivery/delivery-observer.port';
import { KmeTelemetry } from '../kme-telemetry.port';
import { DeliveredKeysCounter } from './delivered-keys.observer';
import { HttpMetricsHook } from './http-metrics.hook';
import { KmeMetrics } from './kme-metrics';
import { MetricsController } from './metrics.controller';
import type { MetricsModuleOptions } from './metrics.options';
import { RelayMeter } from './relay-meter.service';

/**
 * Prometheus metrics of a KME at GET /metrics. A plain forRoot rather than a
 * ConfigurableModuleBuilder: `enabled` decides which controllers and providers exist at all,
 * which an options provider resolved later cannot.
 */
@Module({})
export class MetricsModule {
  static forRoot({ enabled, imports = [] }: MetricsModuleOptions): DynamicModule {
    if (!enabled) {
      return {
        module: MetricsModule,
        providers: [{ provide: RelayMeter, useValue: new RelayMeter(undefined, 'sent') }],
        exports: [RelayMeter],
      };
    }
    return {
      module: MetricsModule,
      imports: [...imports, DeliveryEventsModule],
      controllers: [MetricsController],
      providers: [
        {
          provide: KmeMetrics,
          useFactory: (t: KmeTelemetry) => new KmeMetrics(t),
          inject: [KmeTelemetry],
        },
        {
          provide: RelayMeter,
          useFactory: (metrics: KmeMetrics) =>
            new RelayMeter(metrics.relayBytes, metrics.relayDirection),
          inject: [KmeMetrics],
        },
        DeliveredKeysCounter,
        { provide: DELIVERY_OBSERVERS, useExisting: DeliveredKeysCounter },
        HttpMetricsHook,
      ],
      exports: [RelayMeter, KmeMetrics],
    };
  }
}
