import { DASHBOARD_DATA_PATH } from './dashboard-client';
import type { DashboardData } from './dashboard.types';
import { KmeTransport, type KmeClientOptions } from './kme-transport';
import type { ActiveFault, DrainResult, FaultSpec, LinkPatch, LinkState } from './simulation.types';

export const SIMULATION_PATH = '/api/sim/v1';

/**
 * An operator's client for the master KME's simulation API: inspect and steer the simulated
 * link, inject faults. Authenticated like the ETSI API, by the client certificate (an operator's).
 */
export class SimulationClient {
  private readonly transport: KmeTransport;

  constructor(options: KmeClientOptions) {
    this.transport = new KmeTransport(options);
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  link(): Promise<LinkState> {
    return this.transport.json<LinkState>('GET', `${SIMULATION_PATH}/link`);
  }

  /** Changes only what `patch` names; answers the link as it is afterwards. */
  setLink(patch: LinkPatch): Promise<LinkState> {
    return this.transport.json<LinkState>('PATCH', `${SIMULATION_PATH}/link`, { body: patch });
  }

  /** Drops the material both KMEs hold, as if the link had lost it. */
  async drain(): Promise<DrainResult> {
    return (
      (await this.transport.jsonOrEmpty<DrainResult>('POST', `${SIMULATION_PATH}/pool/drain`)) ?? {}
    );
  }

  addFault(fault: FaultSpec): Promise<ActiveFault> {
    return this.transport.json<ActiveFault>('POST', `${SIMULATION_PATH}/faults`, { body: fault });
  }

  faults(): Promise<ActiveFault[]> {
    return this.transport.json<ActiveFault[]>('GET', `${SIMULATION_PATH}/faults`);
  }

  async clearFaults(): Promise<void> {
    await this.transport.jsonOrEmpty<unknown>('DELETE', `${SIMULATION_PATH}/faults`);
  }

  /** What the dashboard shows (pool levels, rates, link); served by both KMEs (DashboardClient). */
  dashboardData(): Promise<DashboardData> {
    return this.transport.json<DashboardData>('GET', DASHBOARD_DATA_PATH);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
