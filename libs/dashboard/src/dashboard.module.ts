import { Module } from '@nestjs/common';
import { DELIVERY_OBSERVERS, DeliveryEventsModule } from '@app/observability';
import { AnswerStatusHook } from './counters/answer-status.hook';
import { DeliveryCounter } from './counters/delivery-counter.observer';
import { TrafficCounters } from './counters/traffic-counters';
import { DashboardController } from './dashboard.controller';
import { DashboardDataService } from './dashboard-data.service';
import { ConfigurableDashboardModule } from './dashboard.options';
import { PeerReader } from './peer/peer-reader.service';
import { DashboardSampler } from './sampling/dashboard-sampler.service';

/**
 * A KME's live dashboard at GET /dashboard, its data at GET /dashboard/data. Reads the KME's
 * KmeTelemetry (give the module that exports it in `imports` of forRootAsync, unless a global
 * module provides it), counts deliveries as a DeliveryObserver and answers by status code from
 * the server's request event.
 *
 *   DashboardModule.forRootAsync({
 *     imports: [KeysModule],
 *     inject: [KME_SETTINGS, TLS_MATERIAL],
 *     useFactory: (settings, tls) => ({ capacityBits: …, peer: { kmeId, url, tls } }),
 *   })
 */
@Module({
  imports: [DeliveryEventsModule],
  controllers: [DashboardController],
  providers: [
    TrafficCounters,
    DeliveryCounter,
    { provide: DELIVERY_OBSERVERS, useExisting: DeliveryCounter },
    AnswerStatusHook,
    DashboardSampler,
    PeerReader,
    DashboardDataService,
  ],
})
export class DashboardModule extends ConfigurableDashboardModule {}
