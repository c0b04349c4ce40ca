import { Inject, Injectable } from '@nestjs/common';
import type {
  DashboardData,
  DashboardEvent,
  DashboardKme,
  DashboardKmeData,
  DashboardLink,
} from '@app/etsi-client';
import { ABORT_QBER_THRESHOLD } from '@app/link-model';
import { KmeTelemetry } from '@app/observability';
import { TrafficCounters } from './counters/traffic-counters';
import { DASHBOARD_OPTIONS, type DashboardModuleOptions } from './dashboard.options';
import { PeerReader } from './peer/peer-reader.service';
import { DashboardSampler } from './sampling/dashboard-sampler.service';
import { linkStatusOf } from './sampling/link-status';

/** Events in one answer, both KMEs together. */
const EVENTS_SHOWN = 30;

/**
 * The dashboard's data: this KME's figures (read now, with the sampled history), the peer's as
 * last read, the simulated link from whichever of the two runs it, and both KMEs' events.
 */
@Injectable()
export class DashboardDataService {
  constructor(
    @Inject(DASHBOARD_OPTIONS) private readonly options: DashboardModuleOptions,
    private readonly telemetry: KmeTelemetry,
    private readonly counters: TrafficCounters,
    private readonly sampler: DashboardSampler,
    private readonly peer: PeerReader,
  ) {}

  /** What this KME says of itself alone. */
  own(now = new Date()): DashboardKmeData {
    return {
      version: 1,
      at: now.toISOString(),
      kme: this.kme(),
      link: this.link(),
      events: this.sampler.events.recent(),
    };
  }

  /** This KME and its peer, for the page and `kme watch`. */
  async both(operator: boolean): Promise<DashboardData> {
    const { peer, data: peerData } = await this.peer.current();
    const own = this.own();
    return {
      version: 1,
      at: own.at,
      operator,
      kme: own.kme,
      peer,
      link: own.link ?? peerData?.link ?? null,
      events: mergeEvents(own.events, peerData?.events ?? []),
    };
  }

  private kme(): DashboardKme {
    const history = this.sampler.history;
    const latest = history.last;
    return {
      kme_id: this.telemetry.kmeId,
      role: this.telemetry.role,
      pool: {
        available_bits: this.sampler.availableBitsNow(),
        capacity_bits: this.options.capacityBits,
      },
      broker_connected: this.sampler.brokerConnectedNow(),
      peer_link_up: this.sampler.peerLinkUpNow(),
      deliveries: {
        keys_per_s: latest?.keysPerS ?? 0,
        keys_total: this.counters.keysTotal,
        requests_total: this.counters.deliveriesTotal,
      },
      errors: { per_s: latest?.errorsPerS ?? 0, by_status: this.counters.errorsByStatus() },
      history: {
        t: history.map((sample) => sample.t),
        available_bits: history.map((sample) => sample.availableBits),
        keys_per_s: history.map((sample) => sample.keysPerS),
        errors_per_s: history.map((sample) => sample.errorsPerS),
      },
    };
  }

  /** The master KME runs the link; the slave KME knows it from the heartbeat's answers. */
  private linkRunBy(): string {
    return this.telemetry.role === 'master'
      ? this.telemetry.kmeId
      : (this.options.peer?.kmeId ?? this.telemetry.kmeId);
  }

  private link(): DashboardLink | null {
    const state = this.sampler.linkNow();
    if (state === undefined) return null;
    const samples = this.sampler.history.toArray().filter((sample) => sample.link !== undefined);
    return {
      // Member by member: whatever else the simulation's object holds stays out.
      quantum_channel: state.quantum_channel,
      eavesdropper: state.eavesdropper,
      qber: state.qber,
      secret_key_rate_bps: state.secret_key_rate_bps,
      distance_km: state.distance_km,
      preset: state.preset,
      generating: state.generating,
      reason: state.reason,
      kme_id: this.linkRunBy(),
      status: linkStatusOf(state),
      abort_qber: ABORT_QBER_THRESHOLD,
      history: {
        t: samples.map((sample) => sample.t),
        qber: samples.map((sample) => sample.link?.qber ?? 0),
        secret_key_rate_bps: samples.map((sample) => sample.link?.secretKeyRateBps ?? null),
      },
    };
  }
}

/** Both KMEs' events in time order, the most recent EVENTS_SHOWN. */
function mergeEvents(
  own: readonly DashboardEvent[],
  peer: readonly DashboardEvent[],
): DashboardEvent[] {
  return [...own, ...peer]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .slice(-EVENTS_SHOWN);
}
