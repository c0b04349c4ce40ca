import type { LinkSettings } from './link-settings';

/** Which end of the link a KME is: the master KME owns the QKD source and allocates. */
export type KmeRole = 'master' | 'slave';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'verbose';

/** Validated, typed settings of one KME; built only by `loadKmeSettings`. */
export interface KmeSettings {
  readonly role: KmeRole;
  readonly port: number;
  /** Address the HTTPS server binds; 0.0.0.0 is every IPv4 interface. */
  readonly host: string;
  readonly kmeId: string;
  readonly linkedKmeId: string;
  readonly attachedSaeIds: readonly string[];
  readonly linkedSaeIds: readonly string[];
  readonly linkedKmeUrl: string;
  readonly tls: TlsFiles;
  readonly keys: KeyLimits;
  /**
   * KEY_RATE_BPS, default included: the simulated secret-key rate in bits/s; 0 means as fast as
   * the machine allows. Whether it applies, or the link model does, says `link`.
   */
  readonly keyRateBps: number;
  /** How the simulated link makes its rate: KEY_RATE_BPS, or physics (LINK_PRESET, LINK_*). */
  readonly link: LinkSettings;
  /**
   * KEY_SEED: material and key IDs from a deterministic generator keyed by it, so that runs
   * repeat. Seeded keys are not secret.
   */
  readonly keySeed?: string;
  /** Subject CN of the operator certificate, the only one the simulation API admits. */
  readonly operatorCn: string;
  /** A JSON or YAML file of timed changes of the link, played from the master KME's start. */
  readonly scenarioFile?: string;
  readonly amqpUrl: string;
  readonly sharedQueue: string;
  readonly logLevel: LogLevel;
  /** How long dec_keys waits for an activation that has not reached this KME yet. */
  readonly keyIdWaitMs: number;
  /** Bound on any call to the broker or the peer KME made while serving a request. */
  readonly peerTimeoutMs: number;
  /** Refuse unknown members of ETSI bodies (400) instead of ignoring them. */
  readonly strictRequests: boolean;
  readonly store: StoreSettings;
  /** Where the SAE ID is in a client certificate. */
  readonly saeIdFrom: 'cn' | 'san-uri' | 'serial';
  readonly logFormat: 'json' | 'pretty';
  /** Serve Prometheus metrics at /metrics. */
  readonly metrics: boolean;
  /** The master KME's material: the simulated link, or the files of a directory. */
  readonly keySource:
    { readonly kind: 'simulated' } | { readonly kind: 'files'; readonly dir: string };
}

export type KeyStoreKind = 'sqlite' | 'memory';
export type Durability = 'process' | 'power';

export interface StoreSettings {
  readonly kind: KeyStoreKind;
  /** Directory of the database (KEY_STORE=sqlite). */
  readonly dataDir: string;
  readonly durability: Durability;
  /** Largest size of the database in bytes; writes beyond it fail (503). */
  readonly maxBytes?: number;
}

export interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Optional pinned SAE certificate, as the old simulator's SAE_CERT. */
  readonly pinnedSaeCertFile?: string;
}

export interface KeyLimits {
  readonly minKeySize: number;
  readonly maxKeySize: number;
  readonly defaultKeySize: number;
  /** Pool cap, in keys of `defaultKeySize`. */
  readonly maxKeyCount: number;
  readonly maxKeysPerRequest: number;
  readonly maxSaeIdCount: number;
  /** Most keys kept for slave SAEs that have not fetched them yet. */
  readonly maxActiveKeys: number;
}
