import type { DashboardEvent } from '@app/etsi-client';
import { Ring } from './ring';

/** The most recent events this KME saw, oldest first. */
export class EventLog {
  private readonly ring: Ring<DashboardEvent>;

  constructor(
    private readonly kmeId: string,
    capacity: number,
  ) {
    this.ring = new Ring(capacity);
  }

  add(kind: DashboardEvent['kind'], text: string, at: Date): void {
    this.ring.push({ at: at.toISOString(), kme_id: this.kmeId, kind, text });
  }

  recent(): DashboardEvent[] {
    return this.ring.toArray();
  }
}
