export { KmeTelemetry } from './kme-telemetry.port';
export {
  DELIVERY_OBSERVERS,
  DeliveryObserver,
  type DeliveryEvent,
} from './delivery/delivery-observer.port';
export { DeliveryEvents } from './delivery/delivery-events.service';
export { DeliveryEventsModule } from './delivery/delivery-events.module';
export { deliveryEventOf, type DeliveryOf, type KeyOfDelivery } from './delivery/delivery-event';
export { HealthModule, type HealthModuleOptions } from './health/health.module';
export { MetricsModule, type MetricsAsyncOptions } from './metrics/metrics.module';
export type { MetricsModuleOptions } from './metrics/metrics.options';
export { KmeMetrics } from './metrics/kme-metrics';
export { RelayMeter } from './metrics/relay-meter.service';
export { KmeLoggerModule, type KmeLoggerAsyncOptions } from './logging/kme-logger.module';
export type { KmeLogFormat, KmeLogLevel, KmeLoggerOptions } from './logging/kme-logger.options';
export { useKmeLogger } from './logging/use-kme-logger';
export { REQUEST_ID_HEADER } from './logging/request-id';
export { RequestId } from './logging/request-id.decorator';
