import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  DashboardClient,
  EtsiHttpError,
  type DashboardKmeData,
  type DashboardPeer,
} from '@app/etsi-client';
import { errorText } from '@app/etsi-client/error-text';
import {
  DASHBOARD_OPTIONS,
  DEFAULT_PEER_TIMEOUT_MS,
  DEFAULT_SAMPLE_INTERVAL_MS,
  type DashboardModuleOptions,
  type DashboardPeerOptions,
} from '../dashboard.options';

/** Longest an answer of the dashboard data waits for a read of the peer. */
export const PEER_WAIT_MS = 250;

/** What this KME last read of its peer. */
export interface PeerReading {
  readonly peer: DashboardPeer;
  /** The peer's own answer, for its link and events. */
  readonly data: DashboardKmeData | undefined;
}

/**
 * Reads the peer KME's own figures (`GET /dashboard/data?scope=kme`) over the KME-to-KME link,
 * with this KME's certificate, through the project's client library. Only while someone watches:
 * a read starts when the dashboard data is asked for and the last read is older than the sampling
 * interval, so an idle KME sends nothing. The scope keeps the peer from reading back.
 */
@Injectable()
export class PeerReader implements OnModuleDestroy {
  private client: DashboardClient | undefined;
  private readonly stop = new AbortController();
  private readonly minIntervalMs: number;
  private lastStart = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private data: DashboardKmeData | undefined;
  private readAt: Date | undefined;
  private error: string | null = null;
  private state: DashboardPeer['state'] = 'unknown';

  constructor(@Inject(DASHBOARD_OPTIONS) private readonly options: DashboardModuleOptions) {
    this.minIntervalMs = (options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS) / 2;
  }

  /**
   * The peer as last read, after a fresh read when the last one is old. Once the peer has been
   * read, an answer waits for the next read only `PEER_WAIT_MS`: a peer slow to answer (or hanging
   * until the read's timeout) must not hold up this KME's own figures; the read goes on, and a
   * later answer has it. The first read, with nothing to show yet, is waited for.
   */
  async current(): Promise<PeerReading> {
    if (this.options.peer !== undefined && this.inFlight === undefined) {
      const now = Date.now();
      if (now - this.lastStart >= this.minIntervalMs) {
        this.lastStart = now;
        this.inFlight = this.read(this.options.peer).finally(() => {
          this.inFlight = undefined;
        });
      }
    }
    if (this.inFlight !== undefined) {
      await (this.state === 'unknown' ? this.inFlight : atMost(this.inFlight, PEER_WAIT_MS));
    }
    return { peer: this.snapshot(), data: this.data };
  }

  /** A read still connecting to a silent peer would hold the stop up to its timeout: cut it. */
  async onModuleDestroy(): Promise<void> {
    this.stop.abort(new Error('the KME is stopping'));
    await this.client?.destroy();
  }

  private async read(peer: DashboardPeerOptions): Promise<void> {
    try {
      this.client ??= this.connect(peer);
      this.data = await this.client.kmeData();
      this.readAt = new Date();
      this.state = 'ok';
      this.error = null;
    } catch (error) {
      if (this.stop.signal.aborted) return;
      this.state = 'unreachable';
      this.error = error instanceof EtsiHttpError ? error.summary : errorText(error);
    }
  }

  /**
   * Made at the first read, not at start: a KME whose certificate cannot make a client context
   * (an OpenAPI document built without real TLS material) still starts, and says why here.
   */
  private connect(peer: DashboardPeerOptions): DashboardClient {
    return new DashboardClient({
      baseUrl: peer.url,
      tls: { ca: peer.tls.ca, cert: peer.tls.cert, key: peer.tls.key },
      timeoutMs: this.options.peerTimeoutMs ?? DEFAULT_PEER_TIMEOUT_MS,
      connections: 1,
      signal: this.stop.signal,
    });
  }

  private snapshot(): DashboardPeer {
    return {
      kme_id: this.options.peer?.kmeId ?? '',
      state: this.options.peer === undefined ? 'unknown' : this.state,
      read_at: this.readAt?.toISOString() ?? null,
      error: this.error,
      kme: this.data?.kme ?? null,
    };
  }
}

/** Until `work` ends, or `ms` have passed. */
async function atMost(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}
