import type { Counter } from 'prom-client';

/**
 * Counts the key material crossing the link (kme_relay_bytes_total): the master KME adds what it
 * sends, the slave KME what it receives. A no-op when metrics are disabled, so callers never ask.
 */
export class RelayMeter {
  constructor(
    private readonly counter: Counter<'direction'> | undefined,
    private readonly direction: 'sent' | 'received',
  ) {}

  /** Never throws: a bad count is dropped rather than break the relay that measured it. */
  add(bytes: number): void {
    if (this.counter === undefined || !Number.isFinite(bytes) || bytes <= 0) return;
    this.counter.inc({ direction: this.direction }, bytes);
  }
}
