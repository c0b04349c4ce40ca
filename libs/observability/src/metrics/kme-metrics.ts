import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { KmeTelemetry } from '../kme-telemetry.port';

/** From a status request (~0.1 ms) to a dec_keys that waits for its activation (seconds). */
const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export type RequestLabels = 'method' | 'route' | 'status';

/**
 * The metrics of one KME, in a registry of its own: prom-client's global registry would mix two
 * KMEs (or two tests) of one process. Every metric carries the KME's ID as a constant label.
 * Gauges read KmeTelemetry when scraped, so nothing runs between scrapes.
 */
export class KmeMetrics {
  readonly registry = new Registry();
  readonly keysDelivered: Counter<'route' | 'sae'>;
  readonly requestDuration: Histogram<RequestLabels>;
  readonly relayBytes: Counter<'direction'>;
  /** The master KME sends material, the slave KME receives it. */
  readonly relayDirection: 'sent' | 'received';

  constructor(telemetry: KmeTelemetry) {
    this.relayDirection = telemetry.role === 'master' ? 'sent' : 'received';
    const registers = [this.registry];
    this.registry.setDefaultLabels({ kme_id: telemetry.kmeId });
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'kme_key_pool_available_bits',
      help: 'Bits of key material this KME could hand out now',
      registers,
      collect() {
        this.set(read(() => telemetry.availableBits()));
      },
    });
    new Gauge({
      name: 'kme_link_up',
      help: '1 when the link to the peer KME is up (fresh heartbeat, synchronised), else 0',
      registers,
      collect() {
        this.set(read(() => Number(telemetry.linkUp())));
      },
    });
    new Gauge({
      name: 'kme_broker_connected',
      help: '1 when this KME is connected to the message broker, else 0',
      registers,
      collect() {
        this.set(read(() => Number(telemetry.brokerConnected())));
      },
    });
    this.keysDelivered = new Counter({
      name: 'kme_keys_delivered_total',
      help: 'Keys delivered to SAEs, by ETSI route and receiving SAE',
      labelNames: ['route', 'sae'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'kme_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern (or "unmatched") and status',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.relayBytes = new Counter({
      name: 'kme_relay_bytes_total',
      help: 'Bytes of key material relayed over the link: sent by the master KME, received by the slave KME',
      labelNames: ['direction'],
      registers,
    });
    // Present from the first scrape, at 0, so rate() has a start.
    this.relayBytes.inc({ direction: this.relayDirection }, 0);
  }
}

/** A telemetry read that fails is "unknown" (NaN), never a failed scrape or a made-up value. */
function read(value: () => number): number {
  try {
    return value();
  } catch {
    return Number.NaN;
  }
}
