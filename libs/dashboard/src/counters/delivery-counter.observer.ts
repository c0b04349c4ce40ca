import { Injectable } from '@nestjs/common';
import { DeliveryObserver, type DeliveryEvent } from '@app/observability';
import { TrafficCounters } from './traffic-counters';

/** Counts every delivery of keys to an SAE, as the KME publishes it after the commit. */
@Injectable()
export class DeliveryCounter extends DeliveryObserver {
  constructor(private readonly counters: TrafficCounters) {
    super();
  }

  delivered(event: DeliveryEvent): void {
    this.counters.delivered(event.keyIds.length);
  }
}
