import { Global, Module } from '@nestjs/common';
import { DeliveryEvents } from './delivery-events.service';

/**
 * One DeliveryEvents per application. Global, so that the app's key delivery can publish
 * without importing it again once MetricsModule or KmeLoggerModule did; importing it directly
 * is as good.
 */
@Global()
@Module({ providers: [DeliveryEvents], exports: [DeliveryEvents] })
export class DeliveryEventsModule {}
