/**
 * The simulation API the master KME serves under `/api/sim/v1` to an operator certificate: the
 * state of the simulated QKD link, and faults injected on purpose. Shapes as agreed for the
 * simulation module; snake_case like the ETSI API.
 */

export type QuantumChannelState = 'up' | 'down';

/** GET /api/sim/v1/link: the link as the key source sees it now. */
export interface LinkState {
  readonly quantum_channel: QuantumChannelState;
  readonly eavesdropper: boolean;
  /** Quantum bit error rate, 0…1. */
  readonly qber: number;
  /** 0 while not generating; null for a link without a rate limit (KEY_RATE_BPS=0). */
  readonly secret_key_rate_bps: number | null;
  readonly distance_km: number | null;
  readonly preset: string | null;
  /** Whether the key source is producing material at this moment. */
  readonly generating: boolean;
  /** Why it is not generating (channel down, QBER above threshold, pool full…), else null. */
  readonly reason: string | null;
}

/** PATCH /api/sim/v1/link: any subset; what is left out stays as it is. */
export interface LinkPatch {
  quantum_channel?: QuantumChannelState;
  eavesdropper?: boolean;
  distance_km?: number;
  preset?: string;
  key_rate_bps?: number;
}

/** Refuse the next `count` ETSI requests (at one KME, or at both when `kme_id` is absent). */
export interface RefuseRequestsFault {
  readonly kind: 'refuse_requests';
  readonly count: number;
  readonly kme_id?: string;
}

/** Delay the relay of material to the slave KME by `ms`, for `duration_s` seconds. */
export interface RelayDelayFault {
  readonly kind: 'relay_delay';
  readonly ms: number;
  readonly duration_s: number;
}

/** POST /api/sim/v1/faults. */
export type FaultSpec = RefuseRequestsFault | RelayDelayFault;

/**
 * A fault as the KME reports it: what it was added with, plus whatever the KME keeps about it
 * (an ID, what remains). Only the spec's members are relied on.
 */
export type ActiveFault = FaultSpec & { readonly [member: string]: unknown };

/** POST /api/sim/v1/pool/drain: what the KME says it dropped; not fixed yet. */
export type DrainResult = Readonly<Record<string, unknown>>;
