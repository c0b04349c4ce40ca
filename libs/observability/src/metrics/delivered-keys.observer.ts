import { Inject, Injectable } from '@nestjs/common';
import { DeliveryObserver, type DeliveryEvent } from '../delivery/delivery-observer.port';
import { KmeMetrics } from './kme-metrics';

/** kme_keys_delivered_total, by the number of keys of each delivery. */
@Injectable()
export class DeliveredKeysCounter extends DeliveryObserver {
  constructor(@Inject(KmeMetrics) private readonly metrics: KmeMetrics | null) {
    super();
  }

  delivered(event: DeliveryEvent): void {
    // The SAE label is bounded: only an authenticated SAE of this KME receives keys.
    this.metrics?.keysDelivered.inc(
      { route: event.route, sae: event.callerSaeId },
      event.keyIds.length,
    );
  }
}
