import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { DashboardEvent, LinkState } from '@app/etsi-client';
import { KmeTelemetry } from '@app/observability';
import { TrafficCounters } from '../counters/traffic-counters';
import {
  DASHBOARD_OPTIONS,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_SAMPLE_INTERVAL_MS,
  type DashboardModuleOptions,
} from '../dashboard.options';
import { EventLog } from './event-log';
import { linkChanges } from './link-events';
import { Ring } from './ring';

/** Events kept per KME. */
const EVENT_LOG_SIZE = 50;

/** One sample of this KME: its pool, its traffic rates, and the link where it runs one. */
export interface Sample {
  /** Epoch milliseconds, a multiple of the sampling interval. */
  readonly t: number;
  readonly availableBits: number;
  readonly keysPerS: number;
  readonly errorsPerS: number;
  readonly link?: { readonly qber: number; readonly secretKeyRateBps: number | null };
}

interface Reading {
  readonly at: number;
  readonly keys: number;
  readonly errors: number;
  readonly peerLinkUp: boolean;
  readonly broker: boolean;
  readonly link: LinkState | undefined;
}

/**
 * Samples this KME once per interval, aligned on the clock (so that both KMEs' samples fall on the
 * same instants), from state it already holds: no I/O. Keeps the history the charts draw and
 * turns changes (link up or down, broker, the simulated link) into events. The timer does not
 * keep the process alive.
 */
@Injectable()
export class DashboardSampler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly history: Ring<Sample>;
  readonly events: EventLog;
  private readonly intervalMs: number;
  private previous: Reading | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(DASHBOARD_OPTIONS) private readonly options: DashboardModuleOptions,
    private readonly telemetry: KmeTelemetry,
    private readonly counters: TrafficCounters,
  ) {
    this.intervalMs = options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
    this.history = new Ring(options.historySize ?? DEFAULT_HISTORY_SIZE);
    this.events = new EventLog(telemetry.kmeId, EVENT_LOG_SIZE);
  }

  onApplicationBootstrap(): void {
    // The first reading is only the baseline of the rates; samples come on the clock's beat.
    this.previous = this.read(Date.now());
    this.scheduleNext();
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The simulated link now, where this KME runs one. */
  linkNow(): LinkState | undefined {
    return read(() => this.options.linkState?.(), undefined);
  }

  availableBitsNow(): number {
    return read(() => this.telemetry.availableBits(), 0);
  }

  peerLinkUpNow(): boolean {
    return read(() => this.telemetry.linkUp(), false);
  }

  brokerConnectedNow(): boolean {
    return read(() => this.telemetry.brokerConnected(), false);
  }

  /** Takes one sample now (the timer calls it; tests may too). */
  sample(now = Date.now()): Sample {
    const reading = this.read(now);
    const previous = this.previous;
    const seconds = previous === undefined ? 0 : (now - previous.at) / 1000;
    const perSecond = (total: number, before: number | undefined): number =>
      before === undefined || seconds <= 0 ? 0 : round1((total - before) / seconds);
    const sample: Sample = {
      t: Math.round(now / this.intervalMs) * this.intervalMs,
      availableBits: this.availableBitsNow(),
      keysPerS: perSecond(reading.keys, previous?.keys),
      errorsPerS: perSecond(reading.errors, previous?.errors),
      ...(reading.link === undefined
        ? {}
        : {
            link: {
              qber: reading.link.qber,
              secretKeyRateBps: reading.link.secret_key_rate_bps,
            },
          }),
    };
    // A timer that fired a little early or late must not give two samples one instant.
    if (this.history.last?.t === sample.t) this.history.dropLast();
    this.history.push(sample);
    if (previous !== undefined) this.record(previous, reading, new Date(now));
    this.previous = reading;
    return sample;
  }

  private read(now: number): Reading {
    return {
      at: now,
      keys: this.counters.keysTotal,
      errors: this.counters.errorsTotal,
      peerLinkUp: this.peerLinkUpNow(),
      broker: this.brokerConnectedNow(),
      link: this.linkNow(),
    };
  }

  private record(before: Reading, after: Reading, at: Date): void {
    const changes: [DashboardEvent['kind'], string][] = [];
    if (before.peerLinkUp !== after.peerLinkUp) {
      changes.push(['peer', `link to the peer KME ${after.peerLinkUp ? 'up' : 'down'}`]);
    }
    if (before.broker !== after.broker) {
      changes.push(['broker', after.broker ? 'broker connected' : 'broker connection lost']);
    }
    // Both KMEs see the link; the one that runs it tells of its changes.
    if (this.telemetry.role === 'master') changes.push(...linkChanges(before.link, after.link));
    for (const [kind, text] of changes) this.events.add(kind, text, at);
  }

  private scheduleNext(): void {
    const now = Date.now();
    const wait = this.intervalMs - (now % this.intervalMs);
    this.timer = setTimeout(() => {
      this.sample();
      this.scheduleNext();
    }, wait);
    this.timer.unref();
  }
}

/** A read that throws gives `fallback`: the dashboard shows what it can rather than fail. */
function read<T>(value: () => T, fallback: T): T {
  try {
    return value();
  } catch {
    return fallback;
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
