import type { ModuleMetadata, Type } from '@nestjs/common';
import type { SaeIdentity } from '@app/etsi-api';
import type { TlsMaterial } from '@app/kme-server';
import type { DeliveryObserver } from '@app/observability';
import type { KeySource } from './master/source/key-source';

/** What a KME module is given: its settings, as the environment would give them. */
export interface KmeModuleOptions {
  /**
   * Settings by their environment names (`PORT`, `KME_ID`, `ATTACHED_SAE_ID`, …), validated by
   * the same rules as the environment: a bad value stops the application, naming the variable.
   */
  readonly config?: Readonly<Record<string, string | undefined>>;
  /** Whether `process.env` fills in what `config` leaves out (default true). */
  readonly useEnvironment?: boolean;
  /** The CA, certificate and key in code (from a vault, say) instead of CA_FILE/KME_CERT/KME_KEY. */
  readonly tls?: TlsMaterial;
}

/** Classes that replace a built-in part of the KME (the extension points), fixed at import. */
export interface KmeModuleExtensions {
  /** Where the master KME's material comes from (default: the simulated link). */
  readonly keySource?: Type<KeySource>;
  /** How a verified client certificate becomes an SAE ID (default: SAE_ID_FROM). */
  readonly saeIdentity?: Type<SaeIdentity>;
  /** Told of every delivery of keys to an SAE (IDs, SAEs, sizes; never key bytes). */
  readonly deliveryObservers?: readonly Type<DeliveryObserver>[];
  /** Modules the extension classes need. */
  readonly imports?: ModuleMetadata['imports'];
}
