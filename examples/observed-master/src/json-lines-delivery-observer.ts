import { appendFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { DeliveryObserver, type DeliveryEvent } from '@app/kme';
import { DELIVERY_LOG_FILE } from './delivery-log.module';

/**
 * A delivery audit: every delivery of keys to an SAE as one JSON line (time, route, SAEs, key
 * IDs, size). The event carries no key bytes, so neither does the file.
 */
@Injectable()
export class JsonLinesDeliveryObserver extends DeliveryObserver {
  constructor(@Inject(DELIVERY_LOG_FILE) private readonly file: string) {
    super();
  }

  delivered(event: DeliveryEvent): void {
    // Synchronous: written before the SAE has its answer, at the cost of a write per delivery.
    appendFileSync(this.file, `${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`);
  }
}
