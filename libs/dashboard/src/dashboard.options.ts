import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LinkState } from '@app/etsi-client';

/** The linked KME, whose figures the dashboard shows beside this KME's. */
export interface DashboardPeerOptions {
  readonly kmeId: string;
  /** Its base URL (LINKED_TO_KME). */
  readonly url: string;
  /** This KME's own CA, certificate and key: the peer is read over the KME-to-KME link's mTLS. */
  readonly tls: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
}

export interface DashboardModuleOptions {
  /** The pool's cap in bits (MAX_KEY_COUNT × DEFAULT_KEY_SIZE), the scale of its level. */
  readonly capacityBits: number;
  readonly peer?: DashboardPeerOptions;
  /** Subject CN of the operator certificate, which sees the fault controls. Default `operator`. */
  readonly operatorCn?: string;
  /**
   * The simulated QKD link as GET /api/sim/v1/link describes it: the master KME runs it, the slave
   * KME may know it too; undefined while unknown. Called on every sample and data request: no I/O.
   */
  readonly linkState?: () => LinkState | undefined;
  /** How many samples the history keeps. Default 120 (two minutes at one a second). */
  readonly historySize?: number;
  /** Time between samples. Default 1000 ms. */
  readonly sampleIntervalMs?: number;
  /** Bound on one read of the peer's figures. Default 1000 ms. */
  readonly peerTimeoutMs?: number;
}

export const DEFAULT_OPERATOR_CN = 'operator';
export const DEFAULT_HISTORY_SIZE = 120;
export const DEFAULT_SAMPLE_INTERVAL_MS = 1000;
export const DEFAULT_PEER_TIMEOUT_MS = 1000;

export const {
  ConfigurableModuleClass: ConfigurableDashboardModule,
  MODULE_OPTIONS_TOKEN: DASHBOARD_OPTIONS,
} = new ConfigurableModuleBuilder<DashboardModuleOptions>({ moduleName: 'Dashboard' })
  .setClassMethodName('forRoot')
  .build();
