import {
  Module,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
} from '@nestjs/common';
import { DeliveryEventsModule } from '../delivery/delivery-events.module';
import { DELIVERY_OBSERVERS } from '../delivery/delivery-observer.port';
import { KmeTelemetry } from '../kme-telemetry.port';
import { DeliveredKeysCounter } from './delivered-keys.observer';
import { HttpMetricsHook } from './http-metrics.hook';
import { KmeMetrics } from './kme-metrics';
import { MetricsController } from './metrics.controller';
import type { MetricsModuleOptions } from './metrics.options';
import { RelayMeter } from './relay-meter.service';

export interface MetricsAsyncOptions {
  readonly imports?: ModuleMetadata['imports'];
  readonly inject?: FactoryProvider['inject'];
  readonly useFactory: (...args: never[]) => Pick<MetricsModuleOptions, 'enabled'>;
}

/** Whether this KME collects and serves metrics (METRICS). */
export const METRICS_ENABLED = Symbol('METRICS_ENABLED');

/**
 * Prometheus metrics of a KME at GET /metrics. Disabled, there are no metrics at all: the route
 * answers 404 and every counter is a no-op.
 */
@Module({})
export class MetricsModule {
  static forRoot({ enabled, imports = [] }: MetricsModuleOptions): DynamicModule {
    return MetricsModule.forRootAsync({ imports, useFactory: () => ({ enabled }) });
  }

  /** Options from the application's providers (its settings, say), resolved at start. */
  static forRootAsync({
    imports = [],
    inject = [],
    useFactory,
  }: MetricsAsyncOptions): DynamicModule {
    return {
      module: MetricsModule,
      imports: [...imports, DeliveryEventsModule],
      controllers: [MetricsController],
      providers: [
        {
          provide: METRICS_ENABLED,
          inject,
          useFactory: (...args: never[]) => useFactory(...args).enabled,
        },
        {
          provide: KmeMetrics,
          useFactory: (enabled: boolean, telemetry: KmeTelemetry | undefined) => {
            if (!enabled) return null;
            if (telemetry === undefined) throw new Error('MetricsModule needs a KmeTelemetry');
            return new KmeMetrics(telemetry);
          },
          // Disabled metrics need nothing of the app.
          inject: [METRICS_ENABLED, { token: KmeTelemetry, optional: true }],
        },
        {
          provide: RelayMeter,
          useFactory: (metrics: KmeMetrics | null) =>
            metrics === null
              ? new RelayMeter(undefined, 'sent')
              : new RelayMeter(metrics.relayBytes, metrics.relayDirection),
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
