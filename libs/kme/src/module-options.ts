import { Logger } from '@nestjs/common';
import type { BrokerOptions } from '@app/broker';
import type { KmeSettings } from '@app/config';
import type { EtsiApiOptions } from '@app/etsi-api';
import { KeyStoreOpenError, type KeyStoreOptions } from '@app/key-store';
import type { TlsMaterial } from '@app/kme-server';
import type { KmeLoggerOptions } from '@app/observability';

/** What the ETSI API needs from a KME's settings; the same for both KMEs. */
export const etsiApiOptionsOf = (settings: KmeSettings, tls: TlsMaterial): EtsiApiOptions => ({
  saeIdFrom: settings.saeIdFrom,
  kmeId: settings.kmeId,
  linkedKmeId: settings.linkedKmeId,
  attachedSaeIds: settings.attachedSaeIds,
  linkedSaeIds: settings.linkedSaeIds,
  keys: settings.keys,
  pinnedSaeCertificate: tls.pinnedSaeCertificate,
  strictRequests: settings.strictRequests,
});

/** The link's broker settings; the same for both KMEs. */
export const brokerOptionsOf = (settings: KmeSettings): BrokerOptions => ({
  amqpUrl: settings.amqpUrl,
  sharedQueue: settings.sharedQueue,
  publishTimeoutMs: settings.peerTimeoutMs,
});

/** The KME's key store: a database in DATA_DIR, or in memory; bounded by MAX_ACTIVE_KEYS. */
export const keyStoreOptionsOf = (settings: KmeSettings): KeyStoreOptions => {
  const logger = new Logger('KeyStore');
  return {
    dataDir: settings.store.kind === 'memory' ? ':memory:' : settings.store.dataDir,
    durability: settings.store.durability,
    attachedSaeIds: settings.attachedSaeIds,
    maxActiveKeys: settings.keys.maxActiveKeys,
    maxBytes: settings.store.maxBytes,
    onDropped: (count) =>
      logger.warn(
        `${count} keys never fetched by their slave SAEs were dropped (MAX_ACTIVE_KEYS=${settings.keys.maxActiveKeys})`,
      ),
  };
};

/** Opens the KME's store; a store that cannot be opened stops the KME, naming DATA_DIR. */
export function openKeyStoreOf<T>(settings: KmeSettings, open: (options: KeyStoreOptions) => T): T {
  try {
    return open(keyStoreOptionsOf(settings));
  } catch (error) {
    if (error instanceof KeyStoreOpenError) {
      throw new Error(`DATA_DIR=${settings.store.dataDir}: ${error.message}`);
    }
    throw error;
  }
}

/** The KME's logs: LOG_FORMAT, LOG_LEVEL, and its ID on every line. */
export const loggerOptionsOf = (settings: KmeSettings): KmeLoggerOptions => ({
  format: settings.logFormat,
  level: settings.logLevel,
  kmeId: settings.kmeId,
});
