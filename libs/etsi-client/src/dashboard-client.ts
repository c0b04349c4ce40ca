import type { DashboardData, DashboardKmeData } from './dashboard.types';
import { KmeTransport, type KmeClientOptions } from './kme-transport';

export const DASHBOARD_DATA_PATH = '/dashboard/data';

/**
 * A client of a KME's dashboard data, which both KMEs serve to anyone (no key material in it). A
 * client certificate is optional there; the operator's makes the answer say `operator: true`.
 */
export class DashboardClient {
  private readonly transport: KmeTransport;

  constructor(options: KmeClientOptions) {
    this.transport = new KmeTransport(options);
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /** Both KMEs' figures as this KME knows them, the link, recent events. */
  data(): Promise<DashboardData> {
    return this.transport.json<DashboardData>('GET', DASHBOARD_DATA_PATH);
  }

  /** This KME's own figures only: what a KME reads of its peer. */
  kmeData(): Promise<DashboardKmeData> {
    return this.transport.json<DashboardKmeData>('GET', DASHBOARD_DATA_PATH, {
      query: { scope: 'kme' },
    });
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /** Closes at once, failing what is in flight (see KmeTransport.destroy). */
  destroy(): Promise<void> {
    return this.transport.destroy();
  }
}
