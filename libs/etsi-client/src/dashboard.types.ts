import type { LinkState } from './simulation.types';

/**
 * `GET /dashboard/data`, served by both KMEs without a client certificate: what the dashboard page
 * and `kme watch` show. Figures and states only: never key material, never key IDs. snake_case
 * like the ETSI API. `version` changes when a member changes meaning or goes away.
 */
export interface DashboardData {
  readonly version: 1;
  /** When this answer was made (ISO 8601). */
  readonly at: string;
  /** Whether the caller presented the operator certificate (verified, CN the operator's). */
  readonly operator: boolean;
  /** The KME that answered. */
  readonly kme: DashboardKme;
  /** The linked KME, as the answering KME last read it over the KME-to-KME link. */
  readonly peer: DashboardPeer;
  /** The simulated QKD link, from the KME that runs it (the master KME); null when unknown. */
  readonly link: DashboardLink | null;
  /** Recent events of both KMEs, oldest first. */
  readonly events: readonly DashboardEvent[];
}

/** `GET /dashboard/data?scope=kme`: what a KME says of itself alone (its peer reads this). */
export interface DashboardKmeData {
  readonly version: 1;
  readonly at: string;
  readonly kme: DashboardKme;
  readonly link: DashboardLink | null;
  readonly events: readonly DashboardEvent[];
}

export interface DashboardKme {
  readonly kme_id: string;
  readonly role: 'master' | 'slave';
  readonly pool: {
    /** Bits of key material this KME could hand out now. */
    readonly available_bits: number;
    /** The pool's cap: MAX_KEY_COUNT keys of DEFAULT_KEY_SIZE bits. */
    readonly capacity_bits: number;
  };
  readonly broker_connected: boolean;
  /** The KME-to-KME link: fresh heartbeat and synchronised. */
  readonly peer_link_up: boolean;
  readonly deliveries: {
    /** Keys delivered to SAEs in the last whole second. */
    readonly keys_per_s: number;
    /** Since the KME started. */
    readonly keys_total: number;
    /** Requests that delivered keys (enc_keys and dec_keys answered 200), since start. */
    readonly requests_total: number;
  };
  readonly errors: {
    /** Answers with a status of 400 or more in the last whole second. */
    readonly per_s: number;
    /** Answers with a status of 400 or more since start, by status code. */
    readonly by_status: Readonly<Record<string, number>>;
  };
  /** One sample per second, oldest first, every array as long as `t`. */
  readonly history: {
    /** Sample times, in whole seconds since the epoch. */
    readonly t: readonly number[];
    readonly available_bits: readonly number[];
    readonly keys_per_s: readonly number[];
    readonly errors_per_s: readonly number[];
  };
}

export interface DashboardPeer {
  readonly kme_id: string;
  /** `unknown` until the first read ended. */
  readonly state: 'ok' | 'unreachable' | 'unknown';
  /** When its figures were last read successfully (ISO 8601), else null. */
  readonly read_at: string | null;
  /** Why the last read failed, else null. */
  readonly error: string | null;
  /** Its figures as last read (possibly older than `at`: see `read_at`), else null. */
  readonly kme: DashboardKme | null;
}

/**
 * What the link is doing, in one word: `generating`; `aborted` (QBER above the protocol's abort
 * threshold, as under an eavesdropper); `channel_down`; `stopped` for any other reason (a rate of 0,
 * a fibre beyond the cut-off distance).
 */
export type DashboardLinkStatus = 'generating' | 'aborted' | 'channel_down' | 'stopped';

/** The link as `GET /api/sim/v1/link` gives it, with its status and recent history. */
export interface DashboardLink extends LinkState {
  /** The KME that runs the simulated link. */
  readonly kme_id: string;
  readonly status: DashboardLinkStatus;
  /** QBER above which the link aborts. */
  readonly abort_qber: number;
  readonly history: {
    readonly t: readonly number[];
    readonly qber: readonly number[];
    /** null where the link had no rate limit. */
    readonly secret_key_rate_bps: readonly (number | null)[];
  };
}

export interface DashboardEvent {
  readonly at: string;
  /** The KME that saw it. */
  readonly kme_id: string;
  /** `link`: the simulated QKD link; `peer`: the KME-to-KME link; `broker`: the broker connection. */
  readonly kind: 'link' | 'peer' | 'broker';
  readonly text: string;
}
