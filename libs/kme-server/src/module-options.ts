import { Logger } from '@nestjs/common';
import type { BrokerOptions } from '@app/broker';
import type { KmeSettings } from '@app/config';
import type { EtsiApiOptions } from '@app/etsi-api';
import { ActiveKeyStore } from '@app/key-pool';
import type { TlsMaterial } from './tls';

/** What the ETSI API needs from a KME's settings; the same for both KMEs. */
export const etsiApiOptionsOf = (settings: KmeSettings, tls: TlsMaterial): EtsiApiOptions => ({
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

/** The store of keys awaiting their slave SAEs, bounded by MAX_ACTIVE_KEYS. */
export const activeKeyStoreOf = (settings: KmeSettings): ActiveKeyStore => {
  const logger = new Logger('ActiveKeys');
  return new ActiveKeyStore({
    attachedSaeIds: settings.attachedSaeIds,
    capacity: settings.keys.maxActiveKeys,
    onDropped: (count) =>
      logger.warn(
        `${count} keys never fetched by their slave SAEs were dropped (MAX_ACTIVE_KEYS=${settings.keys.maxActiveKeys})`,
      ),
  });
};
